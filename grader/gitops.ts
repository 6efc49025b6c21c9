// Git for the batch grader: raw spawn, not simple-git. simple-git sleeps 50 ms after every process
// that prints nothing (clone -q, fetch -q, read-tree), which is +25% on a batch
// (../shared/reference/PERF-BASELINES.md). Every process runs without a terminal prompt and with
// ssh in batch mode, so a private fork fails fast instead of waiting for a password.
import { ShellPool } from './shell.js';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
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
  await rm(tmp, { recursive: true, force: true });
  await mkdir(path.dirname(dir), { recursive: true });
  const r = await git(['clone', '-q', '--mirror', '--', url, tmp], { timeoutMs });
  if (r.code !== 0) {
    await rm(tmp, { recursive: true, force: true });
    return problem(r);
  }
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return undefined;
}

/** The default branch of a mirror (its HEAD), read from the file: no process. */
export async function defaultBranch(mirror: string): Promise<string> {
  const head = (await readFile(path.join(mirror, 'HEAD'), 'utf8')).trim();
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

/**
 * A work tree of its own for `commit`: a small hand-made .git (objects borrowed from the mirror
 * through `alternates`, the branch and its upstream both at the commit, `origin` the fork's URL),
 * then one `read-tree -u`. The result is a real clone as the student had it, so the git checks
 * (repository, committed, clean, pushed, author) judge the graded commit; no hooks, no config of
 * the student's is ever read.
 */
export async function checkout(mirror: string, work: string, commit: string, branch: string, url: string): Promise<string | undefined> {
  await rm(work, { recursive: true, force: true });
  const g = path.join(work, '.git');
  await mkdir(path.join(g, 'objects', 'info'), { recursive: true });
  await mkdir(path.join(g, 'refs', 'heads'), { recursive: true });
  await mkdir(path.join(g, 'refs', 'remotes', 'origin'), { recursive: true });
  const b = /^[A-Za-z0-9._/-]+$/.test(branch) && !branch.includes('..') ? branch : 'main';
  await mkdir(path.dirname(path.join(g, 'refs', 'heads', b)), { recursive: true });
  await mkdir(path.dirname(path.join(g, 'refs', 'remotes', 'origin', b)), { recursive: true });
  const q = (s: string) => s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '');
  await Promise.all([
    writeFile(path.join(g, 'HEAD'), `ref: refs/heads/${b}\n`),
    writeFile(path.join(g, 'objects', 'info', 'alternates'), `${path.resolve(mirror, 'objects')}\n`),
    writeFile(path.join(g, 'refs', 'heads', b), `${commit}\n`),
    writeFile(path.join(g, 'refs', 'remotes', 'origin', b), `${commit}\n`),
    writeFile(
      path.join(g, 'config'),
      `[core]\n\trepositoryformatversion = 0\n\tbare = false\n[remote "origin"]\n\turl = ${q(url)}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n[branch "${q(b)}"]\n\tremote = origin\n\tmerge = refs/heads/${b}\n`,
    ),
  ]);
  const r = await git(['read-tree', '--reset', '-u', 'HEAD'], { cwd: work, timeoutMs: 120_000 });
  if (r.code !== 0) return (r.stderr.trim().split('\n').pop() ?? 'checkout failed').replace(/^(fatal|error): /, '');
  return undefined;
}

export interface Commit {
  hash: string;
  parents: string[];
  /** ISO committer time. */
  time: string;
  email: string;
}

/**
 * The history reachable from `rev` (newest first, git's default order, at most `max` commits) in
 * one process: the commit to grade, its time and its authors all come from this one listing.
 */
export async function history(mirror: string, rev: string, max = 20000): Promise<Commit[] | { error: string }> {
  const r = await git(['--git-dir', mirror, 'log', `--max-count=${max}`, '--format=%H%x09%P%x09%cI%x09%ae', rev, '--']);
  if (r.code !== 0) return { error: (r.stderr.trim().split('\n').pop() ?? 'git log failed').replace(/^fatal: /, '') };
  const out: Commit[] = [];
  for (const line of r.stdout.split('\n')) {
    const [hash, parents, time, email] = line.split('\t');
    if (!hash || !time) continue;
    out.push({ hash, parents: parents ? parents.split(' ') : [], time: new Date(time).toISOString(), email: email ?? '' });
  }
  return out.length ? out : { error: `no commit on ${rev}` };
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
