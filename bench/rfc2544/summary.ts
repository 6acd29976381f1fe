// Interleaved medians: each figure's median and spread over rounds per path and frame size, and the
// ratios between dataplanes that the report headlines (pktbridge / testpmd, / OVS-DPDK, / kernel).
import type { FrameSize, PathName } from '../options.js';
import type { FigureRecord, RatioRow, Spread, SummaryRow } from '../results.js';

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function spread(values: number[]): Spread {
  const med = median(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { median: med, min, max, relSpread: med > 0 ? (max - min) / med : 0, n: values.length };
}

export function summarize(figures: FigureRecord[]): SummaryRow[] {
  const groups = new Map<string, FigureRecord[]>();
  for (const figure of figures) {
    const key = `${figure.path}\u0000${figure.frameSize}`;
    groups.set(key, [...(groups.get(key) ?? []), figure]);
  }
  return [...groups.values()].map((group) => {
    const loads = [...new Set(group.flatMap((f) => f.latency.map((l) => l.load)))].sort((a, b) => a - b);
    return {
      path: group[0]!.path,
      frameSize: group[0]!.frameSize,
      ndr: spread(group.map((f) => f.ndrPps)),
      pdr: spread(group.map((f) => f.pdrPps)),
      mrr: spread(group.map((f) => f.mrrPps)),
      latency: loads.map((load) => {
        const at = group.flatMap((f) => f.latency.filter((l) => l.load === load));
        return {
          load,
          p50Ns: median(at.map((l) => l.p50Ns)),
          p90Ns: median(at.map((l) => l.p90Ns)),
          p99Ns: median(at.map((l) => l.p99Ns)),
        };
      }),
    };
  });
}

/** The comparisons the report headlines: numerator path / denominator path. */
export const RATIO_PAIRS: { label: string; numerator: PathName; denominator: PathName }[] = [
  { label: 'pktbridge / testpmd (memif)', numerator: 'native-memif', denominator: 'testpmd-memif' },
  { label: 'pktbridge / testpmd (vhost-user)', numerator: 'native-vhost', denominator: 'testpmd-vhost' },
  {
    label: 'pktbridge bridge / testpmd (memif)',
    numerator: 'native-bridge-memif',
    denominator: 'testpmd-memif',
  },
  { label: 'pktbridge / OVS-DPDK (vhost-user)', numerator: 'native-vhost', denominator: 'ovs-vhost' },
  { label: 'pktbridge / VPP (memif)', numerator: 'native-memif', denominator: 'vpp-memif' },
  { label: 'pktbridge memif / kernel veth', numerator: 'native-memif', denominator: 'kernel-veth' },
  { label: 'pktbridge vhost-user / kernel veth', numerator: 'native-vhost', denominator: 'kernel-veth' },
];

/** The testpmd path a path is compared against in the "ratio to the limit" chart. */
export function limitPathFor(portType: string): PathName {
  return portType === 'vhost-user' ? 'testpmd-vhost' : 'testpmd-memif';
}

export function ratioOf(a: number | undefined, b: number | undefined): number | null {
  return a !== undefined && b !== undefined && b > 0 ? a / b : null;
}

export function ratios(summary: SummaryRow[]): RatioRow[] {
  const find = (path: PathName, size: FrameSize): SummaryRow | undefined =>
    summary.find((row) => row.path === path && row.frameSize === size);
  const rows: RatioRow[] = [];
  for (const pair of RATIO_PAIRS) {
    for (const top of summary.filter((row) => row.path === pair.numerator)) {
      const bottom = find(pair.denominator, top.frameSize);
      if (!bottom) continue;
      rows.push({
        ...pair,
        frameSize: top.frameSize,
        ndr: ratioOf(top.ndr.median, bottom.ndr.median),
        pdr: ratioOf(top.pdr.median, bottom.pdr.median),
        mrr: ratioOf(top.mrr.median, bottom.mrr.median),
      });
    }
  }
  return rows;
}
