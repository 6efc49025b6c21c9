// Git for the batch grader: raw spawn, not simple-git. simple-git sleeps 50 ms after every process
// that prints nothing (clone -q, fetch -q, read-tree), which is +25% on a batch
// (../shared/reference/PERF-BASELINES.md). Every process runs without a terminal prompt and with
// ssh in batch mode, so a private fork fails fast instead of waiting for a password.
import { ShellPool } from './shell.js';
import { ObjectError, ObjectStore, parseCommit, type CommitInfo } from './objects.js';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
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
const SAFE = ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-c', 'protocol.file.allow=always', '-c', 'credential.helper='];

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
const MISSING_RE = /not found|does not exist|does not appear to be a git repository|could not read (Username|Password)|Authentication failed|Permission denied|access denied|not exist/i;

function problem(r: GitRun): FetchProblem {
  const line = r.stderr.trim().split('\n').filter((l) => !/^(Cloning|remote: Enumerating)/.test(l)).pop() ?? `git exited with ${r.code}`;
  return MISSING_RE.test(r.stderr) ? { status: 'missing fork', reason: `the fork cannot be read (missing or private): ${line.replace(/^fatal: /, '')}` } : { status: 'clone failed', reason: line.replace(/^fatal: /, '') };
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

export interface CommitPick {
  commit: string;
  /** ISO committer time. */
  time: string;
}

/** `rev` (a commit, or the branch) — with `before`, the last commit whose committer date is at or before it. */
export async function pickCommit(mirror: string, rev: string, before?: string): Promise<CommitPick | { error: string }> {
  const args = ['--git-dir', mirror, 'log', '-1', '--format=%H %cI'];
  if (before) args.push(`--before=${before}`);
  const r = await git([...args, rev, '--']);
  const m = /^([0-9a-f]{40,64}) (\S+)/.exec(r.stdout.trim());
  if (r.code === 0 && m) return { commit: m[1], time: new Date(m[2]).toISOString() };
  if (r.code === 0) return { error: before ? `no commit on ${rev} at or before ${before}` : `no commit on ${rev}` };
  return { error: (r.stderr.trim().split('\n').pop() ?? 'git log failed').replace(/^fatal: /, '') };
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
 * The history reachable from `rev` (newest first, in git log's default order, at most `max`
 * commits), read from the repository's objects in this process: the commit to grade, its time and
 * its authors all come from this one walk. git's order: a queue by committer date, newest first,
 * where a commit goes behind every queued commit as new or newer than it.
 */
export async function history(
  mirror: string,
  rev: string,
  max = 20000,
  store = new ObjectStore(mirror),
  /** Commits already parsed (from any fork: a commit is the same wherever it is); new ones are added. */
  known = new Map<string, CommitInfo>(),
): Promise<Commit[] | { error: string }> {
  const tip = await resolveRev(mirror, rev);
  if (typeof tip !== 'string') return tip;
  try {
    // A branch of this fork points into it; a commit named from outside (the ledger's) may not be there.
    if (tip === rev && !store.has(tip)) throw new ObjectError(`object ${tip.slice(0, 12)} is not in the repository`);
    const read = (oid: string) => {
      const hit = known.get(oid);
      if (hit) return hit;
      const o = store.read(oid);
      if (o.type !== 'commit') throw new ObjectError(`${oid.slice(0, 12)} is a ${o.type}, not a commit`);
      const c = parseCommit(oid, o.data);
      known.set(oid, c);
      return c;
    };
    const out: Commit[] = [];
    const seen = new Set([tip]);
    const queue: CommitInfo[] = [read(tip)];
    while (queue.length && out.length < max) {
      const c = queue.shift()!;
      out.push({ hash: c.oid, parents: c.parents, time: new Date(c.time * 1000).toISOString(), email: c.authorEmail });
      for (const p of c.parents) {
        if (seen.has(p)) continue;
        seen.add(p);
        const pc = read(p);
        let i = 0;
        while (i < queue.length && queue[i].time >= pc.time) i++;
        queue.splice(i, 0, pc);
      }
    }
    return out;
  } catch (e) {
    if (e instanceof ObjectError) return { error: e.message };
    throw e;
  }
}

/** The first commit in git's order dated at or before `before` (what `git rev-list -1 --before` picks). */
export function lastBefore(commits: Commit[], before: Date): Commit | undefined {
  return commits.find((c) => Date.parse(c.time) <= before.getTime());
}

/** Author emails of the history of `from`, newest first (as `git log --format=%ae from`). */
export function authorsOf(commits: Commit[], from: string): string[] {
  const byHash = new Map(commits.map((c) => [c.hash, c]));
  const reach = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const h = stack.pop()!;
    if (reach.has(h) || !byHash.has(h)) continue;
    reach.add(h);
    stack.push(...byHash.get(h)!.parents);
  }
  return commits.filter((c) => reach.has(c.hash)).map((c) => c.email);
}
