// `pktbridge xconnect A B`, `xconnect --del A`, and `bridge create|delete|add-port|remove-port|list`.
import { Command } from 'commander';
import type { BridgeMessage } from '../api/client.js';
import { EXIT, withClient } from './context.js';
import { printJson, printLine, table } from './format.js';

export function bridgesTable(bridges: BridgeMessage[]): string {
  return table(
    ['bridge', 'ports', 'made for a network'],
    bridges.map((b) => [b.name, b.ports.join(',') || '', b.implicit ? 'yes' : 'no']),
  );
}

export function xconnectCommand(): Command {
  return new Command('xconnect')
    .description('cross-connect two ports (both directions), or undo it with --del')
    .argument('<a>', 'first port')
    .argument('[b]', 'second port')
    .option('--del', 'remove the cross-connect of port <a> (and its peer)', false)
    .action(async (a: string, b: string | undefined, opts: { del: boolean }, command: Command) => {
      if (!opts.del && b === undefined) {
        process.stderr.write('pktbridge: xconnect needs two ports (or --del and one)\n');
        process.exit(EXIT.USAGE);
      }
      await withClient(command, async (client) => {
        if (opts.del) {
          const reply = await client.call('DeleteXconnect', { port: a });
          printLine(`disconnected ${reply.a} and ${reply.b}`);
        } else {
          await client.call('AddXconnect', { a, b });
          printLine(`cross-connected ${a} and ${b}`);
        }
      });
    });
}

export function bridgeCommand(): Command {
  const bridge = new Command('bridge').description('L2 bridges with MAC learning');
  bridge
    .command('create')
    .argument('<name>')
    .action(async (name: string, _opts, command: Command) => {
      await withClient(command, async (client) => {
        await client.call('CreateBridge', { name });
        printLine(`created bridge ${name}`);
      });
    });
  bridge
    .command('delete')
    .argument('<name>')
    .action(async (name: string, _opts, command: Command) => {
      await withClient(command, async (client) => {
        await client.call('DeleteBridge', { name });
        printLine(`deleted bridge ${name}`);
      });
    });
  bridge
    .command('add-port')
    .argument('<bridge>')
    .argument('<port>')
    .action(async (name: string, port: string, _opts, command: Command) => {
      await withClient(command, async (client) => {
        await client.call('BridgeAddPort', { bridge: name, port });
        printLine(`added ${port} to bridge ${name}`);
      });
    });
  bridge
    .command('remove-port')
    .argument('<port>')
    .action(async (port: string, _opts, command: Command) => {
      await withClient(command, async (client) => {
        const reply = await client.call('BridgeRemovePort', { port });
        printLine(`removed ${port} from bridge ${reply.name}`);
      });
    });
  bridge
    .command('list')
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean }, command: Command) => {
      await withClient(command, async (client) => {
        const reply = await client.call('ListBridges');
        if (opts.json) printJson(reply.bridges);
        else printLine(bridgesTable(reply.bridges));
      });
    });
  return bridge;
}
