// One path/size/round of figures against a fake generator that behaves like a device with a known
// capacity: MRR is the capacity, NDR/PDR sit below it, latency trials run at the PDR fractions.
import { describe, expect, it } from 'vitest';
import type { TrialRecord } from '../../../bench/results.js';
import { measureFigures, type TrialRunner } from '../../../bench/rfc2544/figures.js';
import type { GeneratorTrial, TrialRequest } from '../../../bench/trafficgen/generator.js';

/** Forwards everything up to `capacity` pps and drops the excess; latency grows with load. */
function fakeDevice(capacity: number): TrialRunner & { requests: TrialRequest[] } {
  const requests: TrialRequest[] = [];
  return {
    requests,
    async trial(request): Promise<GeneratorTrial> {
      requests.push(request);
      const intended = Math.round(request.ratePps * request.durationS);
      const received = Math.min(intended, Math.round(capacity * request.durationS));
      const p50 = 1000 + 10_000 * (request.ratePps / capacity);
      return {
        type: 'trial',
        id: requests.length,
        frameSize: request.frameSize,
        ratePps: request.ratePps,
        durationS: request.durationS,
        elapsedS: request.durationS,
        txIntended: intended,
        txSent: intended,
        txFailed: 0,
        txLate: 0,
        rxPackets: received,
        rxBytes: received * 64,
        lost: intended - received,
        reordered: 0,
        rxForeign: 0,
        txPerPort: [intended / 2, intended / 2],
        rxPerPort: [received / 2, received / 2],
        latencyNs: {
          samples: received,
          min: 800,
          avg: p50,
          p50,
          p90: p50 * 2,
          p99: p50 * 5,
          p999: p50 * 8,
          max: p50 * 10,
        },
      };
    },
  };
}

describe('measureFigures', () => {
  it('reports MRR at full load, NDR/PDR just under capacity and latency at fractions of the PDR', async () => {
    const device = fakeDevice(6_000_000);
    const trials: TrialRecord[] = [];
    const figure = await measureFigures(device, {
      path: 'native-memif',
      round: 2,
      frameSize: 64,
      maxRatePps: 20_000_000,
      options: {
        durationS: 2,
        initialDurationS: 0.2,
        intermediatePhases: 1,
        precision: 0.01,
        pdrLossRatio: 0.005,
        minRatePps: 10_000,
        latencyLoads: [0.1, 0.5, 0.9],
        latencyDurationS: 1,
      },
      onTrial: (t) => trials.push(t),
    });
    expect(figure.mrrPps).toBe(6_000_000);
    expect(figure.ndrPps).toBeLessThanOrEqual(6_000_000);
    expect(figure.ndrPps).toBeGreaterThanOrEqual(6_000_000 * 0.99);
    // A 0.5 % loss allowance puts the true PDR at capacity / 0.995; found within the 1 % precision.
    expect(figure.pdrPps).toBeGreaterThanOrEqual((6_000_000 / 0.995) * 0.99);
    expect(figure.pdrPps).toBeLessThanOrEqual(6_000_000 / 0.995);
    expect(figure.latency.map((l) => l.load)).toEqual([0.1, 0.5, 0.9]);
    expect(figure.latency[1]!.ratePps).toBeCloseTo(figure.pdrPps * 0.5, -1);
    expect(figure.latency[0]!.p50Ns).toBeLessThan(figure.latency[2]!.p50Ns);
    expect(trials).toHaveLength(device.requests.length);
    expect(trials.filter((t) => t.purpose === 'search')).toHaveLength(figure.searchTrials);
    expect(trials[0]).toMatchObject({
      purpose: 'mrr',
      ratePps: 20_000_000,
      durationS: 2,
      round: 2,
      disturbed: false,
    });
  });
});
