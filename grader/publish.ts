// `harness publish`: what to post to Canvas, and posting it. The plan compares three things per
// student: the grade and feedback this batch gives, what Canvas holds now, and what an earlier
// publish posted (recorded in the output folder). So a re-run posts nothing already posted; a
// regrade posts only what changed; a grade someone changed by hand in Canvas, an excused student,
// and a student without work under the blank policy are left alone.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../lib/util/atomic.js';
import type { CanvasApi, Progress } from './canvas-api.js';
import { CanvasError } from './canvas-api.js';
import { canvasScore, withoutWork, type MissingPolicy } from './export/common.js';
import type { StudentResult } from './types.js';

/** The part of Canvas's Submission object (with include[]=user) the plan reads. */
export interface CanvasSubmission {
  user_id: number;
  score: number | null;
  excused?: boolean | null;
  workflow_state?: string;
  user?: { id: number; name?: string; sis_user_id?: string | null; login_id?: string | null };
  /** With include[]=submission_comments: a comment already there is never posted again. */
  submission_comments?: { comment?: string | null }[] | null;
}

/** What an earlier publish posted for a student. */
export interface Posted {
  userId: number;
  score?: string;
  /** sha256 of the comment text. */
  comment?: string;
  at: string;
}

export interface Ledger {
  canvas: string;
  course: string;
  assignment: string;
  students: Record<string, Posted>;
}

export interface Action {
  netid: string;
  name: string;
  userId?: number;
  /** The grade to post (points, as text). */
  score?: string;
  /** The submission comment to post. */
  comment?: string;
  /** What happens, in words, for the listing. */
  what: string;
}

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const same = (a: number | null | undefined, b: string | undefined) =>
  a !== null && a !== undefined && b !== undefined && b !== '' && Math.abs(a - Number(b)) < 0.005;

export function ledgerFile(out: string, course: string, assignment: string): string {
  return path.join(out, '.publish', `canvas-${course.replace(/\W/g, '_')}-${assignment.replace(/\W/g, '_')}.json`);
}

export function readLedger(file: string, key: Omit<Ledger, 'students'>): Ledger {
  try {
    const l = JSON.parse(readFileSync(file, 'utf8')) as Ledger;
    if (l.canvas === key.canvas && l.course === key.course && l.assignment === key.assignment && l.students) return l;
  } catch {
    /* none yet */
  }
  return { ...key, students: {} };
}

/** The Canvas submission of a student: by Canvas user id, else SIS user id, else login (the NetID). */
function find(s: StudentResult, subs: CanvasSubmission[]): CanvasSubmission | undefined {
  const low = (x: unknown) => (typeof x === 'string' ? x.toLowerCase() : undefined);
  return (
    (s.canvasId && subs.find((c) => String(c.user_id) === s.canvasId)) ||
    (s.sisUserId && subs.find((c) => low(c.user?.sis_user_id) === s.sisUserId!.toLowerCase())) ||
    subs.find(
      (c) =>
        low(c.user?.login_id) === (s.sisLoginId ?? s.netid).toLowerCase() || low(c.user?.login_id)?.split('@')[0] === s.netid.toLowerCase(),
    ) ||
    undefined
  );
}

export function plan(
  students: StudentResult[],
  feedback: (s: StudentResult) => string,
  subs: CanvasSubmission[],
  ledger: Ledger,
  opts: { missing?: MissingPolicy; overwrite?: boolean },
): Action[] {
  return students.map((s): Action => {
    const base = { netid: s.netid, name: s.name };
    const sub = find(s, subs);
    if (!sub)
      return { ...base, what: "not found among the assignment's submissions in Canvas (check the roster's Canvas id, SIS id or login)" };
    const target = canvasScore(s, opts.missing);
    if (target === '')
      return {
        ...base,
        userId: sub.user_id,
        what: withoutWork(s) ? `no work (${s.status}): left blank (--missing-work blank)` : `not graded (${s.status}): nothing posted`,
      };
    if (sub.excused) return { ...base, userId: sub.user_id, what: 'excused in Canvas: left alone' };
    const rec = ledger.students[s.netid];
    const ours = rec && same(sub.score, rec.score); // Canvas still holds what we posted
    const current = sub.score === null || sub.score === undefined ? 'none' : String(sub.score);
    let score: string | undefined;
    if (!same(sub.score, target)) {
      if (sub.score !== null && sub.score !== undefined && !ours && !opts.overwrite) {
        return {
          ...base,
          userId: sub.user_id,
          what: `Canvas has ${current}, not posted by publish${rec ? ' (changed there since)' : ''}: left alone (--overwrite replaces it with ${target})`,
        };
      }
      score = target;
    }
    const text = s.status === 'graded' || withoutWork(s) ? feedback(s) : undefined;
    // Posted before: by the record in the output folder, or because Canvas already shows it (a
    // pipeline run's output folder does not outlive the run; Canvas's comments do).
    const norm = (t: string) => t.replace(/\r\n/g, '\n').trim();
    const shown =
      text !== undefined && (sub.submission_comments ?? []).some((c) => typeof c.comment === 'string' && norm(c.comment) === norm(text));
    const comment = text !== undefined && rec?.comment !== sha(text) && !shown ? text : undefined;
    if (score === undefined && comment === undefined) return { ...base, userId: sub.user_id, what: `up to date (${target})` };
    const what = [
      score !== undefined ? `grade ${current} → ${score}` : `grade ${target} (already)`,
      comment !== undefined ? `comment (${Buffer.byteLength(comment)} bytes)` : '',
    ]
      .filter(Boolean)
      .join(', ');
    return { ...base, userId: sub.user_id, ...(score !== undefined && { score }), ...(comment !== undefined && { comment }), what };
  });
}

/**
 * Posts the actions with Canvas's bulk grade update, `chunk` students a request, waiting for each
 * job; the ledger is saved after each job that completed, so a run stopped midway resumes.
 */
export async function apply(
  api: CanvasApi,
  course: string,
  assignment: string,
  actions: Action[],
  ledger: Ledger,
  file: string,
  chunk = 50,
): Promise<number> {
  const todo = actions.filter((a) => a.userId !== undefined && (a.score !== undefined || a.comment !== undefined));
  let posted = 0;
  for (let i = 0; i < todo.length; i += chunk) {
    const part = todo.slice(i, i + chunk);
    const form = new URLSearchParams();
    for (const a of part) {
      if (a.score !== undefined) form.append(`grade_data[${a.userId}][posted_grade]`, a.score);
      if (a.comment !== undefined) form.append(`grade_data[${a.userId}][text_comment]`, a.comment);
    }
    const job = await api.post<Progress>(
      `courses/${encodeURIComponent(course)}/assignments/${encodeURIComponent(assignment)}/submissions/update_grades`,
      form,
    );
    const done = await api.waitFor(job);
    if (done.workflow_state !== 'completed')
      throw new CanvasError(
        0,
        `Canvas's bulk grade update ${job.id} ${done.workflow_state}${done.message ? `: ${done.message}` : ''}; ${posted} students were posted before it`,
      );
    const at = new Date().toISOString();
    for (const a of part) {
      const old = ledger.students[a.netid];
      ledger.students[a.netid] = {
        userId: a.userId!,
        ...((a.score ?? old?.score) !== undefined && { score: a.score ?? old?.score }),
        ...((a.comment !== undefined ? sha(a.comment) : old?.comment) !== undefined && {
          comment: a.comment !== undefined ? sha(a.comment) : old?.comment,
        }),
        at,
      };
    }
    posted += part.length;
    await writeFileAtomic(file, JSON.stringify(ledger, null, 2) + '\n');
  }
  return posted;
}
