// Interleaved medians, spreads and the headline ratios of a bench run.
import { describe, expect, it } from 'vitest';
import type { FigureRecord } from '../../../bench/results.js';
import { median, ratios, spread, summarize } from '../../../bench/rfc2544/summary.js';

const figure = (
  path: FigureRecord['path'],
  frameSize: FigureRecord['frameSize'],
  round: number,
  ndrPps: number,
): FigureRecord => ({
  path,
  frameSize,
  round,
  mrrPps: ndrPps * 1.2,
  ndrPps,
  pdrPps: ndrPps * 1.1,
  ndrUpperPps: ndrPps * 1.01,
  pdrUpperPps: ndrPps * 1.11,
  ndrBelowMinimum: false,
  pdrBelowMinimum: false,
  searchTrials: 12,
  latency: [{ load: 0.5, ratePps: ndrPps / 2, p50Ns: 1000 * round, p90Ns: 2000, p99Ns: 5000, lossRatio: 0 }],
});

describe('median and spread', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('reports min, max and the spread relative to the median', () => {
    expect(spread([10, 12, 8])).toEqual({ median: 10, min: 8, max: 12, relSpread: 0.4, n: 3 });
  });
});

describe('summarize', () => {
  it('groups rounds by path and frame size and takes medians of every figure', () => {
    const rows = summarize([
      figure('native-memif', 64, 1, 10e6),
      figure('native-memif', 64, 2, 14e6),
      figure('native-memif', 64, 3, 12e6),
      figure('native-memif', 1518, 1, 2e6),
    ]);
    expect(rows).toHaveLength(2);
    const row64 = rows.find((r) => r.frameSize === 64)!;
    expect(row64.ndr).toMatchObject({ median: 12e6, min: 10e6, max: 14e6, n: 3 });
    expect(row64.latency).toEqual([{ load: 0.5, p50Ns: 2000, p90Ns: 2000, p99Ns: 5000 }]);
  });
});

describe('ratios', () => {
  it('divides the pktbridge medians by the testpmd medians of the same port type and size', () => {
    const summary = summarize([
      figure('native-memif', 64, 1, 9.7e6),
      figure('testpmd-memif', 64, 1, 10e6),
      figure('kernel-veth', 64, 1, 0.5e6),
      figure('native-vhost', 64, 1, 5e6),
    ]);
    const rows = ratios(summary);
    expect(rows.find((r) => r.label === 'pktbridge / testpmd (memif)')?.ndr).toBeCloseTo(0.97, 9);
    expect(rows.find((r) => r.label === 'pktbridge memif / kernel veth')?.ndr).toBeCloseTo(19.4, 9);
    // No testpmd-vhost figures: no vhost-user ratio rather than a made-up one.
    expect(rows.some((r) => r.label === 'pktbridge / testpmd (vhost-user)')).toBe(false);
  });
});
