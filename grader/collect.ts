// `harness collect`: fetch every fork into a cache of bare mirrors and pin, in the ledger, the tip
// of each student's default branch as it was when fetched. Run at the deadline, this records "the
// commit at the deadline" on the instructor's clock; commit dates, which students can forge, play
// no part. A fork that cannot be fetched is that student's problem; the batch goes on.
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../lib/errors.js';
import { Semaphore } from '../lib/util/semaphore.js';
import { appendLedger, LEDGER_FILE } from './ledger.js';
import { defaultBranch, syncMirror, tipOf, type FetchProblem } from './gitops.js';
import { trace } from '../lib/util/trace.js';
import { progress } from './progress.js';
import type { LedgerEntry, RosterEntry } from './types.js';

/** PERF-BASELINES: above 4 in parallel gains nothing on these machines (the kernel is the limit). */
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
    if (!m || alive(Number(m[1]))) continue;
    rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
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
  assignment: string;
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
        const base = { netid: s.netid, assignment: opts.assignment, repo: s.repo ?? '', commit: '', branch: '' };
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
            const tip = await tipOf(dir, branch);
            entry = typeof tip !== 'string' ? { ...base, branch, fetchedAt, problem: `error: ${tip.error}` } : { ...base, branch, fetchedAt, commit: tip };
          }
        }
        await appendLedger(ledger, entry);
        bar.done(s.netid, !entry.problem, entry.problem ?? `${entry.branch} ${entry.commit.slice(0, 12)}`);
        return entry;
      }),
    ),
  );
  bar.end();
  return entries;
}
