// Git for the git checks and the secrets scan: a few read-only commands run with node's spawn
// (decision 0011: simple-git cost 10-15 ms of loading and a 50 ms sleep after any silent command,
// for features these five commands do not use). A process ends on `close`, after all its output
// was read.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { CannotJudge, Failure } from './errors.js';
import type { CheckContext } from './context.js';

export interface GitOutput {
  stdout: string;
  stderr: string;
  /** Process exit code; negative when git could not be started. */
  code: number;
}

/** `git` is not installed (or not on PATH): checks skip rather than fail. */
export class GitMissing extends CannotJudge {
  constructor() {
    super('git is not installed or not on PATH, so the git checks cannot run here.');
  }
}

/** Every git process: never prompt, never take optional locks, C-locale messages (and --no-pager). */
const GIT_ENV = { GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };
/**
 * `core.fsmonitor=false`: a repository's own config could name a program to run on `git status`.
 * `core.quotePath=false`: readable names in any output that is not `-z`.
 */
const GIT_CONFIG = ['core.quotePath=false', 'core.fsmonitor=false', 'color.ui=false'];

/**
 * process.env without every GIT_* variable (GIT_DIR from a hook would point git at the wrong
 * repository) and without the pager, editor and askpass programs (git must never start one).
 */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    const key = k.toLowerCase();
    if (!key.startsWith('git_') && !GUARDED.has(key)) env[k] = v;
  }
  return { ...env, ...GIT_ENV };
}
const GUARDED = new Set(['pager', 'prefix', 'ssh_askpass', 'visual', 'editor']);

/**
 * Runs `git args` in `cwd` and returns its output whatever the exit code. Throws GitMissing when git
 * cannot be started, and rethrows an abort. `input` is written to git's standard input.
 */
export async function runGit(cwd: string, args: string[], opts: { input?: string; signal?: AbortSignal } = {}): Promise<GitOutput> {
  opts.signal?.throwIfAborted();
  const argv = [...GIT_CONFIG.flatMap((c) => ['-c', c]), '--no-pager', ...args];
  const out = await new Promise<GitOutput | { error: NodeJS.ErrnoException }>((resolve) => {
    const child = spawn('git', argv, { cwd, env: childEnv(), signal: opts.signal, windowsHide: true, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => stdout.push(d));
    child.stderr!.on('data', (d: Buffer) => stderr.push(d));
    // A failed start or an abort is an 'error' (whatever follows it); 'close' comes after all output was read.
    child.on('error', (error) => resolve({ error }));
    child.on('close', (code, signal) => {
      resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), code: code ?? 128 + (signal ? osConstants.signals[signal] : 0) });
    });
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => {}); // git may exit before reading it all; its exit code says why
      child.stdin!.end(opts.input);
    }
  });
  opts.signal?.throwIfAborted();
  if ('error' in out) {
    // ENOENT is git missing from PATH, or a folder that is not there.
    if (out.error.code === 'ENOENT' && !existsSync(cwd)) throw new Error(`git cannot run in ${cwd}: the folder does not exist`);
    if (out.error.code === 'ENOENT') throw new GitMissing();
    throw new Error(`git could not be started: ${out.error.message}`);
  }
  return out;
}

/** Like runGit, but a non-zero exit is an Error carrying git's message. */
export async function gitText(cwd: string, args: string[], opts: { input?: string; signal?: AbortSignal } = {}): Promise<string> {
  const out = await runGit(cwd, args, opts);
  if (out.code !== 0) throw new Error(firstLine(out.stderr) || `git ${args[0]} exited with ${out.code}`);
  return out.stdout;
}

export function firstLine(s: string): string {
  return s.trim().split('\n')[0]?.trim() ?? '';
}

// ---- Facts, cached per process (several checks in one run ask for the same ones) ----

const cache = new Map<string, Promise<unknown>>();

