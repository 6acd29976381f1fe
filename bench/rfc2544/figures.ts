// One set of RFC 2544 figures for one path, frame size and round: MRR at full offered load, NDR and
// PDR by the search, then latency trials at fractions of the PDR. Every trial is handed to `onTrial`.
import { cpuSnapshot, disturbanceBetween, waitForQuiet, type Disturbance } from '../cpu-guard.js';
import type { BenchOptions, FrameSize, PathName } from '../options.js';
import type { FigureRecord, TrialRecord } from '../results.js';
import type { GeneratorTrial, TrialRequest } from '../trafficgen/generator.js';
import { searchNdrPdr, type TrialOutcome } from './search.js';

/** Anything that runs one trial (the traffic generator, or a fake in tests). */
export interface TrialRunner {
  trial(request: TrialRequest): Promise<GeneratorTrial>;
}

export interface FigureContext {
  path: PathName;
  round: number;
  frameSize: FrameSize;
  maxRatePps: number;
  options: Pick<
    BenchOptions,
    | 'durationS'
    | 'initialDurationS'
    | 'intermediatePhases'
    | 'precision'
    | 'pdrLossRatio'
    | 'minRatePps'
    | 'latencyLoads'
    | 'latencyDurationS'
  >;
  /** Repeat trials that other processes disturbed (off in tests that fake the device). */
  guard?: { maxForeignCpu: number; retries: number; quietWaitMs: number };
  onTrial(trial: TrialRecord): void;
}

export function toTrialRecord(
  result: GeneratorTrial,
  context: Pick<FigureContext, 'path' | 'round' | 'frameSize'>,
  purpose: TrialRecord['purpose'],
  startedAt: Date,
  disturbance: Disturbance & { disturbed: boolean } = { foreignCpu: 0, stealCpu: 0, disturbed: false },
): TrialRecord {
  return {
    path: context.path,
    round: context.round,
    frameSize: context.frameSize,
    purpose,
    ratePps: result.ratePps,
    durationS: result.durationS,
    elapsedS: result.elapsedS,
    txIntended: result.txIntended,
    txSent: result.txSent,
    txFailed: result.txFailed,
    rxPackets: result.rxPackets,
    lost: result.lost,
    lossRatio: result.txIntended > 0 ? result.lost / result.txIntended : 1,
    rxRatePps: result.rxPackets / result.durationS,
    reordered: result.reordered,
    latency: {
      samples: result.latencyNs.samples,
      minNs: result.latencyNs.min,
      avgNs: result.latencyNs.avg,
      p50Ns: result.latencyNs.p50,
      p90Ns: result.latencyNs.p90,
      p99Ns: result.latencyNs.p99,
      maxNs: result.latencyNs.max,
    },
    ...disturbance,
    startedAt: startedAt.toISOString(),
  };
}

export async function measureFigures(runner: TrialRunner, ctx: FigureContext): Promise<FigureRecord> {
  const { options } = ctx;
  const runTrial = async (
    ratePps: number,
    durationS: number,
    purpose: TrialRecord['purpose'],
  ): Promise<TrialRecord> => {
    for (let attempt = 0; ; attempt++) {
      const startedAt = new Date();
      const before = ctx.guard ? cpuSnapshot() : undefined;
      const result = await runner.trial({ ratePps, durationS, frameSize: ctx.frameSize });
      const load = before ? disturbanceBetween(before, cpuSnapshot()) : { foreignCpu: 0, stealCpu: 0 };
      const disturbed = ctx.guard !== undefined && load.foreignCpu + load.stealCpu > ctx.guard.maxForeignCpu;
      const record = toTrialRecord(result, ctx, purpose, startedAt, { ...load, disturbed });
      ctx.onTrial(record);
      if (!disturbed || attempt >= (ctx.guard?.retries ?? 0)) return record;
      await waitForQuiet(ctx.guard!.maxForeignCpu, ctx.guard!.quietWaitMs);
    }
  };

  const mrr = await runTrial(ctx.maxRatePps, options.durationS, 'mrr');
  let searchTrials = 0;
  const measure = async (ratePps: number, durationS: number): Promise<TrialOutcome> => {
    searchTrials++;
    const record = await runTrial(ratePps, durationS, 'search');
    return { ratePps: record.ratePps, durationS, lossRatio: record.lossRatio, rxRatePps: record.rxRatePps };
  };
  const search = await searchNdrPdr(
    measure,
    {
      minRatePps: options.minRatePps,
      maxRatePps: ctx.maxRatePps,
      initialDurationS: options.initialDurationS,
      finalDurationS: options.durationS,
      intermediatePhases: options.intermediatePhases,
      precision: options.precision,
      pdrLossRatio: options.pdrLossRatio,
    },
    Math.min(ctx.maxRatePps, Math.max(options.minRatePps, mrr.rxRatePps)),
  );

  const latency: FigureRecord['latency'] = [];
  if (!search.pdr.belowMinimum) {
    for (const load of options.latencyLoads) {
      const record = await runTrial(search.pdr.lowerPps * load, options.latencyDurationS, 'latency');
      latency.push({
        load,
        ratePps: record.ratePps,
        p50Ns: record.latency.p50Ns,
        p90Ns: record.latency.p90Ns,
        p99Ns: record.latency.p99Ns,
        lossRatio: record.lossRatio,
      });
    }
  }
  return {
    path: ctx.path,
    frameSize: ctx.frameSize,
    round: ctx.round,
    mrrPps: mrr.rxRatePps,
    ndrPps: search.ndr.lowerPps,
    pdrPps: search.pdr.lowerPps,
    ndrUpperPps: search.ndr.upperPps,
    pdrUpperPps: search.pdr.upperPps,
    ndrBelowMinimum: search.ndr.belowMinimum,
    pdrBelowMinimum: search.pdr.belowMinimum,
    searchTrials,
    latency,
  };
}
