// NDR/PDR search in the style of MLRsearch: phases of growing trial duration and shrinking interval
// width, so most trials are short and only the last phase runs at full duration. Pure: the device is
// reached only through the `measure` callback, which lets tests drive it with a simulated device.
import { PktbridgeError } from '../../src/errors.js';

export interface TrialOutcome {
  ratePps: number;
  durationS: number;
  /** (intended - received) / intended over the whole trial. */
  lossRatio: number;
  /** Received frames per second of trial duration. */
  rxRatePps: number;
}

export type Measure = (ratePps: number, durationS: number) => Promise<TrialOutcome>;

export interface SearchConfig {
  minRatePps: number;
  maxRatePps: number;
  initialDurationS: number;
  finalDurationS: number;
  /** Phases between the first and the final one; each halves the width goal. */
  intermediatePhases: number;
  /** Final relative width goal: (upper - lower) / upper. */
  precision: number;
  /** Loss ratio the PDR may have (RFC 2544-style PDR: 0.005). NDR allows none. */
  pdrLossRatio: number;
  /** Hard cap on trials, so a noisy device cannot make the search run forever. */
  maxTrials?: number;
}

export interface Phase {
  durationS: number;
  width: number;
}

export interface SearchTarget {
  /** Highest rate that met the loss criterion at the final duration (0 when even minRate failed). */
  lowerPps: number;
  /** Lowest rate known to fail (maxRate when maxRate itself passed). */
  upperPps: number;
  /** Loss ratio measured at lowerPps. */
  lossRatio: number;
  /** True when the criterion failed even at minRatePps. */
  belowMinimum: boolean;
}

export interface SearchResult {
  ndr: SearchTarget;
  pdr: SearchTarget;
  trials: TrialOutcome[];
}

/** Durations grow geometrically from initial to final; widths halve down to the final precision. */
export function phasePlan(config: SearchConfig): Phase[] {
  const count = config.intermediatePhases + 2;
  const ratio = config.finalDurationS / config.initialDurationS;
  return Array.from({ length: count }, (_, k) => ({
    durationS: k === count - 1 ? config.finalDurationS : config.initialDurationS * ratio ** (k / (count - 1)),
    width: config.precision * 2 ** (count - 1 - k),
  }));
}

const sameDuration = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(a, b);

interface Bounds {
  lower?: TrialOutcome;
  upper?: TrialOutcome;
}

/**
 * Bounds for a loss criterion at duration d. A failure at a shorter duration is taken to fail at d
 * too (loss does not shrink with a longer trial), a pass counts only at exactly d.
 */
function boundsAt(trials: TrialOutcome[], lossRatio: number, durationS: number): Bounds {
  let upper: TrialOutcome | undefined;
  for (const t of trials) {
    if (
      t.lossRatio > lossRatio &&
      t.durationS <= durationS * (1 + 1e-9) &&
      (!upper || t.ratePps < upper.ratePps)
    )
      upper = t;
  }
  let lower: TrialOutcome | undefined;
  for (const t of trials) {
    if (t.lossRatio > lossRatio || !sameDuration(t.durationS, durationS)) continue;
    if (upper && t.ratePps >= upper.ratePps) continue;
    if (!lower || t.ratePps > lower.ratePps) lower = t;
  }
  return { lower, upper };
}

export async function searchNdrPdr(
  measure: Measure,
  config: SearchConfig,
  /** A first guess of the sustainable rate, e.g. the forwarding rate an MRR trial received. */
  initialGuessPps?: number,
): Promise<SearchResult> {
  const trials: TrialOutcome[] = [];
  const maxTrials = config.maxTrials ?? 100;
  const clamp = (rate: number): number =>
    Math.min(config.maxRatePps, Math.max(config.minRatePps, Math.floor(rate)));
  const measuredAt = (rate: number, durationS: number): boolean =>
    trials.some((t) => t.ratePps === rate && sameDuration(t.durationS, durationS));
  const run = async (rate: number, durationS: number): Promise<void> => {
    if (trials.length >= maxTrials)
      throw new PktbridgeError(
        'INTERNAL',
        `NDR/PDR search gave up after ${maxTrials} trials (device too noisy?)`,
      );
    trials.push(await measure(rate, durationS));
  };

  // Narrows one criterion's interval at one phase until it is at most `width` wide.
  const narrow = async (
    lossRatio: number,
    phase: Phase,
    hint: { lower?: number; upper?: number },
  ): Promise<Bounds> => {
    const { durationS, width } = phase;
    let stepDown = width;
    let stepUp = width;
    for (;;) {
      const { lower, upper } = boundsAt(trials, lossRatio, durationS);
      if (!upper && lower && lower.ratePps >= config.maxRatePps) return { lower, upper };
      if (!lower && upper && upper.ratePps <= config.minRatePps) return { lower, upper };
      let candidate: number;
      if (!lower && !upper) {
        candidate = clamp(hint.lower ?? config.maxRatePps);
      } else if (!lower && upper) {
        const retry = hint.lower !== undefined ? clamp(hint.lower) : undefined;
        if (retry !== undefined && retry < upper.ratePps && !measuredAt(retry, durationS)) candidate = retry;
        else {
          candidate = clamp(upper.ratePps * (1 - stepDown));
          stepDown = Math.min(stepDown * 2, 1);
        }
      } else if (lower && !upper) {
        const retry = hint.upper !== undefined ? clamp(hint.upper) : undefined;
        if (retry !== undefined && retry > lower.ratePps && !measuredAt(retry, durationS)) candidate = retry;
        else {
          candidate = clamp(lower.ratePps * (1 + stepUp));
          stepUp *= 2;
        }
      } else {
        const lo = lower!.ratePps;
        const hi = upper!.ratePps;
        const relWidth = (hi - lo) / hi;
        if (relWidth <= width) return { lower, upper };
        // Close to the goal, aim so that a pass lands exactly on the goal width (as MLRsearch does).
        candidate = clamp(relWidth <= 2 * width ? Math.ceil(hi * (1 - width)) : (lo + hi) / 2);
        if (candidate <= lo || candidate >= hi) return { lower, upper }; // rounding: cannot split further
      }
      if (measuredAt(candidate, durationS)) return boundsAt(trials, lossRatio, durationS);
      await run(candidate, durationS);
    }
  };

  const phases = phasePlan(config);
  const criteria = [config.pdrLossRatio, 0];
  const hints = criteria.map(() => ({
    lower: initialGuessPps,
    upper: config.maxRatePps as number | undefined,
  }));
  const finals: Bounds[] = [];
  for (const [k, phase] of phases.entries()) {
    for (const [i, lossRatio] of criteria.entries()) {
      const found = await narrow(lossRatio, phase, hints[i]!);
      hints[i] = { lower: found.lower?.ratePps ?? found.upper?.ratePps, upper: found.upper?.ratePps };
      if (k === phases.length - 1) finals[i] = found;
    }
  }
  const toTarget = (bounds: Bounds): SearchTarget => ({
    lowerPps: bounds.lower?.ratePps ?? 0,
    upperPps: bounds.upper?.ratePps ?? config.maxRatePps,
    lossRatio: bounds.lower?.lossRatio ?? bounds.upper?.lossRatio ?? 1,
    belowMinimum: bounds.lower === undefined,
  });
  return { pdr: toTarget(finals[0]!), ndr: toTarget(finals[1]!), trials };
}
