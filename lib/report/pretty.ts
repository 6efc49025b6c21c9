// The pretty reporter, for people on a terminal. All wording and colour live here.
// Layout: a header, one line per check with points right-aligned at column 80, details indented
// under the title, then a summary, the score and a one-line verdict. Every status shows a word
// as well as a symbol, so the output reads the same without colour (NO_COLOR, CI logs).
// Prose (rationale, hint, reason) is word-wrapped to 80 columns; literal values (expected,
// actual, stacks) are never wrapped, because a wrapped value would look like a different value.
import { formatInZone } from '../util/time.js';
import path from 'node:path';
import type { CheckResult, RunReport, Status } from '../types.js';
import { palette, type Palette } from './color.js';
import type { ReporterOptions } from './index.js';

/** Right edge of the layout. 79, not 80: a line that fills the last column makes some
 *  consoles (Windows conhost) wrap and print an empty line after it. */
export const WIDTH = 79;
/** Literal values longer than this many lines are cut, with a note. */
const MAX_VALUE_LINES = 12;

const MARK: Record<Status, { symbol: string; word: string; paint: keyof Palette }> = {
  pass: { symbol: '✓', word: 'pass', paint: 'green' },
  fail: { symbol: '✗', word: 'FAIL', paint: 'red' },
  warn: { symbol: '!', word: 'warn', paint: 'yellow' },
  skip: { symbol: '-', word: 'skip', paint: 'dim' },
  error: { symbol: 'E', word: 'ERROR', paint: 'magenta' },
};

// "  ✗ FAIL   " : the title and every detail line start at this column.
const INDENT = ' '.repeat(2 + 1 + 1 + 5 + 3);

/** Length in code points: close enough to terminal columns for the text we print. */
const width = (s: string) => Array.from(s).length;

export function fmtNum(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/\.?0+$/, '');
}

/** Greedy word wrap; a word longer than the line (a URL) is left whole rather than broken. */
export function wrap(text: string, max: number): string[] {
  const out: string[] = [];
  for (const para of text.split(/\r?\n/)) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && width(line) + 1 + width(word) > max) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out;
}

/** The due date for people: precomputed with the spec when available (no Intl at run time). */
function formatDue(a: RunReport['assignment'], timeZone = 'UTC'): string {
  if (a.dueText) return a.dueText;
  try {
    return formatInZone(new Date(a.due!), timeZone);
  } catch {
    return a.due!; // an unknown time zone or a bad date: show the instant rather than fail the report
  }
}

function pointsLabel(r: CheckResult): string {
  if (r.maxPoints === 0) return '';
  return `${r.extraCredit ? '+' : ''}${fmtNum(r.points)}/${fmtNum(r.maxPoints)}`;
}

function location(r: CheckResult, cwd?: string): string | undefined {
  if (!r.file) return undefined;
  const file = cwd && path.isAbsolute(r.file) ? path.relative(cwd, r.file) : r.file;
  return r.line ? `${file}:${r.line}` : file;
}

/** "label:   value", values aligned at one column, continuation lines under the value. */
function labelled(label: string, value: string): string[] {
  const head = `${label}:`.padEnd(10);
  const pad = ' '.repeat(head.length);
  let lines = value === '' ? ['(empty)'] : value.replace(/\r\n/g, '\n').split('\n');
  if (lines.length > MAX_VALUE_LINES) {
    const more = lines.length - MAX_VALUE_LINES;
    lines = [...lines.slice(0, MAX_VALUE_LINES), `… (${more} more line${more === 1 ? '' : 's'})`];
  }
  return lines.map((l, i) => (i === 0 ? head : pad) + l);
}

/** Wrapped prose; continuation lines hang under the text, past the prefix ("hint: "). */
function prose(text: string, prefix = ''): string[] {
  const hang = ' '.repeat(prefix.length);
  return wrap(text, WIDTH - INDENT.length - prefix.length).map((l, i) => (i === 0 ? prefix : hang) + l);
}

