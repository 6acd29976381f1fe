// The self-contained HTML report: inline CSS and SVG charts (throughput vs frame size per path,
// ratio to the testpmd limit, latency percentiles), the tables behind them, and a tiny inline script
// that marks each chart with how many of its points actually rendered (checked by the browser test).
import type { FrameSize, PathName } from '../options.js';
import type { BenchResult, SummaryRow } from '../results.js';
import { limitPathFor, ratioOf } from '../rfc2544/summary.js';
import { micros, mpps, percent, ratioText, sizeLabel } from './format.js';
import { barChart, escapeXml, lineChart, type LineSeries } from './svg.js';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}th{background:#f4f4f4}.charts{display:flex;flex-wrap:wrap;gap:12px}
figure{margin:0}figcaption{font-weight:600;font-size:13px;margin:4px 0}svg.chart{background:#fff;border:1px solid #e3e3e3;font-size:11px}svg .grid{stroke:#eee}svg .axis{stroke:#888}
svg .whisker{stroke-width:1.5}svg .reference{stroke:#999;stroke-dasharray:4 3}svg .reference-label{fill:#777}
.skipped{color:#8a6d3b}.failed{color:#a94442}.good{color:#2e7d32}.bad{color:#c62828}code{background:#f4f4f4;padding:0 3px}`;

// Runs in the browser: proves the charts rendered (non-empty boxes), not just that the markup exists.
const RENDER_CHECK = `
for (const svg of document.querySelectorAll('svg.chart')) {
  let rendered = 0;
  for (const el of svg.querySelectorAll('.point, .bar')) { const b = el.getBBox(); if (b.width > 0 && b.height > 0) rendered++; }
  svg.setAttribute('data-rendered-points', String(rendered));
}
document.body.setAttribute('data-report-ready', 'true');`;

const table = (header: string[], rows: string[][], className = ''): string =>
  `<table class="${className}"><thead><tr>${header.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>` +
  rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('') +
  '</tbody></table>';

function orderedSizes(summary: SummaryRow[]): FrameSize[] {
  const sizes = [...new Set(summary.map((r) => r.frameSize))];
  return sizes.sort((a, b) => (a === 'imix' ? 1 : b === 'imix' ? -1 : a - b));
}

export function renderHtml(result: BenchResult): string {
  const measured = result.paths.filter(
    (p) => p.status === 'measured' || result.summary.some((r) => r.path === p.name),
  );
  const sizes = orderedSizes(result.summary);
  const xLabels = sizes.map(sizeLabel);
  const row = (path: PathName, size: FrameSize): SummaryRow | undefined =>
    result.summary.find((r) => r.path === path && r.frameSize === size);
  const label = (path: PathName): string => result.paths.find((p) => p.name === path)?.label ?? path;

  const throughputSeries = (figure: 'ndr' | 'pdr' | 'mrr'): LineSeries[] =>
    measured.map((p) => ({
      name: p.label,
      points: sizes.map((size) => {
        const r = row(p.name, size);
        return r
          ? { value: r[figure].median / 1e6, min: r[figure].min / 1e6, max: r[figure].max / 1e6 }
          : null;
      }),
    }));
  const ratioSeries: LineSeries[] = measured
    .filter((p) => p.dataplane !== 'testpmd')
    .map((p) => ({
      name: `${p.name} / ${limitPathFor(p.portType)}`,
      points: sizes.map((size) => {
        const ratio = ratioOf(row(p.name, size)?.ndr.median, row(limitPathFor(p.portType), size)?.ndr.median);
        return ratio === null ? null : { value: ratio };
      }),
    }))
    .filter((s) => s.points.some((p) => p !== null));

  const latencySize = sizes[0];
  const loads = [...new Set(result.summary.flatMap((r) => r.latency.map((l) => l.load)))].sort(
    (a, b) => a - b,
  );
  const latencyCharts =
    latencySize === undefined
      ? []
      : loads.map((load) => {
          const at = (path: PathName, key: 'p50Ns' | 'p90Ns' | 'p99Ns'): number | null => {
            const l = row(path, latencySize)?.latency.find((x) => x.load === load);
            return l ? l[key] / 1e3 : null;
          };
          return barChart({
            id: `latency-${Math.round(load * 100)}`,
            title: `Latency at ${percent(load)} of PDR, ${sizeLabel(latencySize)} frames`,
            yLabel: 'µs (log scale)',
            log: true,
            xLabels: measured.map((p) => p.name),
            series: (['p50Ns', 'p90Ns', 'p99Ns'] as const).map((key) => ({
              name: key.slice(0, 3),
              values: measured.map((p) => at(p.name, key)),
            })),
          });
        });

  const o = result.meta.options;
  const charts = [
    lineChart({
      id: 'throughput-ndr',
      title: 'NDR (zero loss) vs frame size — median, min..max over rounds',
      yLabel: 'Mpps',
      xLabels,
      series: throughputSeries('ndr'),
    }),
    lineChart({
      id: 'throughput-pdr',
      title: `PDR (≤ ${percent(Number(o.pdrLossRatio ?? 0.005))} loss) vs frame size`,
      yLabel: 'Mpps',
      xLabels,
      series: throughputSeries('pdr'),
    }),
    lineChart({
      id: 'throughput-mrr',
      title: 'MRR (full offered load) vs frame size',
      yLabel: 'Mpps',
      xLabels,
      series: throughputSeries('mrr'),
    }),
    lineChart({
      id: 'ratio-to-limit',
      title: 'NDR ratio to dpdk-testpmd io (the limit) of the same port type',
      yLabel: 'ratio',
      xLabels,
      series: ratioSeries,
      references: [
        { value: 1, label: 'testpmd' },
        { value: 0.97, label: 'target 0.97' },
      ],
    }),
  ];

  const summaryRows = result.summary.map((r) => [
    escapeXml(label(r.path)),
    sizeLabel(r.frameSize),
    `${mpps(r.ndr.median)} <small>(${mpps(r.ndr.min)}–${mpps(r.ndr.max)})</small>`,
    `${mpps(r.pdr.median)} <small>(${mpps(r.pdr.min)}–${mpps(r.pdr.max)})</small>`,
    mpps(r.mrr.median),
    ...loads.map((load) => {
      const l = r.latency.find((x) => x.load === load);
      return l ? `${micros(l.p50Ns)} / ${micros(l.p90Ns)} / ${micros(l.p99Ns)}` : '-';
    }),
    String(r.ndr.n),
  ]);
  const ratioRows = result.ratios.map((r) => {
    const cls = r.ndr === null ? '' : r.ndr >= 0.97 ? 'good' : 'bad';
    return [
      escapeXml(r.label),
      sizeLabel(r.frameSize),
      `<span class="${cls}">${ratioText(r.ndr)}</span>`,
      ratioText(r.pdr),
      ratioText(r.mrr),
    ];
  });
  const disturbance = (path: PathName): string => {
    const own = result.trials.filter((t) => t.path === path);
    if (!own.length) return '-';
    const disturbed = own.filter((t) => t.disturbed).length;
    const meanForeign = own.reduce((sum, t) => sum + t.foreignCpu, 0) / own.length;
    return `${disturbed}/${own.length} (mean ${meanForeign.toFixed(2)} CPU)`;
  };
  const disturbedShare = result.trials.length
    ? result.trials.filter((t) => t.disturbed).length / result.trials.length
    : 0;
  const pathRows = result.paths.map((p) => [
    escapeXml(p.name),
    escapeXml(p.label),
    `<span class="${p.status}">${p.status}</span>`,
    disturbance(p.name),
    escapeXml(
      [p.reason, ...p.failures.map((f) => `round ${f.round}: ${f.message.split('\n')[0]}`)]
        .filter(Boolean)
        .join('; '),
    ),
  ]);
  const figureRows = result.figures.map((f) => [
    escapeXml(f.path),
    sizeLabel(f.frameSize),
    String(f.round),
    mpps(f.ndrPps),
    mpps(f.pdrPps),
    mpps(f.mrrPps),
    String(f.searchTrials),
  ]);

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pktbridge RFC 2544 report</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head>
<body>
<h1>pktbridge — RFC 2544 throughput report</h1>
<p class="meta">${escapeXml(result.meta.startedAt)} → ${escapeXml(result.meta.finishedAt)} · host <code>${escapeXml(result.meta.host)}</code> ·
${result.meta.cpus} CPUs (${escapeXml(result.meta.cpuModel)}) · kernel ${escapeXml(result.meta.kernel)} · DPDK ${escapeXml(result.meta.dpdkVersion)}<br>
final trial ${escapeXml(String(o.durationS))} s · ${escapeXml(String(o.rounds))} round(s), paths alternated · NDR/PDR precision ${percent(Number(o.precision))} ·
generator on CPU ${escapeXml(String(o.generatorCpu))}, DUT on CPU ${escapeXml(String(o.dutCpu))}</p>
${disturbedShare > 0.2 ? `<p class="bad">${percent(disturbedShare)} of the trials ran while other processes used more than ${escapeXml(String(o.maxForeignCpu))} CPU of this machine: figures are pessimistic and noisy.</p>` : ''}
<h2>Headline ratios (medians over rounds)</h2>
${result.ratios.length ? table(['comparison', 'size', 'NDR', 'PDR', 'MRR'], ratioRows) : '<p>No pair of compared paths was measured in this run.</p>'}
<h2>Throughput</h2><div class="charts">${charts.join('\n')}</div>
<h2>Latency (p50 / p90 / p99)</h2><div class="charts">${latencyCharts.join('\n')}</div>
<h2>Summary</h2>
${table(['path', 'size', 'NDR Mpps (min–max)', 'PDR Mpps (min–max)', 'MRR Mpps', ...loads.map((l) => `latency µs @${percent(l)} PDR (p50/p90/p99)`), 'rounds'], summaryRows)}
<h2>Paths</h2>${table(['path', 'what', 'status', 'trials disturbed by other processes', 'note'], pathRows)}
<h2>Every search</h2>${table(['path', 'size', 'round', 'NDR Mpps', 'PDR Mpps', 'MRR Mpps', 'search trials'], figureRows)}
<p class="meta">${result.trials.length} trials; every trial is in <code>trials.csv</code> and <code>results.json</code> next to this file.</p>
<script>${RENDER_CHECK}</script>
</body></html>
`;
}
