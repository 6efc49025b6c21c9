// `harness grade`: for each student choose the commit (or the Canvas upload) to grade, run the
// spec's checks on it (read straight from git objects, grader/checkrun.ts), apply the late policy,
// and hand the records to the exporters. One student's problem is that student's status; the batch goes on.
// Results are cached per (student, commit, spec + hidden checks, harness build), so a re-run, or a
// run restarted after a kill, does only the work not yet done, and ends with the same bytes.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { summarize } from '../lib/engine.js';
import { Semaphore } from '../lib/util/semaphore.js';
import { registry } from '../lib/checks/registry.js';
import type { AwsAccess } from '../lib/aws/access.js';
import type { Course } from '../lib/course.js';
import type { CheckResult, Spec } from '../lib/types.js';
import { defaultBranch, lastBefore, openLog, syncMirror, type Commit } from './gitops.js';
import { ObjectError, ObjectStore } from './objects.js';
import { BatchCache } from './cache.js';
import { checkSource, cleanPaths, type CheckEnv, type CheckJob, type Checked } from './checkrun.js';
import { FetchAhead, mirrorDir, DEFAULT_JOBS } from './collect.js';
import { applyPenalty, latePenalty } from './late.js';
import { progress } from './progress.js';
import { PythonWorker } from './pyworker.js';
import type { BatchResult, CommitChoice, LatePenalty, LedgerEntry, RosterEntry, StudentResult } from './types.js';
import type { CanvasStudent } from './canvas.js';

export interface GradeOptions {
  /** The spec, hidden checks merged in. */
  spec: Spec;
  hiddenHash?: string;
  course: Course;
  out: string;
  /** Harness version and build: part of every cache key. */
  version: string;
  jobs?: number;
  python?: string;
  aws?: AwsAccess;
  offline?: boolean;
  /** Latest ledger entry per lower-cased NetID. */
  ledger?: Map<string, LedgerEntry>;
  quiet?: boolean;
  /** Where checks run (set by gradeBatch). */
  checker?: Checker;
  /** Results and commits from earlier runs (set by gradeBatch). */
  cache?: BatchCache;
  /** Forks being fetched ahead of their checks (the grade command starts them; else gradeBatch does). */
  fetches?: FetchAhead;
  /** Called as each student's result is known, unless it came whole from the cache. */
  onGraded?: (s: StudentResult) => void | Promise<void>;
  /** Stops one student's grading (clone, checkout and checks) after this long; default: every check's timeout plus 10 minutes. */
  studentTimeoutMs?: number;
}

/** Results reused whole from the cache (their outputs were written by the run that made them). */
const fromCache = new WeakSet<StudentResult>();

/** Counters for tests and the summary line: `checked` is real checking work, `cached` reused results. */
export const stats = { checked: 0, cached: 0 };

export type Candidate = { entry: RosterEntry; upload?: CanvasStudent };

export async function gradeBatch(students: Candidate[], opts: GradeOptions): Promise<StudentResult[]> {
  const pool = new Semaphore(opts.jobs ?? DEFAULT_JOBS);
  const bar = progress(students.length, 'grade', process.stderr, opts.quiet);
  const cache = new BatchCache(opts.out);
  const checker = new Checker(opts);
  // Fetching runs ahead of checking (see FetchAhead); the command starts it before loading this module.
  const fetches = opts.fetches ?? new FetchAhead(students, opts.out, opts.jobs);
  opts = { ...opts, checker, cache, fetches };
  const limit = opts.studentTimeoutMs ?? opts.spec.checks.reduce((s, c) => s + c.timeout, 0) * 1000 + 600_000;
  // A student's own problem is that student's status; only a failure of the run itself (its
  // outputs cannot be written) stops it: no new student starts, and those under way finish.
  let fatal: { error: unknown } | undefined;
  try {
    const out = await Promise.all(
      students.map((c) =>
        pool.run(async () => {
          if (fatal) return undefined;
          const r = await withTimeout(gradeOne(c, opts), limit, () => ({
            ...identityOf(c.entry), status: 'timed out' as const, reason: `grading took longer than ${Math.round(limit / 1000)}s and was stopped`, results: [], total: 0,
          }));
          try {
            if (opts.onGraded && !fromCache.has(r) && !fatal) await opts.onGraded(r);
          } catch (error) {
            fatal ??= { error };
          }
          if (fatal) return undefined;
          bar.done(c.entry.netid, r.status === 'graded', r.status === 'graded' ? `${r.total}/${opts.spec.points}${r.late?.late ? ' (late)' : ''}` : `${r.status}: ${r.reason ?? ''}`);
          return r;
        }),
      ),
    );
    if (fatal) throw fatal.error;
    bar.end();
    return (out as StudentResult[]).sort((a, b) => (a.netid < b.netid ? -1 : a.netid > b.netid ? 1 : 0));
  } finally {
    if (!opts.fetches) await fetches.stop(); // the command stops those it started
    checker.close();
    cache.close();
  }
}