function cached<T>(key: string, make: () => Promise<T>): Promise<T> {
  let p = cache.get(key) as Promise<T> | undefined;
  if (!p) {
    p = make();
    cache.set(key, p);
    p.catch(() => cache.delete(key)); // an abort or a crash should not stick
  }
  return p;
}

/** Forgets every cached fact (tests change repositories between checks). */
export function clearGitCache(): void {
  cache.clear();
}

/**
 * Facts about a repository its maker knows without asking git: the batch grader shows each
 * student's commit straight from its objects, under a path that exists only in memory
 * (grader/tree.ts), as a fresh checkout of that commit would look (on its branch, level with its
 * upstream, nothing changed). The git checks read these facts; git could not look there at all.
 * `forgetRepo` drops them afterwards.
 */
export interface KnownRepo {
  /** The root of the commit's files (a made-up path). */
  root: string;
  /** Folders (absolute) the checks will ask about, each with its prefix ('' or ending in '/'). */
  dirs: { dir: string; prefix: string }[];
  remotes: Record<string, string>;
  status: RepoStatus;
  /** Author emails of the history, newest first; may be lazy (walked only as far as a check asks). */
  authors: Iterable<string>;
  /** Every tracked path, relative to the root. */
  tracked: string[];
}
const known = new Map<string, { tracked: Set<string>; keys: string[] }>();
const knownAuthors = new Map<string, Iterable<string>>();

export function primeRepo(k: KnownRepo): void {
  const keys: string[] = [];
  const put = (key: string, v: unknown) => {
    cache.set(key, Promise.resolve(v));
    keys.push(key);
  };
  for (const { dir, prefix } of k.dirs) {
    put(`repo:${dir}`, { ok: true, root: k.root, prefix });
    for (const [name, url] of Object.entries(k.remotes)) put(`remote:${dir}:${name}`, url);
    known.set(dir, { tracked: new Set(k.tracked.filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length))), keys: [] });
  }
  for (const [name, url] of Object.entries(k.remotes)) put(`remote:${k.root}:${name}`, url);
  put(`status:${k.root}`, k.status);
  knownAuthors.set(k.root, k.authors);
  put(`ls-files:${k.root}`, k.tracked);
  known.set(k.root, { tracked: new Set(k.tracked), keys });
}

export function forgetRepo(root: string, dirs: string[] = []): void {
  for (const key of known.get(root)?.keys ?? []) cache.delete(key);
  knownAuthors.delete(root);
  cache.delete(`authors:${root}`);
  known.delete(root);
  for (const d of dirs) known.delete(d);
}

export type RepoInfo =
  | { ok: true; root: string; /** The folder relative to the root, '' or ending in '/'. */ prefix: string }
  | { ok: false; reason: 'not-repo' | 'bare' | 'not-work-tree' | 'dubious'; message: string };

/** Where `dir` sits in git: the work tree's root and the folder's prefix, or why there is none. */
export function repoInfo(dir: string, signal?: AbortSignal): Promise<RepoInfo> {
  return cached(`repo:${dir}`, async (): Promise<RepoInfo> => {
    // The first two always print when in a repository; --show-toplevel fails outside a work tree.
    const out = await runGit(dir, ['rev-parse', '--is-bare-repository', '--is-inside-work-tree', '--show-toplevel', '--show-prefix'], { signal });
    const lines = out.stdout.split('\n');
    const message = firstLine(out.stderr);
    if (out.code === 0 && lines[1] === 'true') return { ok: true, root: lines[2], prefix: lines[3] ?? '' };
    if (/dubious ownership/.test(out.stderr)) return { ok: false, reason: 'dubious', message };
    if (lines[0] === 'true') return { ok: false, reason: 'bare', message };
    if (lines[1] === 'false') return { ok: false, reason: 'not-work-tree', message };
    return { ok: false, reason: 'not-repo', message };
  });
}

