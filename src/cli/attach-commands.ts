// `pktbridge attach …` and `detach …`: make or remove an attachment by hand (labs, debugging).
import { Command, Option } from 'commander';
import { parseUint, withClient } from './context.js';
import { printJson, printLine } from './format.js';

interface AttachOptions {
  containerId: string;
  ifname: string;
  network: string;
  type: 'memif' | 'vhost-user';
  backend: string;
  role?: string;
  mode?: string;
  id?: number;
  queues?: number;
  abstract: boolean;
  netns?: string;
  slot?: string;
  bridge?: string;
  xconnect?: string;
  noConnect: boolean;
  json: boolean;
}

function connectOf(opts: AttachOptions) {
  if (opts.xconnect) return { xconnect_peer: opts.xconnect };
  if (opts.noConnect) return { none: true };
  return opts.bridge ? { bridge: opts.bridge } : undefined;
}

export function attachCommands(): Command[] {
  const attach = new Command('attach')
    .description('create an attachment (what a CNI ADD does)')
    .requiredOption('--container-id <id>', 'container (sandbox) id')
    .requiredOption('--ifname <name>', 'interface name in the pod, e.g. net1')
    .requiredOption('--network <name>', 'network name (its attachments share a bridge by default)')
    .addOption(
      new Option('--type <type>', 'interface type').choices(['memif', 'vhost-user']).default('memif'),
    )
    .option('--backend <name>', 'backend', 'native')
    .addOption(new Option('--role <role>', 'memif: host-side role').choices(['server', 'client']))
    .addOption(new Option('--mode <mode>', 'vhost-user: host-side mode; memif: ethernet|ip'))
    .option('--id <n>', 'memif id', parseUint)
    .option('--queues <n>', 'queue pairs', parseUint)
    .option('--abstract', 'memif: abstract socket in --netns', false)
    .option('--netns <path>', 'network namespace path of the pod')
    .option('--slot <slot>', 'device-plugin slot whose directory holds the socket')
    .option('--bridge <name>', 'join this bridge instead of the network bridge')
    .option('--xconnect <port>', 'cross-connect to this port instead of a bridge')
    .option('--no-connect', 'leave the port unconnected')
    .option('--json', 'print JSON', false)
    .action(async (_opts, command: Command) => {
      const opts = command.opts<AttachOptions>();
      opts.noConnect = command.getOptionValue('connect') === false;
      await withClient(command, async (client) => {
        const iface =
          opts.type === 'memif'
            ? {
                memif: {
                  role: opts.role,
                  mode: opts.mode,
                  id: opts.id,
                  queues: opts.queues,
                  abstract: opts.abstract,
                },
              }
            : { vhost_user: { mode: opts.mode, queues: opts.queues } };
        const reply = await client.call('CreateAttachment', {
          container_id: opts.containerId,
          ifname: opts.ifname,
          network: opts.network,
          backend: opts.backend,
          netns: opts.netns,
          slot: opts.slot,
          connect: connectOf(opts),
          ...iface,
        });
        if (opts.json) printJson(reply);
        else
          printLine(`attached ${reply.id}: ${reply.interface_type} ${reply.socket_path} (${reply.connect})`);
      });
    });
  const detach = new Command('detach')
    .description('remove an attachment (what a CNI DEL does; succeeds when there is none)')
    .requiredOption('--container-id <id>', 'container (sandbox) id')
    .requiredOption('--ifname <name>', 'interface name in the pod')
    .option('--json', 'print JSON', false)
    .action(async (opts: { containerId: string; ifname: string; json: boolean }, command: Command) => {
      await withClient(command, async (client) => {
        const reply = await client.call('DeleteAttachment', {
          container_id: opts.containerId,
          ifname: opts.ifname,
        });
        if (opts.json) printJson(reply);
        else
          printLine(
            reply.existed ? `detached ${reply.attachment?.id}` : 'no such attachment (nothing to do)',
          );
      });
    });
  return [attach, detach];
}
