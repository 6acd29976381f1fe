// `pktbridge pod-args`: inside a VNF's container, prints DPDK EAL arguments for the pod's userspace
// interfaces, read from the network-status annotation that the downward API mounts.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { PktbridgeError } from '../errors.js';
import { podEalArgs } from '../podargs/eal-args.js';
import {
  annotationFromDownwardApi,
  NETWORK_STATUS_KEY,
  parseNetworkStatus,
} from '../podargs/network-status.js';
import { EXIT } from './context.js';

export const DEFAULT_ANNOTATIONS_FILE = '/etc/podnetinfo/annotations';

function readNetworkStatus(annotationsFile: string, inline?: string): string {
  if (inline !== undefined) return inline;
  let text: string;
  try {
    text = readFileSync(annotationsFile, 'utf8');
  } catch (err) {
    throw new PktbridgeError(
      'NOT_FOUND',
      `cannot read ${annotationsFile} (${(err as NodeJS.ErrnoException).code}): mount the pod's annotations with the downward API`,
    );
  }
  const value = annotationFromDownwardApi(text);
  if (value === undefined)
    throw new PktbridgeError('NOT_FOUND', `${annotationsFile} has no ${NETWORK_STATUS_KEY}`);
  return value;
}

export function podArgsCommand(): Command {
  return new Command('pod-args')
    .description("print DPDK EAL arguments for this pod's userspace interfaces (run inside the pod)")
    .option('--annotations <file>', 'downward-API annotations file', DEFAULT_ANNOTATIONS_FILE)
    .option('--network-status <json>', 'the network-status annotation value itself')
    .option('--json', 'interfaces with their sockets, IPs and MACs, as JSON')
    .action((opts: { annotations: string; networkStatus?: string; json?: boolean }) => {
      try {
        const result = podEalArgs(
          parseNetworkStatus(readNetworkStatus(opts.annotations, opts.networkStatus)),
        );
        if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else process.stdout.write(`${result.args.join(' ')}\n`);
      } catch (err) {
        if (!(err instanceof PktbridgeError)) throw err;
        process.stderr.write(`pktbridge pod-args: ${err.message}\n`);
        process.exit(err.code === 'INVALID_ARGUMENT' ? EXIT.USAGE : EXIT.NOT_FOUND);
      }
    });
}
