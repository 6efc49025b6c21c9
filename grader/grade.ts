// `harness grade`: for each student choose the commit (or the Canvas upload) to grade, run the
// spec's checks on it (read straight from git objects, grader/checkrun.ts), apply the late policy,
// and hand the records to the exporters. One student's problem is that student's status; the batch
// goes on. A check that could not run (network, time limit, crash, a tool missing here, --offline)
// makes the student *incomplete*: no grade is written for them, and the next run re-runs exactly
// those checks. Results are cached per (student, commit or upload, spec + hidden checks, harness
// build, mirror), so a re-run, or a run restarted after a kill, does only the work not yet done,
// and ends with the same bytes.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
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
import { deadlineOf, acceptsLate } from './deadline.js';
import type { Attempt, BatchResult, CommitChoice, LatePenalty, LedgerEntry, RosterEntry, StudentResult } from './types.js';
import type { CanvasStudent } from './canvas.js';
import type { CourseFiles } from './layout.js';

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
  /** Forks being fetched ahead of their checks (the grade command starts them; else gradeBatch does). */
  fetches?: FetchAhead;
  /** The course's own files of the assignment, laid under each upload (zip grading). */
  courseFiles?: CourseFiles;
  /** Called as each student's result is known, unless it came whole from the cache. */
  onGraded?: (s: StudentResult) => void | Promise<void>;
  /** Stops one student's grading (clone, reading the commit, checks) after this long; default: every check's timeout plus 10 minutes. */
  studentTimeoutMs?: number;
}

/** What a batch did: `checked` is real checking work, `cached` results reused whole. */
export interface BatchStats {
  checked: number;
  cached: number;
}

export type Candidate = { entry: RosterEntry; upload?: CanvasStudent };

/** Errors of the grader's own disk: the run stops with one line, nothing is marked graded. */
export const DISK = new Set(['ENOSPC', 'EDQUOT', 'EROFS']);

export async function gradeBatch(students: Candidate[], opts: GradeOptions): Promise<{ students: StudentResult[]; stats: BatchStats }> {
  const g = new Grading(opts);
  try {
    return { students: await g.all(students), stats: g.stats };
  } finally {
    await g.close();
  }
}

/** One batch's state: its checker, caches, fetches and counters. */
class Grading {
  readonly stats: BatchStats = { checked: 0, cached: 0 };
  private readonly cache: BatchCache;
  private readonly fetches: FetchAhead;
  private readonly ownFetches: boolean;
  private py?: PythonWorker;
  private env?: CheckEnv;

  constructor(private readonly opts: GradeOptions) {
    this.cache = new BatchCache(opts.out);
    this.ownFetches = !opts.fetches;
    // Fetching runs ahead of checking (see FetchAhead); the command starts it before loading this module.
    this.fetches = opts.fetches ?? new FetchAhead([], opts.out, opts.jobs);
  }

  async all(students: Candidate[]): Promise<StudentResult[]> {
    const o = this.opts;
    const pool = new Semaphore(o.jobs ?? DEFAULT_JOBS);
    const bar = progress(students.length, 'grade', process.stderr, o.quiet);
    const limit = o.studentTimeoutMs ?? o.spec.checks.reduce((s, c) => s + c.timeout, 0) * 1000 + 600_000;
    // A student's own problem is that student's status; only a failure of the run itself (its
    // outputs cannot be written, its disk is full) stops it: no new student starts, and those
    // under way finish.
    let fatal: { error: unknown } | undefined;
    const out = await Promise.all(
      students.map((c) =>
        pool.run(async () => {
          if (fatal) return undefined;
          let r: Graded;
          try {
            r = await withTimeout(this.one(c), limit, () => ({
              result: {
                ...identityOf(c.entry),
                status: 'timed out' as const,
                reason: `grading took longer than ${Math.round(limit / 1000)}s and was stopped`,
                results: [],
                total: 0,
              },
              cached: false,
            }));
          } catch (error) {
            fatal ??= { error };
            return undefined;
          }
          try {
            if (o.onGraded && !r.cached && !fatal) await o.onGraded(r.result);
          } catch (error) {
            fatal ??= { error };
          }
          if (fatal) return undefined;
          const s = r.result;
          bar.done(
            c.entry.netid,
            s.status === 'graded',
            s.status === 'graded' ? `${s.total}/${o.spec.points}${s.late?.late ? ' (late)' : ''}` : `${s.status}: ${s.reason ?? ''}`,
          );
          return s;
        }),
      ),
    );
    if (fatal) throw fatal.error;
    bar.end();
    return (out as StudentResult[]).sort((a, b) => (a.netid < b.netid ? -1 : a.netid > b.netid ? 1 : 0));
  }

