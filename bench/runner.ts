// A whole bench run: under the dataplane lock, for each round and each path (alternating the order
// every round), start the DUT and the generator, measure every frame size, stop both; then write the
// JSON, CSV and HTML outputs and print the summary.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, hostname, release } from 'node:os';
import { resolve } from 'node:path';
import { toPktbridgeError } from '../src/errors.js';
import { acquireDataplaneLock } from './lock.js';
import { resolveBenchOptions, type BenchOptions, type BenchOptionsInput, type PathName } from './options.js';
import { PATHS } from './paths/registry.js';
import type { PathUnderTest, RunningPath } from './paths/types.js';
import { writeResultFiles, type WrittenFiles } from './report/files.js';
import { lineRatePps } from './report/format.js';
import { renderHtml } from './report/html.js';
import { pathStatusLines, progressHeader, progressRow, ratioTable, summaryTable } from './report/table.js';
import type { BenchResult, FigureRecord, PathStatus, TrialRecord } from './results.js';
import { measureFigures } from './rfc2544/figures.js';
import { ratios, summarize } from './rfc2544/summary.js';
import { buildTrafficgen, TrafficGenerator } from './trafficgen/generator.js';

export interface BenchRun {
  result: BenchResult;
  files: WrittenFiles;
}

/** Rotates the path order by one each round, so no path always runs first (or right after another). */
export function roundOrder<T>(items: T[], round: number): T[] {
  const shift = items.length ? (round - 1) % items.length : 0;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function dpdkVersion(): string {
  try {
    return execFileSync('pkg-config', ['--modversion', 'libdpdk'], {
      encoding: 'utf8',
      timeout: 5_000,
    }).trim();
  } catch {
    return 'unknown';
  }
}

async function measurePath(
  path: PathUnderTest,
  round: number,
  options: BenchOptions,
  record: { trial(t: TrialRecord): void; figure(f: FigureRecord): void },
  log: (line: string) => void,
): Promise<void> {
  const workDir = mkdtempSync('/tmp/pbb-');
  const maxLifetimeMs = 6 * 3600_000;
  let running: RunningPath;
  try {
    running = await path.start({
      workDir,
      dutCpu: options.dutCpu,
      filePrefix: `pbbd${randomBytes(3).toString('hex')}`,
      maxLifetimeMs,
      vppSocket: options.vppSocket,
      log,
    });
  } catch (err) {
    rmSync(workDir, { recursive: true, force: true });
    throw err;
  }
  let generator: TrafficGenerator | undefined;
  try {
    generator = await TrafficGenerator.start({
      ports: running.generatorPorts,
      cpu: options.generatorCpu,
      filePrefix: `pbbg${randomBytes(3).toString('hex')}`,
      netns: running.generatorNetns,
      maxLifetimeMs,
    });
    for (const frameSize of options.sizes) {
      const started = Date.now();
      const figure = await measureFigures(generator, {
        path: path.name,
        round,
        frameSize,
        maxRatePps: Math.min(
          path.kernel ? options.kernelMaxRatePps : options.maxRatePps,
          Math.floor(lineRatePps(options.lineRateGbps, frameSize)),
        ),
        options,
        onTrial: record.trial,
        guard: {
          maxForeignCpu: options.maxForeignCpu,
          retries: options.disturbedRetries,
          quietWaitMs: 3_000,
        },
      });
      record.figure(figure);
      log(progressRow(`${round}/${options.rounds}`, figure, (Date.now() - started) / 1000));
    }
  } finally {
    // The DUT goes first while the generator is idle: a memif peer vanishing under a polling worker
    // is the known PMD crash, and the generator polls only during a trial.
    await running
      .stop()
      .catch((err: unknown) => log(`  ${path.name}: stopping the DUT failed: ${String(err)}`));
    await generator?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Runs the bench; `signal` aborts it after the current path (what is measured so far is written). */
export async function runBench(
  input: BenchOptionsInput,
  log: (line: string) => void = console.log,
  signal?: AbortSignal,
): Promise<BenchRun> {
  const options = resolveBenchOptions(input);
  const say = options.progress ? log : () => undefined;
  const startedAt = new Date();
  await buildTrafficgen();

  const statuses = new Map<PathName, PathStatus>();
  const runnable: PathUnderTest[] = [];
  for (const name of options.paths) {
    const path = PATHS[name];
    const reason = await path.unavailableReason({ vppSocket: options.vppSocket });
    statuses.set(name, {
      name,
      label: path.label,
      dataplane: path.dataplane,
      portType: path.portType,
      status: reason ? 'skipped' : 'measured',
      reason,
      failures: [],
    });
    if (reason) say(`skipping ${name}: ${reason}`);
    else runnable.push(path);
  }

  const trials: TrialRecord[] = [];
  const figures: FigureRecord[] = [];
  const lockWaitStarted = Date.now();
  const lock = await acquireDataplaneLock(options.lockTimeoutS * 1000, (holders) =>
    say(`waiting for the dataplane lock (held by PID ${holders.join(', ')})`),
  );
  const lockWaitS = (Date.now() - lockWaitStarted) / 1000;
  try {
    say(progressHeader());
    for (let round = 1; round <= options.rounds; round++) {
      for (const path of roundOrder(runnable, round)) {
        if (signal?.aborted) break;
        try {
          await measurePath(
            path,
            round,
            options,
            { trial: (t) => trials.push(t), figure: (f) => figures.push(f) },
            say,
          );
        } catch (err) {
          const message = toPktbridgeError(err).message;
          statuses.get(path.name)!.failures.push({ round, message });
          say(`  ${path.name} round ${round} failed: ${message.split('\n').slice(0, 3).join(' | ')}`);
        }
      }
    }
  } finally {
    await lock.release();
  }

  for (const status of statuses.values()) {
    if (status.status === 'measured' && !figures.some((f) => f.path === status.name)) {
      status.status = 'failed';
      status.reason = status.failures[0]?.message.split('\n')[0] ?? 'no figures';
    }
  }
  const summary = summarize(figures);
  const { outDir: _outDir, ...recordedOptions } = options;
  const result: BenchResult = {
    meta: {
      tool: 'pktbridge-bench',
      version: 1,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      lockWaitS,
      host: hostname(),
      kernel: release(),
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      dpdkVersion: dpdkVersion(),
      options: recordedOptions,
    },
    paths: [...statuses.values()],
    trials,
    figures,
    summary,
    ratios: ratios(summary),
  };
  const files = writeResultFiles(resolve(options.outDir), result, renderHtml(result));
  say(`\npaths:\n${pathStatusLines(result.paths)}`);
  const disturbed = trials.filter((t) => t.disturbed).length;
  if (disturbed)
    say(
      `${disturbed} of ${trials.length} trials ran while other processes used > ${options.maxForeignCpu} CPU`,
    );
  if (summary.length) say(`\nmedians over ${options.rounds} round(s):\n${summaryTable(summary)}`);
  if (result.ratios.length) say(`\n${ratioTable(result.ratios)}`);
  say(`\nwrote ${files.json}, ${files.trialsCsv}, ${files.summaryCsv}, ${files.html}`);
  return { result, files };
}
