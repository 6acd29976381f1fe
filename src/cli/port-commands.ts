// `pktbridge port add memif|vhost-user …`, `port del NAME` and `ports` (the native engine's ports).
import { Command, Option } from 'commander';
import type { PortMessage } from '../api/client.js';
import { parseUint, withClient } from './context.js';
import { printJson, printLine, table } from './format.js';

export function portsTable(ports: PortMessage[]): string {
  return table(
    ['name', 'kind', 'id', 'link', 'mac', 'owner', 'connected to', 'socket'],
    ports.map((p) => [
      p.name,
      p.kind,
      p.port_id,
      p.link_up ? 'up' : 'down',
      p.mac,
      p.owner,
      p.bridge ? `bridge ${p.bridge}` : p.peer ? `xconnect ${p.peer}` : '',
      p.socket_path,
    ]),
  );
}

function printPort(port: PortMessage, json: boolean): void {
  if (json) printJson(port);
  else printLine(`added ${port.kind} port ${port.name}${port.socket_path ? ` (${port.socket_path})` : ''}`);
}

export function portCommands(): Command[] {
  const port = new Command('port').description('add or delete a port of the native engine');
  const add = port.command('add').description('add a port');

  add
    .command('memif')
    .description('a memif port (a filesystem socket unless --abstract)')
    .argument('<name>', 'port name')
    .requiredOption('--socket <path>', 'socket path (or abstract name with --abstract)')
    .addOption(
      new Option('--role <role>', 'role of this side').choices(['server', 'client']).default('server'),
    )
    .option('--id <n>', 'memif interface id', parseUint, 0)
    .option('--abstract', 'use an abstract socket', false)
    .option('--ring-size <n>', 'descriptors per ring (power of two)', parseUint)
    .option('--buffer-size <n>', 'buffer size in bytes', parseUint)
    .option('--secret <secret>', 'shared secret')
    .addOption(new Option('--mode <mode>', 'memif mode').choices(['ethernet', 'ip']).default('ethernet'))
    .option('--json', 'print the port as JSON', false)
    .action(async (name: string, opts, command: Command) => {
      await withClient(command, async (client) => {
        const reply = await client.call('AddPort', {
          name,
          memif: {
            socket_path: opts.socket,
            role: opts.role,
            id: opts.id,
            abstract: opts.abstract,
            ring_size: opts.ringSize,
            buffer_size: opts.bufferSize,
            secret: opts.secret,
            mode: opts.mode,
          },
        });
        printPort(reply, opts.json);
      });
    });

  add
    .command('vhost-user')
    .description('a vhost-user port')
    .argument('<name>', 'port name')
    .requiredOption('--socket <path>', 'socket path')
    .addOption(
      new Option('--mode <mode>', 'mode of this side').choices(['server', 'client']).default('server'),
    )
    .option('--queues <n>', 'queue pairs', parseUint, 1)
    .option('--json', 'print the port as JSON', false)
    .action(async (name: string, opts, command: Command) => {
      await withClient(command, async (client) => {
        const reply = await client.call('AddPort', {
          name,
          vhost_user: { socket_path: opts.socket, mode: opts.mode, queues: opts.queues },
        });
        printPort(reply, opts.json);
      });
    });

  port
    .command('del')
    .description('delete a port (its cross-connect or bridge membership goes with it)')
    .argument('<name>', 'port name')
    .action(async (name: string, _opts, command: Command) => {
      await withClient(command, async (client) => {
        await client.call('DeletePort', { name });
        printLine(`deleted port ${name}`);
      });
    });

  const ports = new Command('ports')
    .description('list ports')
    .option('--json', 'print JSON', false)
    .action(async (opts, command: Command) => {
      await withClient(command, async (client) => {
        const reply = await client.call('ListPorts');
        if (opts.json) printJson(reply.ports);
        else printLine(portsTable(reply.ports));
      });
    });

  return [port, ports];
}