/** The URL of remote `name`, or undefined when there is no such remote. */
export function remoteUrl(root: string, name: string, signal?: AbortSignal): Promise<string | undefined> {
  return cached(`remote:${root}:${name}`, async () => {
    // `git remote get-url` prints the URL, or an error on stderr: never silent.
    const out = await runGit(root, ['remote', 'get-url', '--', name], { signal });
    return out.code === 0 ? out.stdout.trim() || undefined : undefined;
  });
}

export interface StatusEntry {
  /** Path relative to the repository root. */
  path: string;
  /** Staged change letter ('.' when none). */
  index: string;
  /** Unstaged change letter ('.' when none). */
  worktree: string;
  conflict: boolean;
}

export interface RepoStatus {
  /** undefined before the first commit. */
  oid?: string;
  /** undefined when HEAD is detached. */
  branch?: string;
  upstream?: string;
  /** undefined when the upstream is configured but its ref is gone (or was never fetched). */
  ahead?: number;
  behind?: number;
  /** Changes to tracked files, staged or not (untracked files are left out). */
  changes: StatusEntry[];
}

/** `git status` of the whole repository, porcelain v2 with -z (no quoting of odd names). */
export function repoStatus(root: string, signal?: AbortSignal): Promise<RepoStatus> {
  return cached(`status:${root}`, async () => {
    // --branch: the header says which branch and how far from its upstream.
    const text = await gitText(root, ['status', '--porcelain=v2', '--branch', '-z', '--untracked-files=no', '--ignore-submodules=none'], { signal });
    return parseStatus(text);
  });
}

export function parseStatus(text: string): RepoStatus {
  const st: RepoStatus = { changes: [] };
  const items = text.split('\0');
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item.startsWith('# ')) {
      const [, key, ...rest] = item.split(' ');
      const value = rest.join(' ');
      if (key === 'branch.oid' && value !== '(initial)') st.oid = value;
      else if (key === 'branch.head' && value !== '(detached)') st.branch = value;
      else if (key === 'branch.upstream') st.upstream = value;
      else if (key === 'branch.ab') {
        const m = /^\+(\d+) -(\d+)$/.exec(value);
        if (m) [st.ahead, st.behind] = [Number(m[1]), Number(m[2])];
      }
      continue;
    }
    // Fields before the path: 8 for ordinary, 9 for renames (then the old path follows), 10 for conflicts.
    const fields = item[0] === '1' ? 8 : item[0] === '2' ? 9 : item[0] === 'u' ? 10 : 0;
    if (!fields) continue;
    const parts = item.split(' ');
    const xy = parts[1];
    st.changes.push({ path: parts.slice(fields).join(' '), index: xy[0], worktree: xy[1], conflict: item[0] === 'u' });
    if (item[0] === '2') i++; // skip the old path of a rename
  }
  return st;
}

/** Author emails of every commit in HEAD's history, newest first, as git stored them. */
export function authorEmails(root: string, signal?: AbortSignal): Promise<string[]> {
  return cached(`authors:${root}`, async () => {
    const primed = knownAuthors.get(root);
    if (primed) return [...primed];
    const out = await runGit(root, ['log', '--format=%ae', 'HEAD', '--'], { signal });
    if (out.code !== 0) return []; // no commits yet: git printed why on stderr
    return out.stdout.split('\n').filter(Boolean);
  });
}

/**
 * Whether any commit in HEAD's history is authored with `email` (compared trimmed, ignoring case).
 * With a primed, lazy history it stops at the first match instead of reading every commit.
 */
export async function authoredBy(root: string, email: string, signal?: AbortSignal): Promise<boolean> {
  const want = email.trim().toLowerCase();
  const primed = knownAuthors.get(root);
  const emails = primed ?? (await authorEmails(root, signal));
  for (const e of emails) if (e.trim().toLowerCase() === want) return true;
  return false;
}

