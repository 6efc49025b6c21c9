// Shared by the exporters: the batch's checks in order, stable sorting, number formatting and
// wording. Exporters are pure functions of the batch, so the same batch gives the same bytes.
import type { CheckResult } from '../../lib/types.js';
import { formatInZone } from '../../lib/util/time.js';
import type { BatchCheck, BatchResult, StudentResult } from '../types.js';

import { fmtNum } from '../../lib/report/pretty.js';

export { fmtNum };

/**
 * What canvas.csv (and `harness publish`) write for a student without work (no fork, a fork the
 * grader cannot read, nothing uploaded): `blank` (the default) leaves Canvas's cell as it is, so an
 * excused or hand-entered grade survives; `zero` writes 0. The same in fork and zip modes.
 */
export type MissingPolicy = 'blank' | 'zero';
export const MISSING_POLICIES: readonly MissingPolicy[] = ['blank', 'zero'];

/** A student who handed in nothing the grader could read: no fork, or nothing uploaded. */
export const withoutWork = (s: StudentResult) => s.status === 'missing fork' || s.status === 'no upload';

/**
 * The score Canvas gets, as text: graded students their total; students without work per the
 * policy; anyone we could not grade (incomplete, a failed clone, an error) blank, so a broken run
 * never becomes a zero.
 */
export function canvasScore(s: StudentResult, missing: MissingPolicy = 'blank'): string {
  if (s.status === 'graded') return fmtNum(round2(s.total));
  if (withoutWork(s) && missing === 'zero') return '0';
  return '';
}

/** Lateness as people say it ("1 day 2 hours", "12 minutes"): the grader's own wording (grader/late.ts). */
import { duration } from '../late.js';
/** How late, for a table cell: the duration, or what Canvas said when it gave no time. */
export const lateText = (late: { minutesLate: number; flagOnly?: boolean }): string =>
  late.flagOnly ? 'marked late by Canvas' : duration(late.minutesLate);

/** An ISO instant in the course's time zone ("2017-01-20 23:59 EST"); as given when it cannot be read. */
export function localTime(iso: string, timeZone: string | undefined): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    return formatInZone(d, timeZone ?? 'UTC');
  } catch {
    return formatInZone(d, 'UTC');
  }
}

/** Code-unit order: the same on every machine and locale (localeCompare is not). */
export const byNetid = (a: StudentResult, b: StudentResult) => (a.netid < b.netid ? -1 : a.netid > b.netid ? 1 : 0);

export function sortedStudents(batch: BatchResult): StudentResult[] {
  return [...batch.students].sort(byNetid);
}

export interface ExportCheck extends BatchCheck {
  /** 1-based position among hidden checks ("Hidden check 2"); 0 for visible checks. */
  hiddenNo: number;
}

const checksOf = new WeakMap<BatchResult, ExportCheck[]>();

/**
 * The checks in spec order; without `assignment.checks`, in the order results first appear.
 * Worked out once per batch (every student's files ask for it).
 */
export function batchChecks(batch: BatchResult): ExportCheck[] {
  let list = checksOf.get(batch);
  if (!list) {
    // Each student's files are made from a batch of one with the shared header: the list is the
    // header's unless a result marks a check hidden that the header does not.
    const a = batch.assignment;
    if (a.checks && !hiddenBeyondHeader(batch)) {
      list = byHeader.get(a);
      if (!list) byHeader.set(a, (list = computeChecks(batch)));
    } else list = computeChecks(batch);
    checksOf.set(batch, list);
  }
  return list;
}

const byHeader = new WeakMap<BatchResult['assignment'], ExportCheck[]>();
const hiddenOfHeader = new WeakMap<BatchResult['assignment'], Set<string>>();

function hiddenBeyondHeader(batch: BatchResult): boolean {
  const a = batch.assignment;
  let hidden = hiddenOfHeader.get(a);
  if (!hidden)
    hiddenOfHeader.set(a, (hidden = new Set([...(a.hiddenChecks ?? []), ...(a.checks ?? []).filter((c) => c.hidden).map((c) => c.id)])));
  for (const s of batch.students) for (const r of s.results) if (r.hidden && !hidden.has(r.id)) return true;
  return false;
}

