// report.html: one self-contained page for the instructor. What needs acting on comes first (a
// leaked key, students with no grade yet), then the class at a glance (scores, checks most failed
// first with their reason codes, lateness in days), then a row per student, by section when the
// roster has sections. No fonts, images or external CSS; the charts are inline SVG; the one inline
// script (sorting the tables by a column) is allowed by its hash in the page's CSP, and the page
// reads fine without it. Every string from students or checks is escaped.
import { createHash } from 'node:crypto';
import type { CheckResult } from '../../lib/types.js';
import type { BatchResult, StudentResult } from '../types.js';
import { histogram, histogramSvg, lateDays, lateSvg } from './charts.js';
import { batchChecks, fmtNum, lateText, missed, resultFor, round2, sortedStudents, statusText, type ExportCheck } from './common.js';

export { histogram };

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

// Sorts a table.sortable by the column whose header button was pressed: by each cell's data-v
// (numbers) when it has one, else by its text; pressing again reverses. It marks the body when it
// has run, so the headers look clickable only where they are (and a browser test can tell the CSP
// let it run).
const SORT_SCRIPT = `for(const b of document.querySelectorAll('table.sortable th button'))b.addEventListener('click',()=>{const th=b.parentNode,row=th.parentNode,i=[...row.children].indexOf(th),body=th.closest('table').tBodies[0],dir=th.getAttribute('aria-sort')==='ascending'?-1:1;for(const c of row.children)c.removeAttribute('aria-sort');th.setAttribute('aria-sort',dir>0?'ascending':'descending');const key=r=>{const c=r.children[i];return c.dataset.v!==undefined?Number(c.dataset.v):c.textContent.toLowerCase()};const rows=[...body.rows].map((r,n)=>[key(r),n,r]);rows.sort((x,y)=>(x[0]<y[0]?-1:x[0]>y[0]?1:x[1]-y[1])*dir);for(const r of rows)body.appendChild(r[2])});document.body.dataset.sortable='ready';`;
export const SCRIPT_HASH = `sha256-${createHash('sha256').update(SORT_SCRIPT).digest('base64')}`;

const pct = (n: number) => `${fmtNum(round2(n * 100))}%`;

interface Cell {
  html: string;
  /** A number to sort by (data-v); cells without one sort by their text. */
  v?: number;
  /** Prose that may wrap (other cells keep to one line). */
  wrap?: boolean;
}
type Row = (string | Cell)[];

