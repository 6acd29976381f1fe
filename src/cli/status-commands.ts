// `pktbridge status`, `attachments` and `version`: what the daemon is and holds.
import { Command } from 'commander';
import type { AttachmentMessage, StatusMessage } from '../api/client.js';
import { withClient } from './context.js';
import { printJson, printLine, table } from './format.js';

export function statusText(status: StatusMessage): string {
  const lines = [
    `pktbridge ${status.version}  pid ${status.pid}  up ${status.uptime_seconds.toFixed(0)} s${status.no_huge ? '  (--no-huge)' : ''}`,
    `api ${status.api_socket}  sockets ${status.socket_root}  state ${status.state_dir}`,
    `${status.attachments} attachments, ${status.ports} ports, ${status.workers.length} workers`,
    '',
    table(
      ['backend', 'ready', 'message'],
      status.backends.map((b) => [b.name, b.ready ? 'yes' : 'no', b.message]),
    ),
  ];
  const r = status.reconcile;
  if (r) {
    lines.push(
      '',
      `last start: ${r.intact} intact, ${r.restored} restored, ${r.rolled_back} interrupted attaches undone, ` +
        `${r.completed_detaches} detaches finished, ${r.orphans_removed} orphans removed`,
      ...r.unrestored.map((u) => `  NOT RESTORED ${u}`),
    );
  }
  return lines.join('\n');
}

export function attachmentsTable(attachments: AttachmentMessage[]): string {
  return table(
    ['id', 'container', 'ifname', 'network', 'backend', 'type', 'connect', 'socket'],
    attachments.map((a) => [
      a.id,
      a.container_id.slice(0, 12),
      a.ifname,
      a.network,
      a.backend,
      a.interface_type,
      a.connect,
      a.socket_path || a.pci_id,
    ]),
  );
}

export function statusCommands(): Command[] {
  const status = new Command('status')
    .description('daemon, backends and the last start-up reconcile')
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean }, command: Command) => {
      await withClient(command, async (client) => {
        const reply = await client.call('Status');
        if (opts.json) printJson(reply);
        else printLine(statusText(reply));
      });
    });
  const attachments = new Command('attachments')
    .description('list attachments')
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean }, command: Command) => {
      await withClient(command, async (client) => {
        const reply = await client.call('ListAttachments');
        if (opts.json) printJson(reply.attachments);
        else printLine(attachmentsTable(reply.attachments));
      });
    });
  const version = new Command('version')
    .description('daemon and API version')
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean }, command: Command) => {
      await withClient(command, async (client) => {
        const reply = await client.call('Version');
        if (opts.json) printJson(reply);
        else printLine(`pktbridge ${reply.version} (${reply.api}, node ${reply.node})`);
      });
    });
  return [status, attachments, version];
}
