// Git for the batch grader: mirrors cloned and fetched by git itself, started from a few
// long-lived shells (shell.ts, decision 0012: a spawn from node costs the grader's one thread
// several ms each); refs and history read from the mirror's files and objects, with no process.
// Every git runs without a terminal prompt and with ssh in batch mode, so a private fork fails
// fast instead of waiting for a password.
import { ShellPool } from './shell.js';
import { ObjectError, ObjectStore, parseCommit, type CommitInfo } from './objects.js';
import { mkdir, rename, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface GitRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The instructor's environment as it was at start-up (the grader later scrubs process.env). */
let fetchEnv: NodeJS.ProcessEnv | undefined;
export function setFetchEnv(env: NodeJS.ProcessEnv): void {
  fetchEnv = env;
}

function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(fetchEnv ?? process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return {
    ...env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
    GIT_SSH_COMMAND: 'ssh -o BatchMode=yes -o ConnectTimeout=20',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_OPTIONAL_LOCKS: '0',
    LC_ALL: 'C',
  };
}

/** Settings that make a fork's own content harmless: no hooks, no fsmonitor program, no filters from us. */
const SAFE = [
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'protocol.file.allow=always',
  '-c',
  'credential.helper=',
];

let pool: ShellPool | undefined;

/** Runs git through the shell pool (see shell.ts): never from node's own thread. */
export async function git(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<GitRun> {
  pool ??= new ShellPool(8, gitEnv);
  const r = await pool.run(['git', ...(opts.cwd ? ['-C', opts.cwd] : []), ...SAFE, ...args], opts.timeoutMs);
  return r;
}

/** Ends the shells (they also end by themselves when the grader exits). */
export function closeGit(): void {
  pool?.close();
  pool = undefined;
}

export type FetchProblem = { status: 'missing fork' | 'clone failed'; reason: string };

/** "Repository not found", "could not read Username" (a private HTTPS repo), "Permission denied (publickey)". */
const MISSING_RE =
  /not found|does not exist|does not appear to be a git repository|could not read (Username|Password)|Authentication failed|Permission denied|access denied|not exist/i;

/** The grader's own disk refused git's writes: the run's problem, thrown with the errno it means. */
const NO_SPACE = /No space left on device|Disk quota exceeded|Read-only file system/i;

function problem(r: GitRun): FetchProblem {
  const disk = NO_SPACE.exec(r.stderr);
  if (disk)
    throw Object.assign(new Error(`git: ${disk[0]}`), {
      code: /quota/i.test(disk[0]) ? 'EDQUOT' : /read-only/i.test(disk[0]) ? 'EROFS' : 'ENOSPC',
    });
  const line =
    r.stderr
      .trim()
      .split('\n')
      .filter((l) => !/^(Cloning|remote: Enumerating)/.test(l))
      .pop() ?? `git exited with ${r.code}`;
  return MISSING_RE.test(r.stderr)
    ? { status: 'missing fork', reason: `the fork cannot be read (missing or private): ${line.replace(/^fatal: /, '')}` }
    : { status: 'clone failed', reason: line.replace(/^fatal: /, '') };
}

/**
 * A bare mirror of `url` at `dir`: cloned the first time (into a temp name, renamed when complete,
 * so a run killed mid-clone never leaves a half mirror), fetched with --prune when `refresh`.
 */
export async function syncMirror(url: string, dir: string, refresh: boolean, timeoutMs = 300_000): Promise<FetchProblem | undefined> {
  if (existsSync(path.join(dir, 'HEAD'))) {
    if (!refresh) return undefined;
    const r = await git(['--git-dir', dir, 'fetch', '-q', '--prune', 'origin'], { timeoutMs });
    return r.code === 0 ? undefined : problem(r);
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  if (existsSync(tmp)) await rm(tmp, { recursive: true, force: true });
  if (!existsSync(path.dirname(dir))) await mkdir(path.dirname(dir), { recursive: true });
  // No template: a mirror needs no sample hooks, and skipping them is a third of a local clone's work.
  const r = await git(['clone', '-q', '--mirror', '--template=', '--', url, tmp], { timeoutMs });
  if (r.code !== 0) {
    await rm(tmp, { recursive: true, force: true });
    return problem(r);
  }
  if (existsSync(dir)) await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return undefined;
}

/** The default branch of a mirror (its HEAD), read from the file: no process. */
export async function defaultBranch(mirror: string): Promise<string> {
  const head = readFileSync(path.join(mirror, 'HEAD'), 'utf8').trim();
  return head.startsWith('ref: refs/heads/') ? head.slice('ref: refs/heads/'.length) : 'main';
}

export interface Commit {
  hash: string;
  parents: string[];
  /** ISO committer time. */
  time: string;
  email: string;
}

/** What a name means in a bare repository: a full commit name as is, else a branch (loose or packed ref). */
export async function resolveRev(gitdir: string, rev: string): Promise<string | { error: string }> {
  if (/^[0-9a-f]{40}$/.test(rev)) return rev;
  if (!/^[A-Za-z0-9._/-]+$/.test(rev) || rev.includes('..')) return { error: `not a branch name: ${rev}` };
  let ref = `refs/heads/${rev}`;
  for (let hops = 0; hops < 5; hops++) {
    const loose = readText(path.join(gitdir, ref));
    const value = loose?.trim() ?? packedRef(readText(path.join(gitdir, 'packed-refs')) ?? '', ref);
    if (value === undefined) break;
    if (/^[0-9a-f]{40}$/.test(value)) return value;
    if (!value.startsWith('ref: ')) break;
    ref = value.slice(5);
  }
  return { error: `no commit on ${rev}` };
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function packedRef(text: string, ref: string): string | undefined {
  for (const line of text.split('\n')) if (line.length > 41 && line.slice(41) === ref) return line.slice(0, 40);
  return undefined;
}

/**
 * `git log`'s default order from one commit, read from the repository's objects in this process
 * and walked only as far as asked: choosing the commit to grade usually needs the tip alone. git's
 * order: a queue by committer date, newest first, where a commit goes behind every queued commit as
 * new or newer than it. A commit that cannot be read throws ObjectError when the walk reaches it.
 */
export class LogWalk implements Iterable<Commit> {
  private out: Commit[] = [];
  private queue: CommitInfo[];
  private seen: Set<string>;

  constructor(
    private readonly read: (oid: string) => CommitInfo,
    tip: string,
    private readonly max = 20000,
  ) {
    this.seen = new Set([tip]);
    this.queue = [read(tip)];
  }

  private step(): boolean {
    const c = this.queue.shift();
    if (!c || this.out.length >= this.max) return false;
    this.out.push({ hash: c.oid, parents: c.parents, time: isoTime(c), email: c.authorEmail });
    for (const p of c.parents) {
      if (this.seen.has(p)) continue;
      this.seen.add(p);
      const pc = this.read(p);
      let i = 0;
      while (i < this.queue.length && this.queue[i].time >= pc.time) i++;
      this.queue.splice(i, 0, pc);
    }
    return true;
  }

  /** The i-th commit in log order (0 is the tip), or undefined past the end. */
  at(i: number): Commit | undefined {
    while (this.out.length <= i && this.step());
    return this.out[i];
  }

  *[Symbol.iterator](): Iterator<Commit> {
    for (let i = 0; ; i++) {
      const c = this.at(i);
      if (!c) return;
      yield c;
    }
  }
}

/** Commit dates a student can write are untrusted: one no calendar holds is that student's error. */
const MAX_SECONDS = 8.64e12; // what a JavaScript Date can hold, either side of 1970

function isoTime(c: CommitInfo): string {
  if (!Number.isFinite(c.time) || Math.abs(c.time) > MAX_SECONDS)
    throw new ObjectError(`commit ${c.oid.slice(0, 12)} has an impossible date (${c.time} seconds since 1970)`);
  return new Date(c.time * 1000).toISOString();
}

/** Reads commits from `store`, remembering them in `known` (a commit is the same in every fork). */
export function commitReader(store: ObjectStore, known = new Map<string, CommitInfo>()): (oid: string) => CommitInfo {
  return (oid) => {
    const hit = known.get(oid);
    if (hit) return hit;
    const o = store.read(oid);
    if (o.type !== 'commit') throw new ObjectError(`${oid.slice(0, 12)} is a ${o.type}, not a commit`);
    const c = parseCommit(oid, o.data);
    known.set(oid, c);
    return c;
  };
}

/**
 * The log from `rev` (a branch, or a commit named from outside such as the ledger's), lazily; or
 * why there is none. A branch of this fork points into it; a named commit must be in the fork.
 */
export async function openLog(
  mirror: string,
  rev: string,
  store: ObjectStore,
  known?: Map<string, CommitInfo>,
  max?: number,
): Promise<LogWalk | { error: string }> {
  const tip = await resolveRev(mirror, rev);
  if (typeof tip !== 'string') return tip;
  try {
    if (tip === rev && !store.has(tip)) throw new ObjectError(`object ${tip.slice(0, 12)} is not in the repository`);
    return new LogWalk(commitReader(store, known), tip, max);
  } catch (e) {
    if (e instanceof ObjectError) return { error: e.message };
    throw e;
  }
}

/** The whole log from `rev` (at most `max` commits): what `git log --format=%H rev` lists. */
export async function history(
  mirror: string,
  rev: string,
  max = 20000,
  store = new ObjectStore(mirror),
  /** Commits already parsed (from any fork); new ones are added. */
  known = new Map<string, CommitInfo>(),
): Promise<Commit[] | { error: string }> {
  const log = await openLog(mirror, rev, store, known, max);
  if ('error' in log) return log;
  try {
    return [...log];
  } catch (e) {
    if (e instanceof ObjectError) return { error: e.message };
    throw e;
  }
}

/** The first commit in git's order dated at or before `before` (what `git rev-list -1 --before` picks). */
export function lastBefore(commits: Iterable<Commit>, before: Date): Commit | undefined {
  for (const c of commits) if (Date.parse(c.time) <= before.getTime()) return c;
  return undefined;
}

/** Author emails along a log, newest first (as `git log --format=%ae`); re-iterable, lazy. */
export function emailsOf(log: LogWalk): Iterable<string> {
  return {
    *[Symbol.iterator]() {
      for (const c of log) yield c.email;
    },
  };
}