function computeChecks(batch: BatchResult): ExportCheck[] {
  // Hidden by the header, by the id list, or by any student's result: one mark is enough to hide.
  const hiddenIds = new Set(batch.assignment.hiddenChecks ?? []);
  for (const s of batch.students) for (const r of s.results) if (r.hidden) hiddenIds.add(r.id);
  let list: BatchCheck[] = batch.assignment.checks ?? [];
  if (!batch.assignment.checks) {
    const seen = new Map<string, BatchCheck>();
    for (const s of sortedStudents(batch))
      for (const r of s.results)
        if (!seen.has(r.id)) seen.set(r.id, { id: r.id, title: r.title, maxPoints: r.maxPoints, extraCredit: r.extraCredit });
    list = [...seen.values()];
  }
  let n = 0;
  return list.map((c) => {
    const hidden = c.hidden || hiddenIds.has(c.id);
    return { ...c, hidden, hiddenNo: hidden ? ++n : 0 };
  });
}

export const hiddenTitle = (c: ExportCheck) => `Hidden check ${c.hiddenNo}`;

/** Two decimals at most, so float noise (0.1 + 0.2) never reaches a file. */
export const round2 = (n: number) => Math.round(n * 100) / 100;

const byId = new WeakMap<CheckResult[], Map<string, CheckResult>>();

/** A student's result for one check (indexed once per student: every exporter asks for each check). */
export function resultFor(s: StudentResult, id: string): CheckResult | undefined {
  let m = byId.get(s.results);
  if (!m) {
    m = new Map();
    // The first result of an id wins, as a search from the start would find it.
    for (const r of s.results) if (!m.has(r.id)) m.set(r.id, r);
    byId.set(s.results, m);
  }
  return m.get(id);
}

/** A check counts as missed by a student when it failed or could not run. */
export const missed = (r: CheckResult | undefined) => !!r && (r.status === 'fail' || r.status === 'error');

/** The status column: `error: why` spells out the reason, as the grades.csv contract asks. */
export function statusText(s: StudentResult): string {
  return s.status === 'error' ? `error: ${s.reason ?? 'unknown'}` : s.status;
}

/** What a student reads when we could not grade them: one sentence and what to do. */
export function statusExplanation(s: StudentResult, esc: (t: string) => string = (t) => t): string | undefined {
  const why = s.reason ? `: ${esc(s.reason.replace(/\.$/, ''))}.` : '.';
  switch (s.status) {
    case 'graded':
      return undefined;
    case 'missing fork':
      return `We could not find your fork${why} Check that it exists, is named as the assignment says, and that the course account can read it.`;
    case 'no upload':
      return `Nothing from you was in the Canvas submissions for this assignment${why} If you did upload a zip, contact the instructor.`;
    case 'clone failed':
      return `We could not clone your fork${why} Check that the course account has read access, then contact the instructor.`;
    case 'incomplete':
      return `Your grade is not final yet: some checks could not run on the grading machine${why} This was not your doing; the instructor grades again.`;
    case 'timed out':
      return `Grading your work took too long and was stopped${why} Contact the instructor; running \`npm run check\` yourself shows which check hangs.`;
    default:
      return `Something went wrong while grading your work${why} Contact the instructor with this message.`;
  }
}

/** Why this commit was graded, as a sentence's end ("…, because …"). */
export const CHOICE_WHY: Record<string, string> = {
  collected: 'it was your last commit at or before the deadline (collected at the deadline)',
  'date-based': 'it was your last commit at or before the deadline',
  later: 'it is your latest commit, graded with its late penalty because that scores more',
  zip: 'it is the zip you uploaded',
};

export const CHOICE: Record<string, string> = {
  collected: 'last commit at or before the deadline (collected)',
  'date-based': 'last commit at or before the deadline',
  later: 'later commit, late penalty applied (it scored more)',
  zip: 'uploaded zip',
};
