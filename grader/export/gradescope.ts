// gradescope/<NetID>/results.json in Gradescope's autograder format, so a course on Gradescope can
// upload our results. Visible checks are numbered 1.k, hidden ones 2.k. Hidden checks are
// `after_published`, not `hidden`: a `hidden` test would hide the student's total as well, and the
// course promises students see that a hidden check failed and its points.
import type { CheckResult } from '../../lib/types.js';
import type { BatchResult, StudentResult } from '../types.js';
import { batchChecks, fmtNum, hiddenTitle, resultFor, round2, statusExplanation, type ExportCheck } from './common.js';
import { lateSentence } from '../late.js';

export interface GradescopeTest {
  score: number;
  max_score: number;
  name: string;
  number: string;
  output: string;
  visibility: 'visible' | 'after_published';
  /** Always set: Gradescope shows a test without it as passed when score >= max_score (a failed 0-point check). */
  status: 'passed' | 'failed';
  output_format: 'text';
  tags?: string[];
}

export interface GradescopeResults {
  score: number;
  output: string;
  /** Our messages hold `<`, `&` and backticks meant literally: plain text, never HTML or Markdown. */
  output_format: 'text';
  test_output_format: 'text';
  tests: GradescopeTest[];
}

const WORD: Record<CheckResult['status'], string> = {
  pass: 'Passed.',
  fail: 'Failed.',
  warn: 'Passed with a warning.',
  skip: 'Skipped.',
  error: 'Could not run.',
};

function output(r: CheckResult | undefined, hidden: boolean): string {
  if (!r) return 'Not run.';
  if (hidden) return `${WORD[r.status]} This is a hidden check: what it tests is not shown.`;
  const lines = [WORD[r.status]];
  if (r.status === 'pass' && r.note) lines.push(r.note);
  if (r.status === 'skip' || r.status === 'error') lines.push(r.reason ?? r.rationale ?? '');
  if (r.status === 'fail' || r.status === 'warn') {
    if (r.rationale) lines.push(r.rationale);
    if (r.file) lines.push(`at ${r.file}${r.line ? `:${r.line}` : ''}`);
    if (r.expected !== undefined) lines.push(`expected: ${r.expected}`);
    if (r.actual !== undefined) lines.push(`actual:   ${r.actual}`);
    if (r.hint) lines.push(`hint: ${r.hint}`);
  }
  return lines.filter(Boolean).join('\n');
}

function test(c: ExportCheck, r: CheckResult | undefined, k: number): GradescopeTest {
  const t: GradescopeTest = {
    score: round2(r?.points ?? 0),
    max_score: round2(c.maxPoints),
    name: c.hidden ? hiddenTitle(c) : (r?.title ?? c.title),
    number: c.hidden ? `2.${c.hiddenNo}` : `1.${k}`,
    output: output(r, !!c.hidden),
    visibility: c.hidden ? 'after_published' : 'visible',
    // Failed for fail and error; a skip, a warning and a pass are not failures of the student's.
    status: r && (r.status === 'fail' || r.status === 'error') ? 'failed' : 'passed',
    output_format: 'text',
  };
  if (!c.hidden && r?.kind) t.tags = [r.kind];
  return t;
}

export function gradescopeResults(batch: BatchResult, s: StudentResult): GradescopeResults {
  const checks = batchChecks(batch);
  let k = 0;
  const tests = s.status === 'graded' ? checks.map((c) => test(c, resultFor(s, c.id), c.hidden ? 0 : ++k)) : [];
  const lines: string[] = [];
  const problem = statusExplanation(s);
  if (problem) lines.push(problem);
  if (s.late?.late) lines.push(lateSentence(s.late, round2(s.results.reduce((n, r) => n + r.points, 0)), s.total, batch.assignment.points));
  lines.push(`Total: ${fmtNum(round2(s.total))}/${fmtNum(batch.assignment.points)}.`);
  // The top-level score overrides the sum of the tests, which is how the late penalty applies.
  return { score: round2(s.total), output: lines.join('\n'), output_format: 'text', test_output_format: 'text', tests };
}
