// The report writers: HTML charts carry one data point per measured path and frame size, the page is
// self-contained, and the CSV has one row per trial.
import { describe, expect, it } from 'vitest';
import { trialsCsv } from '../../../bench/report/files.js';
import { renderHtml } from '../../../bench/report/html.js';
import { escapeXml, logTicks, niceTicks } from '../../../bench/report/svg.js';
import type { BenchResult, FigureRecord, TrialRecord } from '../../../bench/results.js';
import { ratios, summarize } from '../../../bench/rfc2544/summary.js';

function fakeResult(): BenchResult {
  const figures: FigureRecord[] = [];
  for (const path of ['native-memif', 'testpmd-memif'] as const) {
    for (const frameSize of [64, 1518, 'imix'] as const) {
      const ndrPps = (path === 'native-memif' ? 9e6 : 10e6) / (frameSize === 64 ? 1 : 4);
      figures.push({
        path,
        frameSize,
        round: 1,
        mrrPps: ndrPps * 1.3,
        ndrPps,
        pdrPps: ndrPps * 1.05,
        ndrUpperPps: ndrPps * 1.01,
        pdrUpperPps: ndrPps * 1.06,
        ndrBelowMinimum: false,
        pdrBelowMinimum: false,
        searchTrials: 11,
        latency: [0.1, 0.5, 0.9].map((load) => ({
          load,
          ratePps: ndrPps * load,
          p50Ns: 2000,
          p90Ns: 4000,
          p99Ns: 30000,
          lossRatio: 0,
        })),
      });
    }
  }
  const trial: TrialRecord = {
    path: 'native-memif',
    round: 1,
    frameSize: 64,
    purpose: 'search',
    ratePps: 1e6,
    durationS: 1,
    elapsedS: 1,
    txIntended: 1e6,
    txSent: 1e6,
    txFailed: 0,
    rxPackets: 999_000,
    lost: 1000,
    lossRatio: 0.001,
    rxRatePps: 999_000,
    reordered: 0,
    latency: {
      samples: 999_000,
      minNs: 900,
      avgNs: 2100,
      p50Ns: 2000,
      p90Ns: 4000,
      p99Ns: 30000,
      maxNs: 90000,
    },
    foreignCpu: 0.02,
    stealCpu: 0,
    disturbed: false,
    startedAt: '2026-01-01T00:00:00.000Z',
  };
  const summary = summarize(figures);
  return {
    meta: {
      tool: 'pktbridge-bench',
      version: 1,
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:01:00.000Z',
      lockWaitS: 0,
      host: 'lab<1>',
      kernel: '6.1',
      cpus: 2,
      cpuModel: 'test',
      dpdkVersion: '22.11',
      options: {
        durationS: 1,
        rounds: 1,
        precision: 0.01,
        pdrLossRatio: 0.005,
        generatorCpu: 0,
        dutCpu: 1,
        maxForeignCpu: 0.1,
      },
    },
    paths: [
      {
        name: 'native-memif',
        label: 'pktbridge xconnect (memif)',
        dataplane: 'pktbridge',
        portType: 'memif',
        status: 'measured',
        failures: [],
      },
      {
        name: 'testpmd-memif',
        label: 'testpmd io (memif)',
        dataplane: 'testpmd',
        portType: 'memif',
        status: 'measured',
        failures: [],
      },
      {
        name: 'vpp-memif',
        label: 'VPP',
        dataplane: 'vpp',
        portType: 'memif',
        status: 'skipped',
        reason: 'no VPP socket',
        failures: [],
      },
    ],
    trials: [trial, { ...trial, round: 2 }],
    figures,
    summary,
    ratios: ratios(summary),
  };
}

const chart = (html: string, id: string): string => {
  const start = html.indexOf(`data-chart="${id}"`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</svg>', start));
};

describe('renderHtml', () => {
  const html = renderHtml(fakeResult());

  it('plots one throughput point per measured path and frame size', () => {
    for (const id of ['throughput-ndr', 'throughput-pdr', 'throughput-mrr'])
      expect(chart(html, id).match(/class="point"/g)).toHaveLength(6);
  });

  it('plots the ratio to the testpmd limit, 0.9 for every size here', () => {
    const values = [...chart(html, 'ratio-to-limit').matchAll(/class="point"[^>]*data-value="([^"]+)"/g)].map(
      (m) => Number(m[1]),
    );
    expect(values).toHaveLength(3);
    for (const v of values) expect(v).toBeCloseTo(0.9, 9);
  });

  it('draws p50/p90/p99 bars per path for each latency load', () => {
    for (const id of ['latency-10', 'latency-50', 'latency-90'])
      expect(chart(html, id).match(/class="bar"/g)).toHaveLength(6);
  });

  it('escapes text from the run and loads nothing from outside the file', () => {
    expect(html).toContain('lab&lt;1&gt;');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|url\(|@import/);
    expect(html).toContain('no VPP socket');
  });
});

describe('chart helpers', () => {
  it('picks round ticks that cover the maximum', () => {
    expect(niceTicks(23)).toEqual([0, 5, 10, 15, 20, 25]);
    expect(logTicks(1.8, 950)).toEqual([1, 10, 100, 1000]);
    expect(escapeXml('<a href="x">&')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;');
  });
});

describe('trialsCsv', () => {
  it('writes a header and one row per trial', () => {
    const csv = trialsCsv(fakeResult().trials).trim().split('\n');
    expect(csv).toHaveLength(3);
    expect(csv[0]!.split(',')).toContain('latency.p99Ns');
    expect(csv[1]).toContain('native-memif,1,64,search,1000000');
  });
});
