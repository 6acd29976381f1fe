// The NDR/PDR search against a simulated device with a known capacity and loss curve.
import { describe, expect, it } from 'vitest';
import {
  phasePlan,
  searchNdrPdr,
  type SearchConfig,
  type TrialOutcome,
} from '../../../bench/rfc2544/search.js';

/**
 * A device with no loss up to `ndrPps`, then a loss ratio growing linearly with the excess rate
 * (`slope` per unit of relative excess), and never more than `capacityPps` received. Short trials
 * look better than long ones: the loss-free rate is `shortTrialBonus / durationS` higher.
 */
function simulatedDevice(device: {
  ndrPps: number;
  slope: number;
  capacityPps: number;
  shortTrialBonus?: number;
}) {
  const effectiveNdr = (durationS: number): number =>
    device.ndrPps * (1 + (device.shortTrialBonus ?? 0) / durationS);
  const measure = async (ratePps: number, durationS: number): Promise<TrialOutcome> => {
    const ndr = effectiveNdr(durationS);
    const curveLoss = ratePps <= ndr ? 0 : Math.min(1, (device.slope * (ratePps - ndr)) / ndr);
    const received = Math.min(ratePps * (1 - curveLoss), device.capacityPps);
    return { ratePps, durationS, lossRatio: 1 - received / ratePps, rxRatePps: received };
  };
  /** The true PDR at a duration: where the linear curve reaches the loss ratio (below capacity here). */
  const truePdr = (lossRatio: number, durationS: number): number =>
    effectiveNdr(durationS) * (1 + lossRatio / device.slope);
  return { measure, effectiveNdr, truePdr };
}

const baseConfig: SearchConfig = {
  minRatePps: 10_000,
  maxRatePps: 30e6,
  initialDurationS: 1,
  finalDurationS: 10,
  intermediatePhases: 1,
  precision: 0.01,
  pdrLossRatio: 0.005,
};

describe('phasePlan', () => {
  it('grows durations geometrically to the final one and halves the width goal each phase', () => {
    const plan = phasePlan({ ...baseConfig, intermediatePhases: 2 });
    expect(plan.map((p) => p.durationS)).toEqual([
      1,
      expect.closeTo(10 ** (1 / 3), 9),
      expect.closeTo(10 ** (2 / 3), 9),
      10,
    ]);
    expect(plan.map((p) => p.width)).toEqual([0.08, 0.04, 0.02, 0.01]);
  });
});

describe('searchNdrPdr on a simulated device', () => {
  it('finds NDR and PDR within the configured precision', async () => {
    const device = simulatedDevice({ ndrPps: 7_300_000, slope: 0.1, capacityPps: 9_000_000 });
    const result = await searchNdrPdr(device.measure, baseConfig, 9_000_000);
    const ndr = device.effectiveNdr(10);
    const pdr = device.truePdr(0.005, 10);
    expect(result.ndr.lowerPps).toBeLessThanOrEqual(ndr);
    expect(result.ndr.lowerPps).toBeGreaterThanOrEqual(ndr * (1 - baseConfig.precision));
    expect(result.pdr.lowerPps).toBeLessThanOrEqual(pdr);
    expect(result.pdr.lowerPps).toBeGreaterThanOrEqual(pdr * (1 - baseConfig.precision));
    expect((result.ndr.upperPps - result.ndr.lowerPps) / result.ndr.upperPps).toBeLessThanOrEqual(
      baseConfig.precision,
    );
    expect(result.ndr.lossRatio).toBe(0);
    expect(result.pdr.lossRatio).toBeLessThanOrEqual(0.005);
  });

  it('runs few trials, and only the last phase at full duration', async () => {
    const device = simulatedDevice({ ndrPps: 7_300_000, slope: 0.1, capacityPps: 9_000_000 });
    const result = await searchNdrPdr(device.measure, baseConfig, 9_000_000);
    const full = result.trials.filter((t) => t.durationS === baseConfig.finalDurationS);
    // Bisection from the first interval (guess .. max) to 1 % takes ~log2(0.7 / 0.01) ≈ 7 halvings
    // per criterion; later phases cost a re-measured lower bound and a split or two each.
    expect(result.trials.length).toBeLessThanOrEqual(24);
    expect(full.length).toBeLessThanOrEqual(6);
    expect(result.trials.length - full.length).toBeGreaterThan(full.length);
  });

  it('re-measures lower bounds at the final duration when short trials look better', async () => {
    const device = simulatedDevice({
      ndrPps: 5_000_000,
      slope: 0.2,
      capacityPps: 6_000_000,
      shortTrialBonus: 0.05,
    });
    const result = await searchNdrPdr(device.measure, baseConfig, 6_000_000);
    const ndr = device.effectiveNdr(10);
    expect(device.effectiveNdr(1)).toBeGreaterThan(ndr * (1 + baseConfig.precision)); // the trap is real
    expect(result.ndr.lowerPps).toBeLessThanOrEqual(ndr);
    expect(result.ndr.lowerPps).toBeGreaterThanOrEqual(ndr * (1 - baseConfig.precision));
  });

  it('reports maxRate as NDR when the device never loses', async () => {
    const device = simulatedDevice({ ndrPps: 1e9, slope: 1, capacityPps: 1e9 });
    const result = await searchNdrPdr(device.measure, baseConfig, 30e6);
    expect(result.ndr).toMatchObject({ lowerPps: 30e6, belowMinimum: false, lossRatio: 0 });
    expect(result.trials.length).toBeLessThanOrEqual(3);
  });

  it('flags a device that loses even at the minimum rate', async () => {
    const lossy = async (ratePps: number, durationS: number): Promise<TrialOutcome> => ({
      ratePps,
      durationS,
      lossRatio: 0.5,
      rxRatePps: ratePps / 2,
    });
    const result = await searchNdrPdr(lossy, baseConfig, 1e6);
    expect(result.ndr).toMatchObject({ lowerPps: 0, belowMinimum: true });
    expect(result.pdr.belowMinimum).toBe(true);
  });
});
