// Entry point of the RFC 2544 lab: `tsx bench/main.ts [--paths a,b] [--sizes 64,1518,imix]
// [--duration S] [--rounds N] [--out DIR] [--quick]`. Exports runBench and the options schema so
// `pktbridge bench` can wire the same run.
import { Command, InvalidArgumentError } from 'commander';
import { pathToFileURL } from 'node:url';
import { PktbridgeError } from '../src/errors.js';
import { PATH_NAMES, parsePaths, parseSizes, type BenchOptionsInput } from './options.js';
import { interruptAll } from './proc.js';

export { benchOptionsSchema, resolveBenchOptions, QUICK_PRESET, type BenchOptionsInput } from './options.js';
export { runBench, type BenchRun } from './runner.js';
export { benchResultSchema, type BenchResult } from './results.js';

const number = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new InvalidArgumentError(`not a number: ${value}`);
  return parsed;
};
const list =
  <T>(parse: (text: string) => T) =>
  (value: string): T => {
    try {
      return parse(value);
    } catch (err) {
      throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
    }
  };

/** Parses bench command-line arguments (without the node/script prefix) into runBench options. */
export function parseBenchArgs(argv: string[]): BenchOptionsInput {
  const program = new Command('bench')
    .description(
      'RFC 2544 NDR/PDR/MRR and latency of pktbridge against testpmd, OVS-DPDK, VPP and the kernel',
    )
    .option('--paths <list>', `comma-separated paths: ${PATH_NAMES.join(', ')}`, list(parsePaths))
    .option('--sizes <list>', 'comma-separated frame sizes (64..1518) and/or imix', list(parseSizes))
    .option('--duration <s>', 'final trial duration in seconds', number)
    .option('--initial-duration <s>', 'first search phase trial duration in seconds', number)
    .option('--rounds <n>', 'rounds (paths alternate within each round)', number)
    .option('--precision <ratio>', 'final NDR/PDR interval width, e.g. 0.01', number)
    .option('--max-rate <pps>', 'highest offered load for DPDK paths (aggregate pps)', number)
    .option('--latency-duration <s>', 'duration of each latency trial in seconds', number)
    .option('--line-rate-gbps <n>', 'cap the offered load at this Ethernet line rate per frame size', number)
    .option('--disturbed-retries <n>', 'repeat a trial disturbed by other processes up to n times', number)
    .option('--out <dir>', 'output directory (default bench/out)')
    .option('--vpp-socket <path>', 'VPP API socket for the VPP path')
    .option('--quick', 'CI smoke preset: 64 and 1518 B, one round, short trials (< 1 minute)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  program.parse(argv, { from: 'user' });
  const o = program.opts<{
    paths?: BenchOptionsInput['paths'];
    sizes?: BenchOptionsInput['sizes'];
    duration?: number;
    initialDuration?: number;
    rounds?: number;
    precision?: number;
    maxRate?: number;
    latencyDuration?: number;
    lineRateGbps?: number;
    disturbedRetries?: number;
    out?: string;
    vppSocket?: string;
    quick?: boolean;
  }>();
  return {
    paths: o.paths,
    sizes: o.sizes,
    durationS: o.duration,
    initialDurationS: o.initialDuration,
    rounds: o.rounds,
    precision: o.precision,
    maxRatePps: o.maxRate,
    latencyDurationS: o.latencyDuration,
    lineRateGbps: o.lineRateGbps,
    disturbedRetries: o.disturbedRetries,
    outDir: o.out,
    vppSocket: o.vppSocket ?? process.env.PKTBRIDGE_VPP_SOCKET,
    quick: o.quick ?? false,
  };
}

async function main(): Promise<void> {
  const { runBench } = await import('./runner.js');
  let input: BenchOptionsInput;
  try {
    input = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode;
    process.exit(typeof code === 'number' ? code : 2);
  }
  // Ctrl-C: interrupt the children (the current trial fails, its path cleans up), write what was
  // measured and exit; a second Ctrl-C exits at once (children are killed at exit).
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130);
    console.error('interrupted: stopping the current path and writing what was measured');
    controller.abort();
    interruptAll();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const run = await runBench(input, console.log, controller.signal);
    const measured = run.result.paths.filter((p) => p.status === 'measured').length;
    process.exit(measured > 0 ? 0 : 1);
  } catch (err) {
    const error = err instanceof PktbridgeError ? err : undefined;
    console.error(
      `bench failed${error ? ` (${error.code})` : ''}: ${err instanceof Error ? err.message : String(err)}`,
    );
    process.exit(1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) void main();
