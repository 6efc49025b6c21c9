// report.html: one self-contained page for the instructor (no scripts, fonts or external CSS; the
// chart is inline SVG; a CSP forbids any load). Every string from students or checks is escaped.
import type { BatchResult } from '../types.js';
import { batchChecks, fmtNum, missed, resultFor, round2, sortedStudents, statusText } from './common.js';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

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

function histogramSvg(bins: number[], points: number): string {
  const W = 640, H = 220, pad = 30, bw = (W - 2 * pad) / BINS;
  const max = Math.max(1, ...bins);
  const bars = bins.map((n, i) => {
    const h = round2(((H - 2 * pad) * n) / max);
    const x = round2(pad + i * bw);
    const lo = fmtNum(round2((points * i) / BINS));
    return (
      `<rect x="${x + 2}" y="${round2(H - pad - h)}" width="${round2(bw - 4)}" height="${h}" fill="#3b6ea8"><title>${n} student${n === 1 ? '' : 's'}</title></rect>` +
      `<text x="${round2(x + bw / 2)}" y="${round2(H - pad - h - 4)}" text-anchor="middle">${n || ''}</text>` +
      `<text x="${x}" y="${H - pad + 14}" text-anchor="middle">${lo}</text>`
    );
  });
  return (
    `<svg id="histogram" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Score distribution" font-size="11" font-family="sans-serif">` +
    `<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#333"/>${bars.join('')}` +
    `<text x="${W - pad}" y="${H - pad + 14}" text-anchor="middle">${fmtNum(points)}</text></svg>`
  );
}

const pct = (n: number) => `${fmtNum(round2(n * 100))}%`;
function table(head: string[], rows: string[][]): string {
  if (!rows.length) return '<p class="none">None.</p>';
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function reportHtml(batch: BatchResult): string {
  const a = batch.assignment;
  const students = sortedStudents(batch);
  const graded = students.filter((s) => s.status === 'graded');
  const totals = graded.map((s) => s.total);
  const checks = batchChecks(batch);

  const rates = checks
    .map((c, i) => {
      const n = graded.filter((s) => missed(resultFor(s, c.id))).length;
      return { c, i, n, rate: graded.length ? n / graded.length : 0 };
    })
    .sort((x, y) => y.rate - x.rate || x.i - y.i);
  const rateRows = rates.map(({ c, n, rate }) => [
    esc(c.id) + (c.hidden ? ' <span class="tag">hidden</span>' : ''),
    esc(c.title),
    `${n}/${graded.length}`,
    `<span class="bar"><span style="width:${round2(rate * 100)}%"></span></span> ${pct(rate)}`,
  ]);
  const late = students.filter((s) => s.late?.late);
  const lateRows = late.map((s) => [esc(s.netid), esc(s.name), String(s.late!.minutesLate), `${fmtNum(round2(s.late!.penaltyPercent))}%`, fmtNum(round2(s.total))]);
  const broken = students.filter((s) => s.status !== 'graded');
  const brokenRows = broken.map((s) => [esc(s.netid), esc(s.name), esc(statusText(s)), esc(s.reason ?? '')]);
  const stats = totals.length
    ? `mean ${fmtNum(round2(totals.reduce((x, y) => x + y, 0) / totals.length))}, median ${fmtNum(round2(median(totals)))}, ` +
      `lowest ${fmtNum(round2(Math.min(...totals)))}, highest ${fmtNum(round2(Math.max(...totals)))}`
    : 'no student could be graded';

  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(a.id)} · ${esc(a.title)}: grading report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f2f2f2}.bar{display:inline-block;width:10em;height:.8em;background:#eee;vertical-align:middle}
.bar span{display:block;height:100%;background:#c0392b}.tag{font-size:80%;background:#555;color:#fff;padding:0 .3em;border-radius:3px}
.none{color:#666}
</style></head><body>
<h1>${esc(a.id)} · ${esc(a.title)}</h1>
<p>${students.length} students: ${graded.length} graded, ${late.length} late, ${broken.length} could not be graded. Out of ${fmtNum(a.points)} points${a.due ? `, due ${esc(a.dueText ?? a.due)}` : ''}.</p>
<h2>Score distribution</h2>
<p>${stats}.</p>
${histogramSvg(histogram(totals, a.points), a.points)}
<h2>Checks, most failed first</h2>
<p>Share of graded students whose check failed or could not run.</p>
${table(['Check', 'Title', 'Failed', 'Rate'], rateRows)}
<h2>Late submissions (${late.length})</h2>
${table(['NetID', 'Name', 'Minutes late', 'Penalty', 'Total'], lateRows)}
<h2>Could not be graded (${broken.length})</h2>
${table(['NetID', 'Name', 'Status', 'Why'], brokenRows)}
</body></html>
`;
}
