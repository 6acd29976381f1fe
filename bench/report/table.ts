// The terminal view of a run: one progress row per finished search while it runs, then the summary
// (medians over rounds) and the headline ratios.
import type { FigureRecord, PathStatus, RatioRow, SummaryRow } from '../results.js';
import { micros, mpps, percent, ratioText, sizeLabel, textTable } from './format.js';

export const PROGRESS_HEADER = [
  'step',
  'round',
  'path',
  'size',
  'MRR Mpps',
  'NDR Mpps',
  'PDR Mpps',
  'p50/p99 µs @50%',
  'trials',
  'time',
];

export function progressHeader(): string {
  return textTable(PROGRESS_HEADER, []).split('\n').slice(0, 2).join('\n');
}

/** One row, padded to the header widths used by progressHeader (wider cells just push right). */
export function progressRow(step: string, figure: FigureRecord, elapsedS: number): string {
  const half =
    figure.latency.find((l) => l.load === 0.5) ?? figure.latency[Math.floor(figure.latency.length / 2)];
  const cells = [
    step,
    String(figure.round),
    figure.path,
    sizeLabel(figure.frameSize),
    mpps(figure.mrrPps),
    figure.ndrBelowMinimum ? '<min' : mpps(figure.ndrPps),
    figure.pdrBelowMinimum ? '<min' : mpps(figure.pdrPps),
    half ? `${micros(half.p50Ns)}/${micros(half.p99Ns)}` : '-',
    String(figure.searchTrials),
    `${elapsedS.toFixed(1)}s`,
  ];
  return cells
    .map((c, i) => (i === 0 ? c.padEnd(PROGRESS_HEADER[i]!.length) : c.padStart(PROGRESS_HEADER[i]!.length)))
    .join('  ');
}

export function summaryTable(summary: SummaryRow[]): string {
  const rows = summary.map((row) => [
    row.path,
    sizeLabel(row.frameSize),
    mpps(row.ndr.median),
    `±${percent(row.ndr.relSpread / 2)}`,
    mpps(row.pdr.median),
    `±${percent(row.pdr.relSpread / 2)}`,
    mpps(row.mrr.median),
    String(row.ndr.n),
  ]);
  return textTable(['path', 'size', 'NDR Mpps', 'spread', 'PDR Mpps', 'spread', 'MRR Mpps', 'rounds'], rows);
}

export function ratioTable(ratios: RatioRow[]): string {
  const rows = ratios.map((r) => [
    r.label,
    sizeLabel(r.frameSize),
    ratioText(r.ndr),
    ratioText(r.pdr),
    ratioText(r.mrr),
  ]);
  return textTable(['ratio', 'size', 'NDR', 'PDR', 'MRR'], rows);
}

export function pathStatusLines(paths: PathStatus[]): string {
  return paths
    .map((p) => {
      const note = p.status === 'measured' ? '' : ` — ${p.reason ?? ''}`;
      const failures = p.failures.length
        ? ` (${p.failures.length} round(s) failed: ${p.failures[0]!.message.split('\n')[0]})`
        : '';
      return `  ${p.name.padEnd(20)} ${p.status}${note}${failures}`;
    })
    .join('\n');
}
