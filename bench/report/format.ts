// Number formatting shared by the terminal table, the CSV and the HTML report.
import type { FrameSize } from '../options.js';

export const mpps = (pps: number): string => (Number.isFinite(pps) ? (pps / 1e6).toFixed(3) : '-');

export const micros = (ns: number): string => (Number.isFinite(ns) ? (ns / 1e3).toFixed(1) : '-');

export const percent = (fraction: number): string => `${(fraction * 100).toFixed(1)}%`;

export const ratioText = (ratio: number | null): string => (ratio === null ? '-' : ratio.toFixed(3));

export const sizeLabel = (size: FrameSize): string => (size === 'imix' ? 'IMIX' : `${size} B`);

/** Average frame length of the simple IMIX (7:4:1 of 64/570/1518 B), as the generator sends it. */
export const IMIX_AVERAGE_BYTES = (7 * 64 + 4 * 570 + 1518) / 12;

/** Layer-2 throughput in Gbit/s (frame bytes incl. FCS, no preamble or gap). */
export function gbps(pps: number, size: FrameSize): number {
  return (pps * 8 * (size === 'imix' ? IMIX_AVERAGE_BYTES : size)) / 1e9;
}

/** Left-pads or right-pads cells into a plain-text table. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Frames per second of an Ethernet link at `gbps` for this frame size (preamble + gap = 20 B). */
export function lineRatePps(gbpsRate: number, size: FrameSize): number {
  return (gbpsRate * 1e9) / (8 * ((size === 'imix' ? IMIX_AVERAGE_BYTES : size) + 20));
}
