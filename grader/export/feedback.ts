// feedback/<NetID>.md: the student's own report, as they read it in a Canvas comment (plain text)
// or on Gradescope (Markdown). The score and what to fix first at the top; the commit graded, when
// (in the course's time zone) and why; then each failure with what is wrong, how to fix it and the
// points; hidden checks show only their outcome and points.
import type { CheckResult } from '../../lib/types.js';
import { shellQuote } from '../../lib/util/text.js';
import type { BatchResult, StudentResult } from '../types.js';
import {
  batchChecks,
  CHOICE_WHY,
  fmtNum,
  hiddenTitle,
  localTime,
  resultFor,
  round2,
  statusExplanation,
  type ExportCheck,
} from './common.js';
import { code, prose } from './markdown.js';
import { lateSentence } from '../late.js';

/** Prose from checks as Markdown (kept for callers of the old name). */
export const mdText = prose;

/** A literal value in a fence longer than any run of backticks inside it. */
function fence(label: string, value: string): string[] {
  const longest = Math.max(2, ...(value.match(/`+/g) ?? []).map((m) => m.length));
  const f = '`'.repeat(longest + 1);
  return [`${label}:`, '', f, value === '' ? '(empty)' : value, f, ''];
}

const pts = (r: CheckResult | undefined, c: ExportCheck) =>
  c.maxPoints ? ` (${fmtNum(round2(r?.points ?? 0))}/${fmtNum(c.maxPoints)} points)` : '';

/** Answer files the student did not hand in (their presence check failed). */
function missingFiles(s: StudentResult): Set<string> {
  return new Set(s.results.filter((r) => r.kind === 'file.present' && r.status === 'fail' && r.file).map((r) => r.file!));
}

/**
 * A hint that names only files that exist: a file that is missing is taken out of a `git add`, and
 * a hint about nothing but missing files points back to their own failure instead. (A commit
 * check would otherwise tell the student to commit a file that is not there.)
 */
export function hintFor(r: CheckResult, missing: Set<string>): string | undefined {
  if (!r.hint || r.kind === 'file.present' || !missing.size) return r.hint;
  const gone = (tok: string) => [...missing].some((f) => tok === f || tok === shellQuote(f) || tok.endsWith(`/${f}`));
  const named = [...missing].filter((f) => r.hint!.split(/\s+/).some((t) => t === f || t === shellQuote(f) || t.endsWith(`/${f}`)));
  if (!named.length) return r.hint;
  let left = 0;
  const hint = r.hint.replace(/git add ((?:(?!&&)\S+\s*)+)/, (_m, files: string) => {
    const keep = files
      .trim()
      .split(/\s+/)
      .filter((t) => !gone(t));
    left = keep.length;
    return `git add ${keep.join(' ')} `;
  });
  if (left > 0) return hint;
  return `First hand in ${named.join(', ')} (see ${named.length === 1 ? 'its' : 'their'} own check above); then commit and push ${named.length === 1 ? 'it' : 'them'}.`;
}

function failed(c: ExportCheck, r: CheckResult, missing: Set<string>): string[] {
  if (c.hidden)
    return [
      `### ${hiddenTitle(c)}${pts(r, c)}`,
      '',
      r.status === 'error' ? 'This hidden check could not run.' : 'This hidden check failed. What it tests is not shown.',
      '',
    ];
  const out = [`### ${prose(r.title)}${pts(r, c)}`, ''];
  if (r.status === 'error') out.push(prose(r.reason ?? r.rationale ?? 'The check crashed without a message.'), '');
  if (r.rationale && r.status !== 'error') out.push(prose(r.rationale), '');
  if (r.file) out.push(`In ${code(r.file)}${r.line ? `, line ${r.line}` : ''}.`, '');
  if (r.expected !== undefined) out.push(...fence('Expected', r.expected));
  if (r.actual !== undefined) out.push(...fence('Found', r.actual));
  const hint = hintFor(r, missing);
  if (hint) out.push(`**How to fix it:** ${prose(hint)}`, '');
  return out;
}

function other(c: ExportCheck, r: CheckResult | undefined): string {
  const title = c.hidden ? hiddenTitle(c) : prose(r?.title ?? c.title);
  if (!r) return `- ${title}: not run${pts(r, c)}`;
  const why = c.hidden
    ? ''
    : r.status === 'skip'
      ? ` — ${prose(r.reason ?? '')}`
      : r.status === 'warn'
        ? ` — ${prose(r.rationale ?? '')}`
        : '';
  const word = { pass: 'passed', warn: 'passed with a warning', skip: 'skipped', fail: 'failed', error: 'could not run' }[r.status];
  return `- ${title}: ${word}${pts(r, c)}${why}`;
}

interface SelfReport {
  harness?: string;
  git?: { commit?: string; dirty?: boolean } | null;
  results?: { id: string; status: string; points?: number; maxPoints?: number }[];
  summary?: { pass?: number; fail?: number; points?: number; maxPoints?: number };
}

/**
 * What the student's own `harness submit` recorded (submission.json): shown for reference, never
 * scored. Where the grader could not judge a check (the live ones that need the student's AWS
 * credentials), the student's own result is the only evidence there is, so those are listed.
 */
function selfReportedSection(s: StudentResult): string[] {
  const rep = s.selfReported as SelfReport | undefined;
  if (!rep || typeof rep !== 'object' || !Array.isArray(rep.results)) return [];
  const sum = rep.summary ?? {};
  const out = ['## What your own check reported', ''];
  out.push(
    `Your submission.json (harness ${prose(String(rep.harness ?? '?'))}${rep.git?.commit ? `, commit \`${String(rep.git.commit).slice(0, 12)}\`${rep.git.dirty ? ' with uncommitted changes' : ''}` : ''}) ` +
      `recorded ${sum.pass ?? '?'} passed, ${sum.fail ?? '?'} failed, ${fmtNum(round2(sum.points ?? 0))}/${fmtNum(sum.maxPoints ?? 0)} points. It is shown for reference and not scored.`,
    '',
  );
  const graderSkipped = new Set(s.results.filter((r) => r.status === 'skip').map((r) => r.id));
  const theirs = rep.results.filter((r) => graderSkipped.has(r.id) && r.status !== 'skip').slice(0, 20);
  if (theirs.length) {
    out.push('Checks the grader could not re-run, as your machine saw them:', '');
    for (const r of theirs) out.push(`- ${prose(r.id)}: ${prose(r.status)}`);
    out.push('');
  }
  return out;
}

/**
 * Points a failure costs: its own, and those of the checks skipped because it did not pass (a
 * skip carries the id of the check at its root: `needs "…" (q3-present), which did not pass`).
 */
function cost(c: ExportCheck, r: CheckResult, s: StudentResult): number {
  const behind = s.results.filter((x) => x.status === 'skip' && x.id !== r.id && x.reason?.includes(`(${r.id})`));
  return c.maxPoints - r.points + behind.reduce((n, x) => n + x.maxPoints, 0);
}

/** The failure that costs the most points (a visible one before a hidden one; spec order on ties). */
function fixFirst(
  pairs: (readonly [ExportCheck, CheckResult | undefined])[],
  s: StudentResult,
): readonly [ExportCheck, CheckResult, number] | undefined {
  let best: readonly [ExportCheck, CheckResult, number] | undefined;
  for (const [c, r] of pairs) {
    if (!r || (r.status !== 'fail' && r.status !== 'error')) continue;
    const lost = cost(c, r, s);
    if (!best || (best[0].hidden && !c.hidden) || (!!best[0].hidden === !!c.hidden && lost > best[2])) best = [c, r, lost];
  }
  return best;
}

/** The commit graded, when it was made and why it counts; the other attempt's scores beside it. */
function commitLines(a: BatchResult['assignment'], s: StudentResult): string[] {
  if (!s.commit) return [];
  const tz = a.timezone;
  const when = s.commitTime ? `, made ${localTime(s.commitTime, tz)}` : '';
  const why = s.choice ? `: ${CHOICE_WHY[s.choice] ?? s.choice}` : '';
  const what = s.choice === 'zip' ? 'Graded: your uploaded zip' : `Graded commit ${code(s.commit.slice(0, 12))}`;
  const out = [`- ${what}${s.choice === 'zip' ? '' : when}${why}.`];
  const other = s.attempts?.find((t) => !t.chosen);
  const mine = s.attempts?.find((t) => t.chosen);
  if (other && mine) {
    const desc = (t: NonNullable<StudentResult['attempts']>[number]) =>
      t.penaltyPercent
        ? `scored ${fmtNum(round2(t.score))} before its ${fmtNum(t.penaltyPercent)}% late penalty, ${fmtNum(round2(t.total))} after`
        : `scored ${fmtNum(round2(t.total))}`;
    const label = (t: NonNullable<StudentResult['attempts']>[number]) =>
      `${t.penaltyPercent ? 'later' : 'on-time'} commit ${code(t.commit.slice(0, 12))}${t.commitTime ? ` (${localTime(t.commitTime, tz)})` : ''}`;
    out.push(`- Your ${label(mine)} ${desc(mine)}; your ${label(other)} ${desc(other)}. You get the higher.`);
  }
  return out;
}

export function feedbackMd(batch: BatchResult, s: StudentResult): string {
  const a = batch.assignment;
  const out = [`# ${prose(a.id)} · ${prose(a.title)}`, '', `Feedback for ${prose(s.name)} (${prose(s.netid)}).`, ''];
  const checks = batchChecks(batch);
  const pairs = checks.map((c) => [c, resultFor(s, c.id)] as const);
  const bad = pairs.filter(([, r]) => r && (r.status === 'fail' || r.status === 'error'));
  const rest = pairs.filter(([, r]) => !r || (r.status !== 'fail' && r.status !== 'error'));
  const missing = missingFiles(s);

  // What a student looks for first: the score, then the one thing that costs the most.
  if (s.status === 'graded') {
    out.push(
      `**Score: ${fmtNum(round2(s.total))}/${fmtNum(a.points)}**${s.late?.late ? ` (after a ${fmtNum(round2(s.late.penaltyPercent))}% late penalty)` : ''}`,
      '',
    );
    const first = fixFirst(pairs, s);
    if (first) {
      const [c, r, cost] = first;
      const lost = cost > 0 ? ` (${fmtNum(round2(cost))} point${cost === 1 ? '' : 's'})` : '';
      const hint = c.hidden ? undefined : hintFor(r, missing);
      const what = c.hidden ? `${hiddenTitle(c)}${lost}` : `${prose(r.title)}${lost}${hint ? `: ${prose(hint)}` : ''}`;
      out.push(`**Fix first:** ${what}`, '');
    } else out.push('Every check passed.', '');
  }
  if (s.leak)
    out.push(
      `**Deactivate this key now:** ${code(s.leak)} is in your work or its pushed history. Deactivate it in the AWS IAM console and make a new one; deleting the commit does not make it safe.`,
      '',
    );
  const problem = statusExplanation(s, prose);
  if (problem) out.push('## We could not grade your work', '', problem, '');
  const commit = commitLines(a, s);
  if (commit.length) out.push('## What was graded', '', ...commit, '');

  if (s.status === 'graded') {
    if (bad.length) {
      out.push(`## What to fix (${bad.length})`, '');
      for (const [c, r] of bad) out.push(...failed(c, r!, missing));
    }
    // Checks the grader does not judge (the student's own computer or AWS account) in one line.
    const judged = rest.filter(([, r]) => !r?.notJudged);
    const unjudged = rest.filter(([, r]) => r?.notJudged);
    const lines = judged.map(([c, r]) => other(c, r));
    if (unjudged.length)
      lines.push(
        `- Not judged by the grader (${unjudged.length}; your own \`npm run check\` judges them): ${unjudged.map(([c, r]) => (c.hidden ? hiddenTitle(c) : prose(r?.title ?? c.title))).join('; ')}`,
      );
    if (lines.length) out.push('## The other checks', '', ...lines, '');
  }

  out.push(...selfReportedSection(s));

  out.push('## Score', '');
  if (s.status !== 'graded') {
    out.push('No score from this run (see above).', '');
    return out.join('\n');
  }
  const raw = round2(s.results.reduce((n, r) => n + r.points, 0));
  if (s.late?.late) {
    out.push(`- Checks: ${fmtNum(raw)}/${fmtNum(a.points)} points`);
    out.push(`- ${lateSentence(s.late, raw, s.total, a.points)}`);
  }
  out.push(`- **Total: ${fmtNum(round2(s.total))}/${fmtNum(a.points)}**`, '');
  return out.join('\n');
}
