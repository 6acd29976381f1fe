// Inline SVG charts for the HTML report, generated as strings (no charting library, nothing to load):
// a category line chart with min/max whiskers and a grouped bar chart. Every data point carries
// class "point" or "bar" and data-* attributes, so tests can find and count them.

export const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
];

const WIDTH = 540;
const HEIGHT = 300;
const MARGIN = { top: 16, right: 200, bottom: 52, left: 56 };
const plotW = WIDTH - MARGIN.left - MARGIN.right;
const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;

/** Round tick step (1, 2 or 5 × 10^k) giving about `count` ticks up to `max`. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? rough;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function linearY(yTicks: number[]): (v: number) => number {
  const yMax = yTicks[yTicks.length - 1]!;
  return (v) => MARGIN.top + plotH - (v / yMax) * plotH;
}

/** Decades covering [min, max] for a log axis. */
export function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(Math.max(min, 1e-9)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(max, 1e-9))));
  return Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
}

function logY(yTicks: number[]): (v: number) => number {
  const lo = Math.log10(yTicks[0]!);
  const hi = Math.log10(yTicks[yTicks.length - 1]!);
  return (v) => MARGIN.top + plotH - ((Math.log10(Math.max(v, yTicks[0]!)) - lo) / (hi - lo)) * plotH;
}

function frame(
  id: string,
  title: string,
  yLabel: string,
  xLabels: string[],
  yTicks: number[],
  y: (v: number) => number,
  body: string,
): string {
  const grid = yTicks
    .map(
      (t) =>
        `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(t)}" y2="${y(t)}" class="grid"/>` +
        `<text x="${MARGIN.left - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>`,
    )
    .join('');
  const step = plotW / xLabels.length;
  // Many or long category names are tilted so neighbours do not overlap.
  const tilt = xLabels.length > 4 || xLabels.some((l) => l.length * 6 > step);
  const xs = xLabels
    .map((label, i) => {
      const x = MARGIN.left + step * (i + 0.5);
      const yText = MARGIN.top + plotH + 16;
      return tilt
        ? `<text x="${x}" y="${yText}" text-anchor="end" transform="rotate(-25 ${x} ${yText})">${escapeXml(label)}</text>`
        : `<text x="${x}" y="${yText}" text-anchor="middle">${escapeXml(label)}</text>`;
    })
    .join('');
  return (
    `<figure><figcaption>${escapeXml(title)}</figcaption>` +
    `<svg class="chart" data-chart="${escapeXml(id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeXml(title)}">` +
    `<title>${escapeXml(title)}</title>${grid}${xs}` +
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" class="axis"/>` +
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" class="axis"/>` +
    `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>` +
    `${body}</svg></figure>`
  );
}

function legend(names: string[]): string {
  return names
    .map((name, i) => {
      const y = MARGIN.top + 8 + i * 18;
      const x = MARGIN.left + plotW + 16;
      return `<rect x="${x}" y="${y - 8}" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/><text x="${x + 16}" y="${y + 2}" font-size="10">${escapeXml(name)}</text>`;
    })
    .join('');
}

export interface LinePoint {
  value: number;
  min?: number;
  max?: number;
}

export interface LineSeries {
  name: string;
  /** One entry per x label; null leaves a gap. */
  points: (LinePoint | null)[];
}

/** Lines over categorical x, one per series, dots with min..max whiskers; optional reference lines. */
export function lineChart(options: {
  id: string;
  title: string;
  yLabel: string;
  xLabels: string[];
  series: LineSeries[];
  references?: { value: number; label: string }[];
}): string {
  const values = options.series.flatMap((s) =>
    s.points.flatMap((p) => (p ? [p.value, p.max ?? p.value] : [])),
  );
  const refs = options.references ?? [];
  const yTicks = niceTicks(Math.max(...values, ...refs.map((r) => r.value), 0) * 1.05);
  const y = linearY(yTicks);
  const step = plotW / options.xLabels.length;
  const x = (i: number): number => MARGIN.left + step * (i + 0.5);
  let body = refs
    .map(
      (r) =>
        `<line class="reference" x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(r.value)}" y2="${y(r.value)}"/>` +
        `<text class="reference-label" x="${MARGIN.left + plotW - 4}" y="${y(r.value) - 4}" text-anchor="end">${escapeXml(r.label)}</text>`,
    )
    .join('');
  options.series.forEach((series, si) => {
    const color = PALETTE[si % PALETTE.length];
    const coords = series.points.map((p, i) => (p ? `${x(i)},${y(p.value)}` : null));
    const segments: string[][] = [[]];
    for (const c of coords) {
      if (c) segments[segments.length - 1]!.push(c);
      else segments.push([]);
    }
    body += segments
      .filter((s) => s.length > 1)
      .map(
        (s) =>
          `<polyline class="line" fill="none" stroke="${color}" stroke-width="2" points="${s.join(' ')}"/>`,
      )
      .join('');
    series.points.forEach((p, i) => {
      if (!p) return;
      if (p.min !== undefined && p.max !== undefined && p.max > p.min)
        body += `<line class="whisker" stroke="${color}" x1="${x(i)}" x2="${x(i)}" y1="${y(p.min)}" y2="${y(p.max)}"/>`;
      body +=
        `<circle class="point" data-series="${escapeXml(series.name)}" data-x="${escapeXml(options.xLabels[i]!)}" data-value="${p.value}" ` +
        `cx="${x(i)}" cy="${y(p.value)}" r="4" fill="${color}"><title>${escapeXml(`${series.name} @ ${options.xLabels[i]}: ${p.value.toFixed(3)}`)}</title></circle>`;
    });
  });
  body += legend(options.series.map((s) => s.name));
  return frame(options.id, options.title, options.yLabel, options.xLabels, yTicks, y, body);
}

/** Grouped bars: one group per x label, one bar per series (e.g. p50/p90/p99 per path). */
export function barChart(options: {
  id: string;
  title: string;
  yLabel: string;
  xLabels: string[];
  series: { name: string; values: (number | null)[] }[];
  /** Log10 y axis, for values spanning decades (latency percentiles). */
  log?: boolean;
}): string {
  const values = options.series.flatMap((s) => s.values.filter((v): v is number => v !== null && v > 0));
  const yTicks = options.log
    ? logTicks(Math.min(...values, 1), Math.max(...values, 10))
    : niceTicks(Math.max(...values, 0) * 1.05);
  const y = options.log ? logY(yTicks) : linearY(yTicks);
  const base = MARGIN.top + plotH;
  const step = plotW / options.xLabels.length;
  const barW = (step * 0.8) / Math.max(1, options.series.length);
  let body = '';
  options.series.forEach((series, si) => {
    series.values.forEach((v, i) => {
      if (v === null) return;
      const x = MARGIN.left + step * i + step * 0.1 + barW * si;
      body +=
        `<rect class="bar" data-series="${escapeXml(series.name)}" data-x="${escapeXml(options.xLabels[i]!)}" data-value="${v}" ` +
        `x="${x}" y="${Math.min(y(v), base - 0.5)}" width="${barW}" height="${Math.max(0.5, base - y(v))}" fill="${PALETTE[si % PALETTE.length]}">` +
        `<title>${escapeXml(`${options.xLabels[i]} ${series.name}: ${v.toFixed(2)}`)}</title></rect>`;
    });
  });
  body += legend(options.series.map((s) => s.name));
  return frame(options.id, options.title, options.yLabel, options.xLabels, yTicks, y, body);
}
