// `pktbridge stats [PORT…] [--watch] [--interval MS] [--json]`: port and worker counters.
import { Command } from 'commander';
import type { StatsMessage } from '../api/client.js';
import { parseUint, withClient } from './context.js';
import { printJson, printLine, table } from './format.js';

export function statsTables(stats: StatsMessage): string {
  const ports = table(
    ['port', 'rx pkts', 'tx pkts', 'rx bytes', 'tx bytes', 'rx drop', 'tx drop', 'rx err', 'tx err'],
    stats.ports.map((p) => [
      p.name,
      p.rx_packets,
      p.tx_packets,
      p.rx_bytes,
      p.tx_bytes,
      p.rx_dropped,
      p.tx_dropped,
      p.rx_errors,
      p.tx_errors,
    ]),
  );
  const workers = table(
    ['lcore', 'cpu', 'polls', 'busy polls', 'busy %', 'packets'],
    stats.workers.map((w) => [
      w.lcore,
      w.cpu,
      w.polls,
      w.busy_polls,
      w.polls > 0 ? Number(((100 * w.busy_polls) / w.polls).toFixed(2)) : 0,
      w.packets,
    ]),
  );
  return `${ports}\n\n${workers}`;
}

export function statsCommand(): Command {
  return new Command('stats')
    .description('port and worker counters')
    .argument('[ports...]', 'ports to show (default: all)')
    .option('--watch', 'keep printing every --interval', false)
    .option('--interval <ms>', 'watch period in milliseconds', parseUint, 1000)
    .option('--json', 'print JSON (one object per line with --watch)', false)
    .action(
      async (
        ports: string[],
        opts: { watch: boolean; interval: number; json: boolean },
        command: Command,
      ) => {
        await withClient(command, async (client) => {
          if (!opts.watch) {
            const stats = await client.call('GetStats', { ports });
            if (opts.json) printJson(stats);
            else printLine(statsTables(stats));
            return;
          }
          const stream = client.watchStats({ ports, interval_ms: opts.interval });
          process.once('SIGINT', () => stream.cancel());
          await new Promise<void>((resolve, reject) => {
            stream.on('data', (stats: StatsMessage) => {
              if (opts.json) process.stdout.write(`${JSON.stringify(stats)}\n`);
              else
                printLine(
                  `${process.stdout.isTTY ? '\x1b[2J\x1b[H' : ''}${new Date(stats.at).toISOString()}\n${statsTables(stats)}\n`,
                );
            });
            stream.on('error', (err: { code?: number }) => (err.code === 1 ? resolve() : reject(err)));
            stream.on('end', resolve);
          });
        });
      },
    );
}