/** Every file tracked by git in the repository (paths relative to the root). */
export function trackedFiles(root: string, signal?: AbortSignal): Promise<string[]> {
  return cached(`ls-files:${root}`, async () => {
    // --error-unmatch makes an empty index print an error instead of nothing.
    const out = await runGit(root, ['ls-files', '-z', '--error-unmatch', '--', ':/'], { signal });
    if (out.code !== 0) return [];
    return out.stdout.split('\0').filter(Boolean);
  });
}

export type ObjectState = 'committed' | 'staged' | 'untracked';

/**
 * Whether each file (relative to `dir`) is in HEAD, only in the index, or neither. One
 * `cat-file --batch-check` process answers them all, and always prints a line per question.
 */
export async function objectStates(dir: string, files: string[], signal?: AbortSignal): Promise<Map<string, ObjectState>> {
  const states = new Map<string, ObjectState>();
  const primed = known.get(dir);
  if (primed) {
    // A fresh checkout: every tracked file is committed, and nothing is staged.
    for (const f of files) states.set(f, primed.tracked.has(path.posix.normalize(f)) ? 'committed' : 'untracked');
    return states;
  }
  const asks = files.filter((f) => !/[\n\r]/.test(f));
  if (asks.length > 0) {
    const input = asks.map((f) => `HEAD:./${f}\n:./${f}\n`).join('');
    const lines = (await gitText(dir, ['cat-file', '--batch-check'], { input, signal })).split('\n');
    asks.forEach((f, i) => {
      const inHead = /^[0-9a-f]+ blob \d+$/.test(lines[2 * i] ?? '');
      const inIndex = /^[0-9a-f]+ blob \d+$/.test(lines[2 * i + 1] ?? '');
      states.set(f, inHead ? 'committed' : inIndex ? 'staged' : 'untracked');
    });
  }
  for (const f of files) if (!states.has(f)) states.set(f, 'untracked');
  return states;
}

// ---- Shared by the git checks ----

/**
 * The repository holding the assignment folder, or a Failure saying why there is none.
 * Checks other than git.repo call this so each fails clearly on its own.
 */
export async function requireRepo(ctx: CheckContext): Promise<{ root: string; prefix: string }> {
  const info = await repoInfo(ctx.spec.dir, ctx.signal);
  if (info.ok) return info;
  throw notARepo(info);
}

export function notARepo(info: Exclude<RepoInfo, { ok: true }>): Failure {
  switch (info.reason) {
    case 'dubious':
      return new Failure({
        rationale: 'git refuses to read this repository because it belongs to another user account.',
        hint: 'Work in a clone that belongs to you, or mark it safe: git config --global --add safe.directory "$(git rev-parse --show-toplevel 2>/dev/null || pwd)"',
        actual: info.message,
      });
    case 'bare':
    case 'not-work-tree':
      return new Failure({
        rationale: 'The assignment folder is inside a git folder (.git or a bare repository), not in a working copy.',
        hint: "Clone your fork (git clone <your fork's URL>) and work inside the clone.",
      });
    default:
      return new Failure({
        rationale: 'The assignment folder is not inside a git repository.',
        hint: "Fork the class repository and clone your fork (git clone <your fork's URL>), then work in the clone; or run git init at the top of your course folder.",
      });
  }
}

/** The files a git check looks at by default: the required ones, and the optional ones that exist. */
export async function defaultFiles(ctx: CheckContext): Promise<string[]> {
  const { required, optional } = ctx.spec.files;
  const infos = await Promise.all(optional.map((f) => ctx.files.info(f)));
  const present = optional.filter((_, i) => infos[i].type !== 'missing');
  return [...new Set([...required, ...present])];
}

/** `a`, `a and b`, `a, b and c`: names in a sentence. */
export function listNames(names: string[], max = 10): string {
  const shown = names.slice(0, max);
  const more = names.length - shown.length;
  if (more > 0) return `${shown.join(', ')} and ${more} more`;
  return shown.length <= 1 ? shown.join('') : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}
