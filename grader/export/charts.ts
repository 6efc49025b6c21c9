// Inline SVG bar charts for report.html: no script, no external load, the same bytes for the same
// numbers. Every label is escaped by the caller's `esc`.
import { fmtNum, round2 } from './common.js';

const BINS = 10;

/** Counts of graded totals in ten equal bins of the assignment's points (extra credit in the last). */
export function histogram(totals: number[], points: number): number[] {
  const bins = new Array<number>(BINS).fill(0);
  for (const t of totals) {
    const i = points > 0 ? Math.floor((t / points) * BINS) : BINS - 1;
    bins[Math.min(BINS - 1, Math.max(0, i))]++;
  }
  return bins;
}

/**
 * A bar chart: one bar per count, its label under it, the count above it. `id` names the chart
 * (tests and the page's links find it by that).
 */
export function barChart(
  id: string,
  label: string,
  counts: number[],
  labels: string[],
  opts: { color?: string; lastLabel?: string } = {},
): string {
  const W = 640,
    H = 220,
    pad = 30;
  const bw = (W - 2 * pad) / counts.length;
  const max = Math.max(1, ...counts);
  const centred = !opts.lastLabel; // labels under the bars' middles, or at their left edges (a scale)
  const bars = counts.map((n, i) => {
    const h = round2(((H - 2 * pad) * n) / max);
    const x = round2(pad + i * bw);
    return (
      `<rect x="${round2(x + 2)}" y="${round2(H - pad - h)}" width="${round2(bw - 4)}" height="${h}" fill="${opts.color ?? '#3b6ea8'}"><title>${labels[i]}: ${n} student${n === 1 ? '' : 's'}</title></rect>` +
      `<text x="${round2(x + bw / 2)}" y="${round2(H - pad - h - 4)}" text-anchor="middle">${n || ''}</text>` +
      `<text x="${centred ? round2(x + bw / 2) : x}" y="${H - pad + 14}" text-anchor="middle">${labels[i]}</text>`
    );
  });
  return (
    `<svg id="${id}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${label}" font-size="11" font-family="sans-serif">` +
    `<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#333"/>${bars.join('')}` +
    (opts.lastLabel ? `<text x="${W - pad}" y="${H - pad + 14}" text-anchor="middle">${opts.lastLabel}</text>` : '') +
    `</svg>`
  );
}

/** The score distribution: ten bins from 0 to the assignment's points. */
export function histogramSvg(bins: number[], points: number): string {
  const labels = bins.map((_, i) => fmtNum(round2((points * i) / BINS)));
  return barChart('histogram', 'Score distribution', bins, labels, { lastLabel: fmtNum(points) });
}

/** Days late, as the late policy counts them (every started day): bins 1 … 6, then 7 or more. */
export function lateDays(minutes: number[]): number[] {
  const bins = new Array<number>(7).fill(0);
  for (const m of minutes) bins[Math.min(6, Math.max(1, Math.ceil(m / 1440)) - 1)]++;
  return bins;
}

export function lateSvg(bins: number[]): string {
  const labels = bins.map((_, i) => (i === bins.length - 1 ? `${i + 1}+ days` : `${i + 1} day${i ? 's' : ''}`));
  return barChart('lateness', 'Days late', bins, labels, { color: '#c77d1a' });
}
