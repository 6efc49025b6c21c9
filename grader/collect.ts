// `harness collect`: fetch every fork into a cache of bare mirrors and record, in the ledger, the
// commit `grade` chooses for each student (the last one at or before the deadline rule: due date
// plus extension plus grace, by commit date), the branch's tip (for the late policy) and when it
// was fetched. The rule is the same whenever collect runs, so collecting never changes a grade;
// it pins what was fetched, so a re-run of `grade` grades the same commits. A fork that cannot be
// fetched, or whose history cannot be read, is that student's problem; the batch goes on.
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../lib/errors.js';
import { processAlive } from '../lib/util/tmpfiles.js';
import { Semaphore } from '../lib/util/semaphore.js';
import { appendLedger, LEDGER_FILE } from './ledger.js';
import { defaultBranch, lastBefore, openLog, syncMirror, type FetchProblem } from './gitops.js';
import { ObjectError, ObjectStore } from './objects.js';
import { deadlineOf } from './deadline.js';
import type { Course } from '../lib/course.js';
import type { Spec } from '../lib/types.js';
import { trace } from '../lib/util/trace.js';
import { progress } from './progress.js';
import type { LedgerEntry, RosterEntry } from './types.js';

/** docs/reference/perf-baselines.md: above 4 in parallel gains nothing on these machines (the kernel is the limit). */
export const DEFAULT_JOBS = 4;

export const mirrorDir = (out: string, netid: string) => path.join(out, '.mirrors', `${netid.toLowerCase()}.git`);

/**
 * Removes half-made clones (`<netid>.git.tmp-<pid>`) left by a run that was killed mid-clone; a
 * clone still being made by a live process (a concurrent run) is left alone. A `.mirrors` that is
 * not a readable folder stops the run with what to do (every student would fail on it).
 */
export function sweepDeadClones(out: string): void {
  const dir = path.join(out, '.mirrors');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new UserError(
      `the output folder's .mirrors (the grader's copies of the forks) cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      `remove ${dir} (it holds only copies, fetched again on the next run), then run the command again`,
    );
  }
  for (const name of names) {
    const m = /\.git\.tmp-(\d+)$/.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

/**
 * Fetches every fork (that has no mirror yet) on a pool of its own (twice `jobs` at a time), in
 * roster order; uploads are skipped. Grading runs ahead of its checks this way: git keeps the other
 * core busy while node checks the students already fetched, and no student holds a grading slot
 * through both. Each fetch is awaited, and its error reported, by that student's grading.
 */
export class FetchAhead {
  private readonly fetches = new Map<RosterEntry, Promise<FetchProblem | undefined>>();
  private stopped = false;

  constructor(students: { entry: RosterEntry; upload?: unknown }[], out: string, jobs = DEFAULT_JOBS) {
    sweepDeadClones(out);
    // Twice as many clones as students checked at once: a clone waits on its processes more than it
    // computes, and the checks keep up (200 forks, quiet machine: 4 at once 1.11-1.18 s, 8 at once
    // 1.09-1.15 s; busy: no difference).
    const pool = new Semaphore(jobs * 2);
    for (const { entry, upload } of students) {
      const url = entry.repo;
      if (upload || !url) continue;
      const p = pool.run(async () => (this.stopped ? STOPPED : syncMirror(url, mirrorDir(out, entry.netid), false)));
      if (!this.fetches.size) trace('grade: first fetch queued');
      p.catch(() => {});
      this.fetches.set(entry, p);
    }
  }

  get(entry: RosterEntry): Promise<FetchProblem | undefined> | undefined {
    return this.fetches.get(entry);
  }

  /** Starts no more fetches, and waits for those under way (a run that stops early leaves no git behind). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled(this.fetches.values());
  }
}

const STOPPED: FetchProblem = { status: 'clone failed', reason: 'the run stopped before this fork was fetched' };

export interface CollectOptions {
  spec: Spec;
  course: Course;
  out: string;
  jobs?: number;
  quiet?: boolean;
  now?: () => Date;
}

export async function collect(roster: RosterEntry[], opts: CollectOptions): Promise<LedgerEntry[]> {
  sweepDeadClones(opts.out);
  const ledger = path.join(opts.out, LEDGER_FILE);
  const pool = new Semaphore(opts.jobs ?? DEFAULT_JOBS);
  const bar = progress(roster.length, 'collect', process.stderr, opts.quiet);
  const now = opts.now ?? (() => new Date());
  const entries = await Promise.all(
    roster.map((s) =>
      pool.run(async () => {
        const base = { netid: s.netid, assignment: opts.spec.id, repo: s.repo ?? '', commit: '', branch: '' };
        let entry: LedgerEntry;
        if (!s.repo) {
          entry = { ...base, fetchedAt: now().toISOString(), problem: 'missing fork: the roster gives no repository URL' };
        } else {
          const dir = mirrorDir(opts.out, s.netid);
          const bad = await syncMirror(s.repo, dir, true);
          const fetchedAt = now().toISOString();
          if (bad) entry = { ...base, fetchedAt, problem: `${bad.status}: ${bad.reason}` };
          else {
            const branch = await defaultBranch(dir);
            const pick = await choose(dir, branch, deadlineOf(opts.spec, opts.course, s));
            entry =
              'error' in pick
                ? { ...base, branch, fetchedAt, problem: `error: ${pick.error}` }
                : { ...base, branch, fetchedAt, commit: pick.commit, tip: pick.tip };
          }
        }
        await appendLedger(ledger, entry);
        bar.done(
          s.netid,
          !entry.problem,
          entry.problem ??
            `${entry.branch} ${entry.commit ? entry.commit.slice(0, 12) : 'no commit before the deadline'}${entry.tip && entry.tip !== entry.commit ? ` (tip ${entry.tip.slice(0, 12)}, later)` : ''}`,
        );
        return entry;
      }),
    ),
  );
  bar.end();
  return entries;
}

/**
 * The commit the deadline rule chooses on `branch` ('' when every commit is later) and the tip;
 * or why the history cannot be read (a damaged fork, a commit with an impossible date).
 */
async function choose(
  mirror: string,
  branch: string,
  deadline: Date | undefined,
): Promise<{ commit: string; tip: string } | { error: string }> {
  const log = await openLog(mirror, branch, new ObjectStore(mirror));
  if ('error' in log) return log;
  try {
    const tip = log.at(0)!.hash;
    return { commit: deadline ? (lastBefore(log, deadline)?.hash ?? '') : tip, tip };
  } catch (e) {
    if (e instanceof ObjectError) return { error: e.message };
    throw e;
  }
}
