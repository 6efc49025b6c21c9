// feedback/<NetID>.md: the student's own report. Failures first, each with what is wrong, how to
// fix it and the points; hidden checks show only their outcome and points.
import type { CheckResult } from '../../lib/types.js';
import type { BatchResult, StudentResult } from '../types.js';
import { batchChecks, CHOICE, fmtNum, hiddenTitle, resultFor, round2, statusExplanation, type ExportCheck } from './common.js';
import { lateSentence } from '../late.js';

/** Prose from checks may quote the student's files: keep it from turning into HTML or markup. */
export function mdText(s: string): string {
  // Most prose repeats from student to student (check titles, skip reasons): escaped once each.
  let t = escaped.get(s);
  if (t === undefined) {
    t = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/([\\`*_[\]#|])/g, '\\$1');
    if (escaped.size >= 20_000) escaped.clear();
    escaped.set(s, t);
  }
  return t;
}
const escaped = new Map<string, string>();

/** A literal value in a fence longer than any run of backticks inside it. */
function fence(label: string, value: string): string[] {
  const longest = Math.max(2, ...(value.match(/`+/g) ?? []).map((m) => m.length));
  const f = '`'.repeat(longest + 1);
  return [`${label}:`, '', f, value === '' ? '(empty)' : value, f, ''];
}

const pts = (r: CheckResult | undefined, c: ExportCheck) =>
  c.maxPoints ? ` (${fmtNum(round2(r?.points ?? 0))}/${fmtNum(c.maxPoints)} points)` : '';

function failed(c: ExportCheck, r: CheckResult): string[] {
  if (c.hidden)
    return [`### ${hiddenTitle(c)}${pts(r, c)}`, '', r.status === 'error' ? 'This hidden check could not run.' : 'This hidden check failed. What it tests is not shown.', ''];
  const out = [`### ${mdText(r.title)}${pts(r, c)}`, ''];
  if (r.status === 'error') out.push(mdText(r.reason ?? r.rationale ?? 'The check crashed without a message.'), '');
  if (r.rationale && r.status !== 'error') out.push(mdText(r.rationale), '');
  if (r.file) out.push(`In \`${r.file.replace(/`/g, "'")}\`${r.line ? `, line ${r.line}` : ''}.`, '');
  if (r.expected !== undefined) out.push(...fence('Expected', r.expected));
  if (r.actual !== undefined) out.push(...fence('Found', r.actual));
  if (r.hint) out.push(`**How to fix it:** ${mdText(r.hint)}`, '');
  return out;
}

function other(c: ExportCheck, r: CheckResult | undefined): string {
  const title = c.hidden ? hiddenTitle(c) : mdText(r?.title ?? c.title);
  if (!r) return `- ${title}: not run${pts(r, c)}`;
  const why = c.hidden ? '' : r.status === 'skip' ? ` — ${mdText(r.reason ?? '')}` : r.status === 'warn' ? ` — ${mdText(r.rationale ?? '')}` : '';
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
    `Your submission.json (harness ${mdText(String(rep.harness ?? '?'))}${rep.git?.commit ? `, commit \`${String(rep.git.commit).slice(0, 12)}\`${rep.git.dirty ? ' with uncommitted changes' : ''}` : ''}) ` +
      `recorded ${sum.pass ?? '?'} passed, ${sum.fail ?? '?'} failed, ${fmtNum(round2(sum.points ?? 0))}/${fmtNum(sum.maxPoints ?? 0)} points. It is shown for reference and not scored.`,
    '',
  );
  const graderSkipped = new Set(s.results.filter((r) => r.status === 'skip').map((r) => r.id));
  const theirs = rep.results.filter((r) => graderSkipped.has(r.id) && r.status !== 'skip').slice(0, 20);
  if (theirs.length) {
    out.push('Checks the grader could not re-run, as your machine saw them:', '');
    for (const r of theirs) out.push(`- ${mdText(r.id)}: ${mdText(r.status)}`);
    out.push('');
  }
  return out;
}

export function feedbackMd(batch: BatchResult, s: StudentResult): string {
  const a = batch.assignment;
  const out = [`# ${mdText(a.id)} · ${mdText(a.title)}`, '', `Feedback for ${mdText(s.name)} (${mdText(s.netid)}).`, ''];
  const problem = statusExplanation(s, mdText);
  if (problem) out.push('## We could not grade your work', '', problem, '');
  if (s.commit) out.push(`Graded commit \`${s.commit.slice(0, 12)}\`${s.choice ? ` (${CHOICE[s.choice] ?? s.choice})` : ''}${s.commitTime ? `, ${s.commitTime}` : ''}.`, '');

  const checks = batchChecks(batch);
  const pairs = checks.map((c) => [c, resultFor(s, c.id)] as const);
  const bad = pairs.filter(([, r]) => r && (r.status === 'fail' || r.status === 'error'));
  const rest = pairs.filter(([, r]) => !r || (r.status !== 'fail' && r.status !== 'error'));
  if (s.status === 'graded') {
    if (bad.length) {
      out.push(`## What to fix (${bad.length})`, '');
      for (const [c, r] of bad) out.push(...failed(c, r!));
    }
    if (rest.length) out.push('## The other checks', '', ...rest.map(([c, r]) => other(c, r)), '');
  }

  out.push(...selfReportedSection(s));

  out.push('## Score', '');
  const raw = round2(s.results.reduce((n, r) => n + r.points, 0));
  if (s.late?.late) {
    out.push(`- Checks: ${fmtNum(raw)}/${fmtNum(a.points)} points`);
    out.push(`- ${lateSentence(s.late, raw, s.total, a.points)}`);
  }
  out.push(`- **Total: ${fmtNum(round2(s.total))}/${fmtNum(a.points)}**`, '');
  return out.join('\n');
}