  async close(): Promise<void> {
    if (this.ownFetches) await this.fetches.stop(); // the command stops those it started
    this.py?.close();
    this.cache.close();
  }

  /** One student; a disk error of the grader's own is rethrown (it stops the run). */
  private async one(c: Candidate): Promise<Graded> {
    try {
      return c.upload ? await this.upload(c.entry, c.upload) : await this.fork(c.entry);
    } catch (e) {
      if (DISK.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
      return {
        result: {
          ...identityOf(c.entry),
          results: [],
          total: 0,
          status: 'error',
          reason: cleanPaths((e as Error).message ?? String(e), this.opts.out),
        },
        cached: false,
      };
    }
  }

  private async fork(entry: RosterEntry): Promise<Graded> {
    const o = this.opts;
    const base = { ...identityOf(entry), results: [], total: 0 };
    const done = (r: StudentResult): Graded => ({ result: r, cached: false });
    if (!entry.repo) return done({ ...base, status: 'missing fork', reason: 'the roster gives no repository URL for this student' });
    const mirror = mirrorDir(o.out, entry.netid);
    // A mirror made by `collect` is used as is: refresh it with collect, so a re-run fetches nothing.
    const bad = await (this.fetches.get(entry) ?? syncMirror(entry.repo, mirror, false));
    if (bad) return done({ ...base, status: bad.status, reason: bad.reason });
    const branch = await defaultBranch(mirror);
    const deadline = deadlineOf(o.spec, o.course, entry);
    const led = o.ledger?.get(entry.netid.toLowerCase());
    const store = new ObjectStore(mirror);
    const log = await openLog(mirror, led?.tip || led?.commit || branch, store, this.cache.commits);
    if ('error' in log) {
      return done({
        ...base,
        status: 'error',
        reason: `${led ? `the collected commit ${(led.tip || led.commit).slice(0, 12)} cannot be read: ` : ''}${log.error}${damaged(entry)}`,
      });
    }
    // The deadline is a rule, not a moment: the last commit at or before it (plus the student's
    // extension and the course's grace), whether `collect` chose it or it is chosen now; and, when
    // the course accepts late work, the later tip with its penalty if that scores more.
    const tries: { pick: Commit; choice: CommitChoice; lateAt: Date }[] = [];
    try {
      // The log is walked only as far as the choice needs (usually the tip alone).
      const tip = log.at(0)!;
      const choice: CommitChoice = led ? 'collected' : 'date-based';
      const onTime = deadline ? lastBefore(log, deadline) : tip;
      if (onTime) tries.push({ pick: onTime, choice, lateAt: new Date(onTime.time) });
      if (deadline && acceptsLate(o.course) && tip !== onTime) {
        // A commit surely existed when it was fetched, whatever date it claims.
        const at = led?.fetchedAt && Date.parse(led.fetchedAt) < Date.parse(tip.time) ? new Date(led.fetchedAt) : new Date(tip.time);
        tries.push({ pick: tip, choice: 'later', lateAt: at });
      }
      if (!tries.length)
        return done({ ...base, status: 'error', reason: `no commit on ${branch} at or before the deadline, ${deadline!.toISOString()}` });
    } catch (e) {
      if (!(e instanceof ObjectError)) throw e;
      return done({ ...base, status: 'error', reason: `${e.message}${damaged(entry)}` });
    }
    // With a later commit too, the student gets whichever scores more after its penalty.
    const generation = mirrorGeneration(mirror);
    const attempts: { s: StudentResult; cached: boolean }[] = [];
    for (const t of tries) {
      const late = latePenalty(t.lateAt, o.spec.due ? new Date(o.spec.due) : undefined, entry.extensionMinutes, o.course.late);
      const r = await this.evaluate({ kind: 'fork', entry, mirror, branch, commit: t.pick.hash }, generation, store);
      const at = { commit: t.pick.hash, choice: t.choice, commitTime: t.pick.time };
      const s: StudentResult =
        'error' in r ? { ...base, status: 'error', reason: `${r.error}${damaged(entry)}`, ...at } : this.finish(base, r, late, at);
      attempts.push({ s, cached: 'error' in r ? false : r.cached === true });
    }
    const best = pickBest(attempts.map((a) => a.s));
    if (attempts.length > 1 && best.status === 'graded') best.attempts = attempts.map((a) => attemptOf(a.s, a.s === best));
    return { result: best, cached: attempts.every((a) => a.cached) };
  }

  private async upload(entry: RosterEntry, up: CanvasStudent): Promise<Graded> {
    const o = this.opts;
    const base = { ...identityOf(entry), results: [], total: 0 };
    if (!up.dir || up.files.length === 0)
      return { result: { ...base, status: 'error', reason: up.problem ?? 'the upload held no files', choice: 'zip' }, cached: false };
    // The upload's identity is its content: a hash of every file's name and bytes (before the
    // course's own files are laid under it; their hash is part of the cache key).
    const h = createHash('sha256');
    for (const f of up.files)
      h.update(f)
        .update('\0')
        .update(await readFile(path.join(up.dir, f)))
        .update('\0');
    const commit = h.digest('hex');
    await o.courseFiles?.layUnder(up.dir);
    // Canvas marks an upload LATE without saying how late: counted as one day late (one day's
    // penalty, the least a late upload can cost), and the feedback says that is how it was counted.
    const due = o.spec.due ? new Date(o.spec.due) : undefined;
    const late: LatePenalty =
      up.late && due
        ? {
            ...latePenalty(
              new Date(due.getTime() + (entry.extensionMinutes + o.course.late.graceMinutes + 1440) * 60_000),
              due,
              entry.extensionMinutes,
              o.course.late,
            ),
            flagOnly: true,
          }
        : { late: up.late, minutesLate: 0, penaltyPercent: 0 };
    const r = await this.evaluate({ kind: 'zip', entry, dir: up.dir, commit }, o.courseFiles?.hash ?? '');
    if ('error' in r) return { result: { ...base, status: 'error', reason: r.error, choice: 'zip' }, cached: false };
    const s = this.finish(base, r, late, { commit, choice: 'zip' });
    if (up.problem && s.status === 'graded') s.reason = up.problem;
    return { result: s, cached: r.cached === true };
  }

  private finish(base: Omit<StudentResult, 'status'>, r: Evaluated, late: LatePenalty, at: Partial<StudentResult>): StudentResult {
    const summary = summarize(r.results);
    const total = applyPenalty(summary.points + summary.extraCreditPoints, this.opts.spec.points, late);
    const s: StudentResult = { ...base, status: 'graded', ...at, late, results: r.results, summary, total };
    if (r.selfReported !== undefined) s.selfReported = r.selfReported;
    const leak = leakOf(r.results);
    if (leak) s.leak = leak;
    const faults = faultsOf(r.results, this.opts.spec);
    if (faults.length) {
      s.status = 'incomplete';
      s.reason = incompleteReason(faults);
    }
    return s;
  }

  /**
   * The results for one commit or upload: from the cache when complete; otherwise checked, with
   * the earlier run's verdicts kept and only the checks that could not run tried again.
   */
  private async evaluate(job: CheckJob, source: string, store?: ObjectStore): Promise<Evaluated | { error: string }> {
    const o = this.opts;
    const entry = job.entry;
    const key = JSON.stringify([
      entry.netid,
      entry.email ?? '',
      job.kind,
      job.commit,
      o.spec.hash,
      o.hiddenHash ?? '',
      o.version,
      o.offline === true,
      source,
    ]);
    const hit = this.cache.get<Evaluated>(key);
    const complete = hit && Array.isArray(hit.results) && !faultsOf(hit.results, o.spec).length;
    if (hit && complete) {
      this.stats.cached++;
      return { results: hit.results, selfReported: hit.selfReported, cached: true };
    }
    const r = await this.check(job, store, hit && Array.isArray(hit.results) ? hit.results : undefined);
    if ('error' in r) return r;
    this.stats.checked++;
    // Incomplete results are kept too: the next run re-runs only the checks that could not run.
    this.cache.put(key, r.selfReported === undefined ? { results: r.results } : { results: r.results, selfReported: r.selfReported });
    return r;
  }

  /** Runs students' checks in this process, with one python3 shared by every student. */
  private check(job: CheckJob, store?: ObjectStore, reuse?: CheckResult[]): Promise<Checked | { error: string }> {
    if (!this.env) {
      const o = this.opts;
      this.py = new PythonWorker(o.python ?? 'python3');
      this.env = {
        spec: o.spec,
        course: o.course,
        out: o.out,
        python: o.python,
        offline: o.offline,
        aws: o.aws,
        compilePython: this.py.compile,
        commits: this.cache.commits,
      };
    }
    return checkSource(job, this.env, store, reuse);
  }
}

interface Graded {
  result: StudentResult;
  /** Reused whole from the cache: its outputs were written by the run that made it. */
  cached: boolean;
}

interface Evaluated {
  results: CheckResult[];
  selfReported?: unknown;
  cached?: boolean;
}

function identityOf(e: RosterEntry): Pick<StudentResult, 'netid' | 'name' | 'canvasId' | 'sisUserId' | 'sisLoginId' | 'section'> {
  const r: ReturnType<typeof identityOf> = { netid: e.netid, name: e.name };
  for (const k of ['canvasId', 'sisUserId', 'sisLoginId', 'section'] as const) if (e[k]) r[k] = e[k];
  return r;
}

/** The fix for an unreadable fork copy: the mirror is the grader's own, and can be fetched again. */
const damaged = (e: RosterEntry) =>
  ` (if the grader's copy is damaged: delete .mirrors/${e.netid.toLowerCase()}.git in the output folder, then collect or grade again)`;

/**
 * Which copy of the fork the results came from: a mirror fetched again or cloned anew (repaired)
 * is a new source, so results read from a damaged copy are never kept.
 */
function mirrorGeneration(mirror: string): string {
  try {
    const d = statSync(mirror);
    const p = statSync(path.join(mirror, 'objects', 'pack'));
    return `${d.ino}:${p.ino}:${Math.round(p.mtimeMs)}`;
  } catch {
    return '';
  }
}

/** The checks that could not reach a verdict and matter to the grade (warnings never do). */
export function faultsOf(results: CheckResult[], spec: Spec): CheckResult[] {
  const warn = new Set(spec.checks.filter((c) => c.severity === 'warn').map((c) => c.id));
  return results.filter((r) => r.fault !== undefined && !warn.has(r.id));
}

const CAUSE: Record<string, string> = {
  offline: 'not judged: graded with --offline',
  network: 'the network or service could not be reached',
  timeout: 'a time limit passed',
  crash: 'the check crashed',
  environment: 'a tool is missing on the grading machine',
};

/** "2 checks could not run: q7-public, q7-website (the network or service could not be reached)". */
function incompleteReason(faults: CheckResult[]): string {
  // Checks skipped only because one they depend on could not run are counted with their cause.
  const roots = faults.filter((f) => f.status === 'error' || !/^needs "/.test(f.reason ?? '')).map((f) => f.id);
  const ids = roots.length ? roots : faults.map((f) => f.id);
  const causes = [...new Set(faults.map((f) => CAUSE[f.fault!] ?? f.fault))];
  return `${ids.length} check${ids.length === 1 ? '' : 's'} could not run: ${ids.slice(0, 6).join(', ')}${ids.length > 6 ? ', …' : ''} (${causes.join('; ')}); grade again to retry them`;
}

/** A committed secret, masked, for the leaked-key flag (from the secret scan's result). */
function leakOf(results: CheckResult[]): string | undefined {
  const r = results.find((x) => x.kind === 'secrets.scan' && x.status === 'fail');
  if (!r) return undefined;
  return (r.actual ?? r.rationale ?? '').split('\n')[0];
}

/** The attempt to report: incomplete if any attempt is (its result could still be the best), else the highest total. */
function pickBest(all: StudentResult[]): StudentResult {
  const incomplete = all.find((s) => s.status === 'incomplete');
  if (incomplete) return incomplete;
  let best = all[0];
  for (const s of all.slice(1)) if (s.status === 'graded' && (best.status !== 'graded' || s.total > best.total)) best = s;
  return best;
}

function attemptOf(s: StudentResult, chosen: boolean): Attempt {
  return {
    commit: s.commit ?? '',
    ...(s.commitTime && { commitTime: s.commitTime }),
    score: s.summary ? Math.round((s.summary.points + s.summary.extraCreditPoints) * 100) / 100 : 0,
    penaltyPercent: s.late?.late ? s.late.penaltyPercent : 0,
    total: s.total,
    chosen,
  };
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