function checkLines(r: CheckResult, pointsWidth: number, opts: ReporterOptions, c: Palette): string[] {
  const m = MARK[r.status];
  const head = `  ${c[m.paint](m.symbol)} ${c[m.paint](m.word.padEnd(5))}   `;
  const pts = pointsLabel(r).padStart(pointsWidth);
  const room = WIDTH - INDENT.length - (pointsWidth ? pointsWidth + 2 : 0);
  const title = wrap(r.title, room);
  const out = [`${head}${title[0].padEnd(room)}${pointsWidth ? '  ' + pts : ''}`.trimEnd()];
  for (const t of title.slice(1)) out.push(INDENT + t);

  const details: string[] = [];
  if (r.status === 'fail' || r.status === 'warn') {
    if (r.rationale) details.push(...prose(r.rationale));
    const loc = location(r, opts.cwd);
    if (loc) details.push(c.cyan(`at ${loc}`));
    if (r.expected !== undefined) details.push(...labelled('expected', r.expected));
    if (r.actual !== undefined) details.push(...labelled('actual', r.actual));
    if (r.hint) details.push(...prose(r.hint, 'hint: ').map((l) => c.bold(l)));
    if (r.status === 'fail' && r.doc) details.push(c.dim(`see ${r.doc}`));
  } else if (r.status === 'pass') {
    if (r.note) details.push(...prose(r.note).map((l) => c.dim(l)));
  } else if (r.status === 'skip') {
    if (r.reason) details.push(...prose(r.reason).map((l) => c.dim(l)));
  } else if (r.status === 'error') {
    details.push(...prose(r.reason || r.rationale || 'The check crashed without a message.'));
    if (opts.debug && r.stack) details.push(...r.stack.split('\n').map((l) => c.dim(l)));
  }
  return out.concat(details.map((l) => INDENT + l));
}

const plural = (n: number, one: string, many = one + 's') => `${n} ${n === 1 ? one : many}`;

function verdict(report: RunReport): string {
  const { fail, error, warn, skip } = report.summary;
  const broken = fail + error;
  if (broken > 0) {
    const what =
      fail && error
        ? `${plural(fail, 'check')} failed, ${error} could not run`
        : fail
          ? `${plural(fail, 'check')} failed`
          : `${plural(error, 'check')} could not run`;
    const fix = fail ? 'fix them' : 'read the messages above';
    return `${what}: ${fix} and run \`npm run check\` again.`;
  }
  if (skip > 0) return `No check failed, but ${plural(skip, 'check was', 'checks were')} skipped: read why above.`;
  if (warn > 0) return `All checks passed, with ${plural(warn, 'warning')} worth reading.`;
  return 'All checks passed.';
}

export function pretty(report: RunReport, opts: ReporterOptions): string {
  const c = palette(opts.color);
  const { assignment: a, student: s, summary: sum } = report;
  const lines: string[] = [c.bold(`${a.id} · ${a.title}`)];
  const who = s ? (s.name ? `${s.netid} (${s.name})` : s.netid) : undefined;
  const due = a.due ? `due ${formatDue(a, opts.timeZone)}` : undefined;
  const sub = [who, due].filter(Boolean).join(' · ');
  if (sub) lines.push(c.dim(sub));
  lines.push('');

  const pointsWidth = Math.max(0, ...report.results.map((r) => width(pointsLabel(r))));
  for (const r of report.results) lines.push(...checkLines(r, pointsWidth, opts, c));
  if (report.results.length === 0) lines.push('  (this assignment has no checks)');
  lines.push('');

  const counts = [
    c.green(`${sum.pass} passed`),
    (sum.fail ? c.red : String)(`${sum.fail} failed`),
    (sum.warn ? c.yellow : String)(plural(sum.warn, 'warning')),
    `${sum.skip} skipped`,
    (sum.error ? c.magenta : String)(plural(sum.error, 'error')),
  ];
  lines.push(counts.join(' · '));
  const extra = sum.extraCreditPoints ? ` (+${fmtNum(sum.extraCreditPoints)} extra credit)` : '';
  lines.push(c.bold(`Score: ${fmtNum(sum.points)}/${fmtNum(sum.maxPoints)}${extra}`));
  const v = verdict(report);
  lines.push(sum.fail + sum.error ? c.red(v) : c.green(v));
  return lines.join('\n') + '\n';
}
