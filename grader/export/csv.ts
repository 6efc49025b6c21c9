// grades.csv (the instructor's full table) and canvas.csv (Canvas's gradebook-import layout).
// RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or line break.
import { stringify } from 'csv-stringify/sync';
import type { BatchResult, StudentResult } from '../types.js';
import { batchChecks, canvasScore, CHOICE, fmtNum, resultFor, round2, sortedStudents, statusText, type MissingPolicy } from './common.js';

const OPTS = { record_delimiter: '\r\n', quoted_string: false } as const;

/** Spreadsheets run text that starts with = + - @ as a formula; a leading ' keeps it text. */
export function cell(s: string | undefined): string {
  if (!s) return '';
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

const num = (n: number | undefined) => (n === undefined ? '' : fmtNum(round2(n)));

export function gradesCsv(batch: BatchResult): string {
  const checks = batchChecks(batch);
  const head = [
    'NetID',
    'Name',
    'Commit',
    'Chosen by',
    'Commit time',
    'Late',
    'Minutes late',
    'Penalty %',
    ...checks.map((c) => `${c.id} (${fmtNum(c.maxPoints)})`),
    'Total',
    'Status',
    'Reason',
    'Leaked secret',
  ];
  const rows = sortedStudents(batch).map((s) => [
    cell(s.netid),
    cell(s.name),
    s.commit ?? '',
    s.choice ? (CHOICE[s.choice] ?? s.choice) : '',
    s.commitTime ?? '',
    s.late ? (s.late.late ? 'yes' : 'no') : '',
    s.late ? String(s.late.minutesLate) : '',
    s.late ? num(s.late.penaltyPercent) : '',
    ...checks.map((c) => num(resultFor(s, c.id)?.points)),
    num(s.total),
    cell(statusText(s)),
    cell(reasonOf(s)),
    cell(s.leak ? `${s.leak} — deactivate this key now` : ''),
  ]);
  return stringify([head, ...rows], OPTS);
}

/**
 * Why a student is not graded; for a graded one, the stable reason codes of the checks that
 * failed (`q2-traceroute: file.lines/blank-lines`), so a spreadsheet can count them.
 */
function reasonOf(s: StudentResult): string {
  if (s.status === 'error') return ''; // spelt out in the status column
  if (s.status !== 'graded') return s.reason ?? '';
  const codes = s.results.filter((r) => (r.status === 'fail' || r.status === 'warn') && r.code).map((r) => `${r.id}: ${r.code}`);
  // A graded upload may carry a note for the instructor (how it was matched to the student).
  return [s.reason, ...codes].filter(Boolean).join('; ');
}

export function canvasCsv(batch: BatchResult, opts: { canvasAssignmentId?: string; title?: string; missing?: MissingPolicy }): string {
  const title = opts.title ?? batch.assignment.title;
  // With an id Canvas updates that assignment; without one it would create a new column.
  const column = opts.canvasAssignmentId ? `${title} (${opts.canvasAssignmentId})` : title;
  const head = ['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section', column];
  const points = ['Points Possible', '', '', '', '', fmtNum(batch.assignment.points)];
  const rows = sortedStudents(batch).map((s) => [
    cell(s.name),
    s.canvasId ?? '',
    cell(s.sisUserId),
    // Canvas matches on ID, then SIS User ID, then SIS Login ID: the NetID is the usual login.
    cell(s.sisLoginId ?? s.netid),
    cell(s.section),
    canvasScore(s, opts.missing),
  ]);
  return stringify([head, points, ...rows], OPTS);
}