/** Runs students' checks in this process, with one python3 shared by every student. */
class Checker {
  private local?: { env: CheckEnv; py: PythonWorker };

  constructor(private readonly opts: GradeOptions) {}

  run(job: CheckJob, store?: ObjectStore): Promise<Checked | { error: string }> {
    if (!this.local) {
      const py = new PythonWorker(this.opts.python ?? 'python3');
      const o = this.opts;
      this.local = { py, env: { spec: o.spec, course: o.course, out: o.out, python: o.python, offline: o.offline, aws: o.aws, compilePython: py.compile } };
    }
    return checkSource(job, this.local.env, store);
  }

  close(): void {
    this.local?.py.close();
  }
}

function identityOf(e: RosterEntry): Pick<StudentResult, 'netid' | 'name' | 'canvasId' | 'sisUserId' | 'sisLoginId' | 'section'> {
  const r: ReturnType<typeof identityOf> = { netid: e.netid, name: e.name };
  for (const k of ['canvasId', 'sisUserId', 'sisLoginId', 'section'] as const) if (e[k]) r[k] = e[k];
  return r;
}

async function gradeOne(c: Candidate, opts: GradeOptions): Promise<StudentResult> {
  const base = { ...identityOf(c.entry), results: [], total: 0 };
  try {
    return c.upload ? await gradeUpload(c.entry, c.upload, opts) : await gradeFork(c.entry, opts);
  } catch (e) {
    return { ...base, status: 'error', reason: cleanPaths((e as Error).message ?? String(e), opts.out) };
  }
}

/** The fix for an unreadable fork copy: the mirror is the grader's own, and can be fetched again. */
const damaged = (e: RosterEntry) => ` (if the grader's copy is damaged: delete .mirrors/${e.netid.toLowerCase()}.git in the output folder, then collect or grade again)`;

/** Late work is worth grading only when the course has a late policy that still leaves points. */
const acceptsLate = (course: Course) => course.late.penaltyPercentPerDay > 0 && course.late.maxPenaltyPercent < 100;

async function gradeFork(entry: RosterEntry, opts: GradeOptions): Promise<StudentResult> {
  const base = { ...identityOf(entry), results: [], total: 0 };
  if (!entry.repo) return { ...base, status: 'missing fork', reason: 'the roster gives no repository URL for this student' };
  const mirror = mirrorDir(opts.out, entry.netid);
  // A mirror made by `collect` is used as is: refresh it with collect, so a re-run fetches nothing.
  const bad = await (opts.fetches?.get(entry) ?? syncMirror(entry.repo, mirror, false));
  if (bad) return { ...base, status: bad.status, reason: bad.reason };
  const branch = await defaultBranch(mirror);
  const due = opts.spec.due ? new Date(opts.spec.due) : undefined;
  const deadline = due && new Date(due.getTime() + entry.extensionMinutes * 60_000);
  const led = opts.ledger?.get(entry.netid.toLowerCase());
  const store = new ObjectStore(mirror);
  const known = opts.cache?.commits;
  const log = await openLog(mirror, led ? led.commit : branch, store, known);
  if ('error' in log) {
    return { ...base, status: 'error', reason: led ? `the collected commit ${led.commit.slice(0, 12)} is not in the fork: ${log.error}` : `${log.error}${damaged(entry)}` };
  }
  const tries: { pick: Commit; choice: CommitChoice; lateAt: Date }[] = [];
  try {
    // The log is walked only as far as the choice needs (usually the tip alone).
    const tip = log.at(0)!;
    if (led) {
      // The commit surely existed when it was fetched, whatever date it claims.
      const at = new Date(Math.min(Date.parse(tip.time), Date.parse(led.fetchedAt)));
      tries.push({ pick: tip, choice: 'collected', lateAt: at });
    } else {
      const onTime = deadline ? lastBefore(log, deadline) : tip;
      if (onTime) tries.push({ pick: onTime, choice: 'date-based', lateAt: new Date(onTime.time) });
      if (deadline && acceptsLate(opts.course) && tip !== onTime) tries.push({ pick: tip, choice: 'date-based', lateAt: new Date(tip.time) });
      if (!tries.length) return { ...base, status: 'error', reason: `no commit on ${branch} at or before the deadline, ${deadline!.toISOString()}` };
    }
  } catch (e) {
    if (!(e instanceof ObjectError)) throw e;
    return { ...base, status: 'error', reason: `${e.message}${damaged(entry)}` };
  }
  // With a later commit too, the student gets whichever scores more after its penalty.
  let best: StudentResult | undefined;
  for (const t of tries) {
    const late = latePenalty(t.lateAt, due, entry.extensionMinutes, opts.course.late);
    const r = await evaluate({ kind: 'fork', entry, mirror, branch, commit: t.pick.hash }, opts, store);
    const s: StudentResult = 'error' in r
      ? { ...base, status: 'error', reason: `${r.error}${damaged(entry)}`, commit: t.pick.hash, choice: t.choice, commitTime: t.pick.time }
      : finish(base, r, opts, late, { commit: t.pick.hash, choice: t.choice, commitTime: t.pick.time });
    if (!best || (s.status === 'graded' && (best.status !== 'graded' || s.total > best.total))) best = s;
  }
  return best!;
}