function table(head: string[], rows: Row[], opts: { sortable?: boolean; id?: string } = {}): string {
  if (!rows.length) return '<p class="none">None.</p>';
  const th = head.map((h) => `<th scope="col">${opts.sortable ? `<button type="button">${esc(h)}</button>` : esc(h)}</th>`).join('');
  const td = (c: string | Cell) =>
    typeof c === 'string'
      ? `<td>${c}</td>`
      : `<td${c.v !== undefined ? ` data-v="${round2(c.v)}"` : ''}${c.wrap ? ' class="wrap"' : ''}>${c.html}</td>`;
  const attrs = `${opts.id ? ` id="${opts.id}"` : ''}${opts.sortable ? ' class="sortable"' : ''}`;
  return `<table${attrs}><thead><tr>${th}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(td).join('')}</tr>`).join('')}</tbody></table>`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function stats(totals: number[]): string {
  if (!totals.length) return 'no student could be graded';
  return (
    `mean ${fmtNum(round2(totals.reduce((x, y) => x + y, 0) / totals.length))}, median ${fmtNum(round2(median(totals)))}, ` +
    `lowest ${fmtNum(round2(Math.min(...totals)))}, highest ${fmtNum(round2(Math.max(...totals)))}`
  );
}

/** Reason codes of a check's failures, most frequent first: "37 × file.lines/blank-lines". */
function reasons(results: CheckResult[]): string {
  const n = new Map<string, number>();
  for (const r of results) {
    if (r.status !== 'fail' && r.status !== 'error') continue;
    const key = r.code ?? (r.status === 'error' ? `${r.kind}/could-not-run` : `${r.kind}/failed`);
    n.set(key, (n.get(key) ?? 0) + 1);
  }
  return [...n]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([c, k]) => `${k} × <code>${esc(c)}</code>`)
    .join('<br>');
}

function checkRates(checks: ExportCheck[], graded: StudentResult[]) {
  const rates = checks.map((c, i) => {
    const rs = graded.map((s) => resultFor(s, c.id)).filter((r): r is CheckResult => !!r);
    const skipped = rs.filter((r) => r.status === 'skip').length;
    const judged = graded.length - skipped;
    const n = graded.filter((s) => missed(resultFor(s, c.id))).length;
    return { c, i, n, skipped, judged, rate: judged ? n / judged : -1, rs };
  });
  return rates.sort((x, y) => y.rate - x.rate || x.i - y.i);
}

/** The checks table, and a line for the checks no graded student had judged (the student's own computer or account). */
function checksPart(checks: ExportCheck[], graded: StudentResult[]): string {
  const rates = checkRates(checks, graded);
  const judged = graded.length ? rates.filter((r) => r.judged > 0) : rates;
  const never = graded.length ? rates.filter((r) => r.judged === 0) : [];
  const rows: Row[] = judged.map(({ c, n, skipped, judged: j, rate, rs }) => [
    esc(c.id) + (c.hidden ? ' <span class="tag">hidden</span>' : ''),
    { html: esc(c.title), wrap: true },
    { html: `${n}/${j}`, v: n },
    rate < 0
      ? { html: '<span class="none">not judged</span>', v: -1 }
      : { html: `<span class="bar"><span style="width:${round2(rate * 100)}%"></span></span> ${pct(rate)}`, v: rate },
    { html: skipped ? `skipped for ${skipped}` : '', v: skipped },
    c.hidden ? '' : reasons(rs),
  ]);
  const tail = never.length
    ? `<p class="none">Skipped for every graded student (${never.length}): ${never.map(({ c }) => `<code>${esc(c.id)}</code>`).join(', ')}. The grader does not judge these (a student's own computer or AWS account, or a file nobody handed in); the students' own <code>npm run check</code> does.</p>`
    : '';
  return table(['Check', 'Title', 'Failed', 'Rate', 'Skipped', 'Reasons'], rows, { sortable: true, id: 'checks-table' }) + tail;
}

/** Incomplete students first (they need a re-run), then the others not graded, then by NetID. */
const ORDER: Record<string, number> = {
  incomplete: 0,
  error: 1,
  'timed out': 1,
  'clone failed': 1,
  'missing fork': 2,
  'no upload': 2,
  graded: 3,
};
const byAttention = (a: StudentResult, b: StudentResult) =>
  (ORDER[a.status] ?? 1) - (ORDER[b.status] ?? 1) || (a.netid < b.netid ? -1 : a.netid > b.netid ? 1 : 0);

/** A student's row; the section is the table's (one table per section when there are sections). */
function studentRow(s: StudentResult, checks: ExportCheck[]): Row {
  const failedIds = checks.filter((c) => missed(resultFor(s, c.id))).map((c) => (c.hidden ? `hidden ${c.hiddenNo}` : c.id));
  const days = s.late?.late ? s.late.minutesLate / 1440 : 0;
  return [
    esc(s.netid) + (s.leak ? ' <span class="tag leak">key leaked</span>' : ''),
    esc(s.name),
    `<span class="st st-${s.status.replace(/\s/g, '-')}">${esc(statusText(s))}</span>`,
    s.status === 'graded' ? { html: fmtNum(round2(s.total)), v: s.total } : { html: '', v: -1 },
    s.late?.late
      ? { html: `${esc(lateText(s.late))} <span class="none">(−${fmtNum(round2(s.late.penaltyPercent))}%)</span>`, v: days }
      : { html: '', v: 0 },
    { html: s.status === 'graded' ? esc(failedIds.join(', ')) : esc(s.reason ?? ''), wrap: true },
    s.commit && s.choice !== 'zip' ? `<code>${esc(s.commit.slice(0, 10))}</code>` : s.choice === 'zip' ? 'zip' : '',
  ];
}

const STUDENT_HEAD = ['NetID', 'Name', 'Status', 'Total', 'Late', 'Failed checks / why', 'Commit'];

function sectionsPart(students: StudentResult[], checks: ExportCheck[]): string {
  const names = [...new Set(students.map((s) => s.section ?? ''))].sort();
  if (names.length < 2 && !names[0])
    return `<h2 id="students">Students (${students.length})</h2>\n${table(
      STUDENT_HEAD,
      [...students].sort(byAttention).map((s) => studentRow(s, checks)),
      { sortable: true, id: 'students-table' },
    )}`;
  const rows: Row[] = names.map((n) => {
    const ss = students.filter((s) => (s.section ?? '') === n);
    const g = ss.filter((s) => s.status === 'graded');
    const t = g.map((s) => s.total);
    return [
      `<a href="#section-${esc(slug(n))}">${esc(n || '(no section)')}</a>`,
      { html: String(ss.length), v: ss.length },
      { html: String(g.length), v: g.length },
      { html: String(ss.filter((s) => s.status === 'incomplete').length), v: ss.filter((s) => s.status === 'incomplete').length },
      t.length
        ? { html: fmtNum(round2(t.reduce((x, y) => x + y, 0) / t.length)), v: t.reduce((x, y) => x + y, 0) / t.length }
        : { html: '', v: -1 },
      t.length ? { html: fmtNum(round2(median(t))), v: median(t) } : { html: '', v: -1 },
      { html: String(ss.filter((s) => s.late?.late).length), v: ss.filter((s) => s.late?.late).length },
      { html: String(ss.filter((s) => s.leak).length), v: ss.filter((s) => s.leak).length },
    ];
  });
  const parts = [
    `<h2 id="sections">Sections (${names.length})</h2>`,
    table(['Section', 'Students', 'Graded', 'Incomplete', 'Mean', 'Median', 'Late', 'Leaked keys'], rows, {
      sortable: true,
      id: 'sections-table',
    }),
  ];
  parts.push(`<h2 id="students">Students (${students.length}), by section</h2>`);
  for (const n of names) {
    const ss = students.filter((s) => (s.section ?? '') === n).sort(byAttention);
    parts.push(
      `<h3 id="section-${esc(slug(n))}">${esc(n || '(no section)')} (${ss.length})</h3>`,
      table(
        STUDENT_HEAD,
        ss.map((s) => studentRow(s, checks)),
        { sortable: true },
      ),
    );
  }
  return parts.join('\n');
}

const slug = (s: string) => (s || 'none').replace(/[^A-Za-z0-9_-]/g, '-');

function callouts(students: StudentResult[]): string {
  const out: string[] = [];
  const leaks = students.filter((s) => s.leak);
  if (leaks.length) {
    out.push(
      `<div class="callout danger" id="leaks"><strong>${leaks.length} student${leaks.length === 1 ? ' has' : 's have'} a secret key in their work or its pushed history.</strong> Tell them to deactivate the key now (the feedback says so); removing the commit does not make it safe.<ul>` +
        leaks.map((s) => `<li>${esc(s.netid)} (${esc(s.name)}): <code>${esc(s.leak!)}</code></li>`).join('') +
        '</ul></div>',
    );
  }
  const inc = students.filter((s) => s.status === 'incomplete');
  if (inc.length) {
    out.push(
      `<div class="callout warn" id="incomplete"><strong>${inc.length} student${inc.length === 1 ? ' is' : 's are'} incomplete: no grade is written for them.</strong> A check that matters could not run; run the same grade command again to retry it.<ul>` +
        inc.map((s) => `<li>${esc(s.netid)} (${esc(s.name)}): ${esc(s.reason ?? '')}</li>`).join('') +
        '</ul></div>',
    );
  }
  return out.join('\n');
}

export function reportHtml(batch: BatchResult): string {
  const a = batch.assignment;
  const students = sortedStudents(batch);
  const graded = students.filter((s) => s.status === 'graded');
  const checks = batchChecks(batch);
  const late = students.filter((s) => s.late?.late);
  const lateRows: Row[] = [...late]
    .sort((x, y) => y.late!.minutesLate - x.late!.minutesLate || (x.netid < y.netid ? -1 : 1))
    .map((s) => [
      esc(s.netid),
      esc(s.name),
      { html: esc(lateText(s.late!)), v: s.late!.minutesLate / 1440 },
      { html: `${fmtNum(round2(s.late!.penaltyPercent))}%`, v: s.late!.penaltyPercent },
      { html: fmtNum(round2(s.total)), v: s.total },
    ]);
  const broken = students.filter((s) => s.status !== 'graded').sort(byAttention);
  const brokenRows: Row[] = broken.map((s) => [esc(s.netid), esc(s.name), esc(statusText(s)), { html: esc(s.reason ?? ''), wrap: true }]);

  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src '${SCRIPT_HASH}'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(a.id)} · ${esc(a.title)}: grading report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;max-width:72em;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top;white-space:nowrap}
td.wrap{white-space:normal;min-width:14em}
th{background:#f2f2f2}th button{font:inherit;font-weight:bold;background:none;border:0;padding:0;color:inherit}
body[data-sortable] th button{cursor:pointer;text-decoration:underline dotted}
th[aria-sort=ascending] button::after{content:" ▲"}th[aria-sort=descending] button::after{content:" ▼"}
.bar{display:inline-block;width:8em;height:.8em;background:#eee;vertical-align:middle}
.bar span{display:block;height:100%;background:#c0392b}.tag{font-size:80%;background:#555;color:#fff;padding:0 .3em;border-radius:3px}
.tag.leak{background:#b00020}.none{color:#666}code{font-size:90%}
.callout{border-left:.4em solid;padding:.5em 1em;margin:1em 0}.callout ul{margin:.3em 0}
.danger{border-color:#b00020;background:#fdecee}.warn{border-color:#c77d1a;background:#fff4e5}
.st-incomplete{color:#a15c00;font-weight:bold}.st-error,.st-clone-failed,.st-timed-out{color:#b00020}
nav a{margin-right:1em}
</style></head><body>
<h1>${esc(a.id)} · ${esc(a.title)}</h1>
${callouts(students)}
<p>${students.length} students: ${graded.length} graded, ${late.length} late, ${broken.length} could not be graded. Out of ${fmtNum(a.points)} points${a.due ? `, due ${esc(a.dueText ?? a.due)}` : ''}.</p>
<nav><a href="#scores">Scores</a><a href="#checks">Checks</a><a href="#late">Late</a><a href="#students">Students</a><a href="#broken">Not graded</a></nav>
<h2 id="scores">Score distribution</h2>
<p>${stats(graded.map((s) => s.total))}.</p>
${histogramSvg(
  histogram(
    graded.map((s) => s.total),
    a.points,
  ),
  a.points,
)}
<h2 id="checks">Checks, most failed first</h2>
<p>Failed: graded students whose check failed or could not run, out of those for whom it was judged (a check is skipped when what it needs was not there, or it cannot be judged in this mode).</p>
${checksPart(checks, graded)}
<h2 id="late">Late submissions (${late.length})</h2>
${late.length ? lateSvg(lateDays(late.map((s) => s.late!.minutesLate))) : ''}
${table(['NetID', 'Name', 'Late by', 'Penalty', 'Total'], lateRows, { sortable: true, id: 'late-table' })}
${sectionsPart(students, checks)}
<h2 id="broken">Could not be graded (${broken.length})</h2>
${table(['NetID', 'Name', 'Status', 'Why'], brokenRows)}
<script>${SORT_SCRIPT}</script>
</body></html>
`;
}