async function gradeUpload(entry: RosterEntry, up: CanvasStudent, opts: GradeOptions): Promise<StudentResult> {
  const base = { ...identityOf(entry), results: [], total: 0 };
  if (!up.dir || up.files.length === 0) return { ...base, status: 'error', reason: up.problem ?? 'the upload held no files', choice: 'zip' };
  // The upload's identity is its content: a hash of every file's name and bytes.
  const h = createHash('sha256');
  for (const f of up.files) h.update(f).update('\0').update(await readFile(path.join(up.dir, f))).update('\0');
  const commit = h.digest('hex');
  // Canvas marks an upload LATE without saying how late: counted as late by one day.
  const due = opts.spec.due ? new Date(opts.spec.due) : undefined;
  const late: LatePenalty = up.late && due
    ? latePenalty(new Date(due.getTime() + (entry.extensionMinutes + opts.course.late.graceMinutes + 1) * 60_000), due, entry.extensionMinutes, opts.course.late)
    : { late: up.late, minutesLate: 0, penaltyPercent: 0 };
  const r = await evaluate({ kind: 'zip', entry, dir: up.dir, commit }, opts);
  if ('error' in r) return { ...base, status: 'error', reason: r.error, choice: 'zip' };
  const s = finish(base, r, opts, late, { commit, choice: 'zip' });
  if (up.problem) s.reason = up.problem;
  return s;
}

interface Evaluated {
  results: CheckResult[];
  selfReported?: unknown;
  cached?: boolean;
}

function finish(base: Omit<StudentResult, 'status'>, r: Evaluated, opts: GradeOptions, late: LatePenalty, at: Partial<StudentResult>): StudentResult {
  const summary = summarize(r.results);
  const total = applyPenalty(summary.points + summary.extraCreditPoints, opts.spec.points, late);
  const s: StudentResult = { ...base, status: 'graded', ...at, late, results: r.results, summary, total };
  if (r.selfReported !== undefined) s.selfReported = r.selfReported;
  if (r.cached) fromCache.add(s);
  return s;
}

async function evaluate(job: CheckJob, opts: GradeOptions, store?: ObjectStore): Promise<Evaluated | { error: string }> {
  const entry = job.entry;
  const key = JSON.stringify([entry.netid, entry.email ?? '', job.kind, job.commit, opts.spec.hash, opts.hiddenHash ?? '', opts.version, opts.offline === true]);
  const hit = opts.cache?.get<Evaluated>(key);
  if (hit && Array.isArray(hit.results)) {
    stats.cached++;
    return { results: hit.results, selfReported: hit.selfReported, cached: true };
  }
  const r = await opts.checker!.run(job, store);
  if ('error' in r) return r;
  stats.checked++;
  // A live check that could not reach AWS is tried again next run, not remembered.
  const transient = r.results.some((x) => x.status === 'error' && x.fault !== undefined) || r.results.some((x) => x.status === 'error' && ['account', 'internet'].includes(String(registry.get(x.kind)?.needs)));
  if (!transient) opts.cache?.put(key, r.selfReported === undefined ? { results: r.results } : { results: r.results, selfReported: r.selfReported });
  return r;
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout;
  const t = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** The batch header exporters read: the checks in spec order, hidden ones marked. */
export function batchHeader(spec: Spec, hiddenHash?: string): BatchResult['assignment'] {
  return {
    id: spec.id,
    title: spec.title,
    points: spec.points,
    ...(spec.due && { due: spec.due }),
    ...(spec.dueText && { dueText: spec.dueText }),
    specHash: spec.hash,
    ...(hiddenHash && { hiddenHash }),
    checks: spec.checks.map((c) => ({
      id: c.id,
      title: c.title ?? registry.get(c.kind)?.title(c.params as never) ?? c.kind,
      maxPoints: c.severity === 'warn' ? 0 : c.points,
      ...(c.extraCredit && { extraCredit: true }),
      ...(c.hidden && { hidden: true }),
    })),
  };
}
