// Git for the checks: the GitView they read facts through (ctx.git), its implementation over a
// student's clone (CloneGit, for `check`), and the few read-only git commands it runs, with node's
// spawn (decision 0013: simple-git cost 10-15 ms of loading and a 50 ms sleep after any silent
// command, for features these commands do not use). A process ends on `close`, after all its
// output was read. The grader implements GitView over a commit's objects (grader/commitgit.ts).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
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
    const child = spawn('git', argv, {
      cwd,
      env: childEnv(),
      signal: opts.signal,
      windowsHide: true,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => stdout.push(d));
    child.stderr!.on('data', (d: Buffer) => stderr.push(d));
    // A failed start or an abort is an 'error' (whatever follows it); 'close' comes after all output was read.
    child.on('error', (error) => resolve({ error }));
    child.on('close', (code, signal) => {
      resolve({
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        code: code ?? 128 + (signal ? osConstants.signals[signal] : 0),
      });
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

// ---- What the checks ask of git ----

export type RepoInfo =
  | { ok: true; root: string; /** The folder relative to the root, '' or ending in '/'. */ prefix: string }
  | { ok: false; reason: 'not-repo' | 'bare' | 'not-work-tree' | 'dubious'; message: string };

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

export type ObjectState = 'committed' | 'staged' | 'untracked';

/** One distinct file content of the history (see GitView.history). */
export interface HistoryBlob {
  /** git's blob name. */
  id: string;
  /** A path it was committed at, relative to the repository root. */
  path: string;
  /** Its bytes. */
  read(): Promise<Buffer>;
  /** Its size, where it is known without reading it (then a large blob can be streamed: GitView.blobChunks). */
  size?(): number;
}

/**
 * The git facts a check may ask about the assignment folder. One implementation per place checks
 * run: a student's clone (CloneGit), and the commit the grader grades (grader/commitgit.ts), where
 * the machine's facts (remotes, push state, local changes) are those of a fresh clone.
 */
export interface GitView {
  /** Where the assignment folder sits in git: the work tree's root and the folder's prefix, or why there is none. */
  repo(signal?: AbortSignal): Promise<RepoInfo>;
  /** The URL of remote `name`, or undefined when there is no such remote. */
  remoteUrl(name: string, signal?: AbortSignal): Promise<string | undefined>;
  /** The branch, its upstream and what changed (`git status`). */
  status(signal?: AbortSignal): Promise<RepoStatus>;
  /** Author emails of HEAD's history, newest first, as git stored them. */
  authorEmails(signal?: AbortSignal): Promise<string[]>;
  /** Whether a commit of HEAD's history is authored with `email` (trimmed, any case); stops at the first match. */
  authoredBy(email: string, signal?: AbortSignal): Promise<boolean>;
  /** Every tracked file, relative to the repository root. */
  tracked(signal?: AbortSignal): Promise<string[]>;
  /** Whether each file (relative to the assignment folder) is committed, only staged, or neither. */
  objectStates(files: string[], signal?: AbortSignal): Promise<Map<string, ObjectState>>;
  /**
   * Every distinct file content in the history that was pushed (and HEAD's), each once, for scans
   * of what has ever left the student's machine; those `skip` says are known already are passed
   * over unread. Empty outside a repository.
   */
  history(signal?: AbortSignal, skip?: (id: string) => boolean): AsyncIterable<HistoryBlob>;
  /**
   * Blob `id`'s bytes in chunks, read by git in another process: a large file (a committed data
   * set) is scanned in bounded memory, without inflating it whole on node's thread. Absent where the
   * view has no repository to read from.
   */
  blobChunks?(id: string, signal?: AbortSignal): AsyncIterable<Buffer>;
  /** A commit (short name) whose files held content `id`, for messages about a hit in the history. */
  commitOf(id: string, signal?: AbortSignal): Promise<string | undefined>;
  /**
   * The blob names of the tracked files whose working copy is as git has it (relative to the
   * root): a scan can know their content without reading them. Empty where the volume itself
   * names contents (a commit).
   */
  unchangedIds(signal?: AbortSignal): Promise<Map<string, string>>;
  /**
   * Whether committing `file` (relative to the assignment folder) turns its Windows line endings
   * into LF (the repository's .gitattributes, or core.autocrlf): then CRLF in the working copy is
   * not what gets handed in. Always false for a commit, whose bytes are final.
   */
  normalizesEol(file: string, signal?: AbortSignal): Promise<boolean>;
}

/** GitView over the clone that holds `dir`, asking git processes; each fact is asked once per instance. */
export class CloneGit implements GitView {
  private facts = new Map<string, Promise<unknown>>();

  /** `files`: the assignment's own files, whose attributes are asked in one process when first needed. */
  constructor(
    readonly dir: string,
    private readonly files: string[] = [],
  ) {}

  private once<T>(key: string, make: () => Promise<T>): Promise<T> {
    let p = this.facts.get(key) as Promise<T> | undefined;
    if (!p) {
      p = make();
      this.facts.set(key, p);
      p.catch(() => this.facts.delete(key)); // an abort or a crash should not stick
    }
    return p;
  }

  repo(signal?: AbortSignal): Promise<RepoInfo> {
    return this.once('repo', async (): Promise<RepoInfo> => {
      // The first two always print when in a repository; --show-toplevel fails outside a work tree.
      const out = await runGit(
        this.dir,
        ['rev-parse', '--is-bare-repository', '--is-inside-work-tree', '--show-toplevel', '--show-prefix'],
        { signal },
      );
      const lines = out.stdout.split('\n');
      const message = firstLine(out.stderr);
      if (out.code === 0 && lines[1] === 'true') return { ok: true, root: lines[2], prefix: lines[3] ?? '' };
      if (/dubious ownership/.test(out.stderr)) return { ok: false, reason: 'dubious', message };
      if (lines[0] === 'true') return { ok: false, reason: 'bare', message };
      if (lines[1] === 'false') return { ok: false, reason: 'not-work-tree', message };
      return { ok: false, reason: 'not-repo', message };
    });
  }

  remoteUrl(name: string, signal?: AbortSignal): Promise<string | undefined> {
    return this.once(`remote:${name}`, async () => {
      // `git remote get-url` prints the URL, or an error on stderr: never silent.
      const out = await runGit(this.dir, ['remote', 'get-url', '--', name], { signal });
      return out.code === 0 ? out.stdout.trim() || undefined : undefined;
    });
  }

  /** `git status` of the whole repository, porcelain v2 with -z (no quoting of odd names). */
  status(signal?: AbortSignal): Promise<RepoStatus> {
    return this.once('status', async () => {
      const root = await this.root(signal);
      return parseStatus(
        await gitText(root, ['status', '--porcelain=v2', '--branch', '-z', '--untracked-files=no', '--ignore-submodules=none'], { signal }),
      );
    });
  }

  authorEmails(signal?: AbortSignal): Promise<string[]> {
    return this.once('authors', async () => {
      const out = await runGit(this.dir, ['log', '--format=%ae', 'HEAD', '--'], { signal });
      if (out.code !== 0) return []; // no commits yet: git printed why on stderr
      return out.stdout.split('\n').filter(Boolean);
    });
  }

  async authoredBy(email: string, signal?: AbortSignal): Promise<boolean> {
    const want = email.trim().toLowerCase();
    return (await this.authorEmails(signal)).some((e) => e.trim().toLowerCase() === want);
  }

  tracked(signal?: AbortSignal): Promise<string[]> {
    return this.once('ls-files', async () => {
      const root = await this.root(signal);
      // --error-unmatch makes an empty index print an error instead of nothing.
      const out = await runGit(root, ['ls-files', '-z', '--error-unmatch', '--', ':/'], { signal });
      if (out.code !== 0) return [];
      return out.stdout.split('\0').filter(Boolean);
    });
  }

  /** One `cat-file --batch-check` process answers them all, and always prints a line per question. */
  async objectStates(files: string[], signal?: AbortSignal): Promise<Map<string, ObjectState>> {
    const states = new Map<string, ObjectState>();
    const asks = files.filter((f) => !/[\n\r]/.test(f));
    if (asks.length > 0) {
      const input = asks.map((f) => `HEAD:./${f}\n:./${f}\n`).join('');
      const lines = (await gitText(this.dir, ['cat-file', '--batch-check'], { input, signal })).split('\n');
      asks.forEach((f, i) => {
        const inHead = /^[0-9a-f]+ blob \d+$/.test(lines[2 * i] ?? '');
        const inIndex = /^[0-9a-f]+ blob \d+$/.test(lines[2 * i + 1] ?? '');
        states.set(f, inHead ? 'committed' : inIndex ? 'staged' : 'untracked');
      });
    }
    for (const f of files) if (!states.has(f)) states.set(f, 'untracked');
    return states;
  }

  async *history(signal?: AbortSignal, skip?: (id: string) => boolean): AsyncIterable<HistoryBlob> {
    const info = await this.repo(signal);
    if (!info.ok) return;
    // Every object reachable from HEAD and from the remote-tracking branches (what was pushed, as
    // of the last fetch or push), each with the path it was seen at; then the blobs among them,
    // read by one `cat-file --batch`.
    // git 2.32+ lists the blobs alone; an older one lists every object, sorted out by a batch-check.
    let listed = await runGit(info.root, ['rev-list', '--objects', '--filter=object:type=blob', 'HEAD', '--remotes', '--'], { signal });
    const filtered = listed.code === 0;
    if (!filtered) listed = await runGit(info.root, ['rev-list', '--objects', 'HEAD', '--remotes', '--'], { signal });
    if (listed.code !== 0) return; // no commits yet
    const paths = new Map<string, string>();
    for (const line of listed.stdout.split('\n')) {
      const sp = line.indexOf(' ');
      if (sp > 0 && !paths.has(line.slice(0, sp))) paths.set(line.slice(0, sp), line.slice(sp + 1));
    }
    let blobs = [...paths.keys()].filter((id) => !skip?.(id));
    if (!blobs.length) return;
    if (!filtered) {
      const kinds = await gitText(info.root, ['cat-file', '--batch-check=%(objectname) %(objecttype)'], {
        input: blobs.join('\n') + '\n',
        signal,
      });
      blobs = kinds
        .split('\n')
        .filter((l) => l.endsWith(' blob'))
        .map((l) => l.slice(0, l.indexOf(' ')));
    }
    for await (const o of catFileBatch(info.root, blobs, signal)) {
      const data = o.data;
      yield { id: o.id, path: paths.get(o.id) ?? o.id.slice(0, 12), read: async () => data };
    }
  }

  unchangedIds(signal?: AbortSignal): Promise<Map<string, string>> {
    return this.once('ids', async () => {
      const info = await this.repo(signal);
      const out = new Map<string, string>();
      if (!info.ok) return out;
      const [listed, status] = await Promise.all([runGit(info.root, ['ls-files', '-s', '-z'], { signal }), this.status(signal)]);
      if (listed.code !== 0) return out;
      for (const item of listed.stdout.split('\0')) {
        // `<mode> <oid> <stage>\t<path>`
        const tab = item.indexOf('\t');
        if (tab < 0) continue;
        const [mode, oid, stage] = item.slice(0, tab).split(' ');
        if (stage === '0' && mode !== '160000' && mode !== '120000') out.set(item.slice(tab + 1), oid);
      }
      for (const c of status.changes) if (c.worktree !== '.' || c.conflict) out.delete(c.path);
      return out;
    });
  }

  /** The oldest commit that added it. */
  async commitOf(id: string, signal?: AbortSignal): Promise<string | undefined> {
    const info = await this.repo(signal);
    if (!info.ok) return undefined;
    const out = await runGit(info.root, ['log', '--format=%h', '--reverse', `--find-object=${id}`, 'HEAD', '--remotes', '--'], { signal });
    return out.code === 0 ? out.stdout.split('\n').find(Boolean) : undefined;
  }

  async normalizesEol(file: string, signal?: AbortSignal): Promise<boolean> {
    const known = await this.once('eol', () => this.eolOf(this.files, signal));
    if (known.has(file)) return known.get(file)!;
    return (await this.eolOf([file], signal)).get(file) ?? false;
  }

  private async eolOf(files: string[], signal?: AbortSignal): Promise<Map<string, boolean>> {
    const out = new Map<string, boolean>();
    const asks = files.filter((f) => f && !f.startsWith('-'));
    if (!asks.length || !(await this.repo(signal)).ok) return out;
    const [attrs, cfg] = await Promise.all([
      runGit(this.dir, ['check-attr', '-z', 'text', 'eol', '--', ...asks], { signal }),
      runGit(this.dir, ['config', '--get', 'core.autocrlf'], { signal }),
    ]);
    const autocrlf = /^(true|input)$/i.test(cfg.stdout.trim());
    const text = new Map<string, string>();
    const eol = new Map<string, string>();
    const f = attrs.stdout.split('\0');
    for (let i = 0; i + 2 < f.length; i += 3) (f[i + 1] === 'text' ? text : eol).set(f[i], f[i + 2]);
    for (const file of asks) {
      const t = text.get(file) ?? 'unspecified';
      const e = eol.get(file) ?? 'unspecified';
      // git turns CRLF into LF on commit for a file marked text (or auto, or given an eol, which
      // implies text), and with core.autocrlf true or input for one not marked -text.
      out.set(file, t === 'unset' ? false : t === 'set' || t === 'auto' || e === 'lf' || e === 'crlf' || autocrlf);
    }
    return out;
  }

  private async root(signal?: AbortSignal): Promise<string> {
    const info = await this.repo(signal);
    return info.ok ? info.root : this.dir;
  }
}

/**
 * Objects by name through one `git cat-file --batch`, read as git writes them (a header line, the
 * bytes, a newline), one at a time, so memory holds one object at once.
 */
async function* catFileBatch(
  root: string,
  ids: string[],
  signal?: AbortSignal,
): AsyncGenerator<{ id: string; type: string; data: Buffer }> {
  const child = spawn('git', ['-C', root, '-c', 'core.fsmonitor=false', 'cat-file', '--batch'], {
    env: childEnv(),
    stdio: ['pipe', 'pipe', 'ignore'],
    signal,
  });
  child.on('error', () => {}); // reported through the stream's end below
  child.stdin.on('error', () => {});
  child.stdin.end(ids.join('\n') + '\n');
  // Chunks are kept in a list and joined only when an object is complete: a large object arrives
  // in many chunks, and joining at every chunk would copy it over and over.
  let chunks: Buffer[] = [];
  let have = 0;
  let want: { id: string; type: string; size: number } | undefined;
  const take = (n: number): Buffer => {
    const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, have);
    chunks = all.length > n ? [all.subarray(n)] : [];
    have -= n;
    return all.subarray(0, n);
  };
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      have += chunk.length;
      for (;;) {
        if (!want) {
          let nl = -1;
          for (let i = 0, at = 0; i < chunks.length && nl < 0; at += chunks[i].length, i++) {
            const k = chunks[i].indexOf(10);
            if (k >= 0) nl = at + k;
          }
          if (nl < 0) break;
          const [id, type, size] = take(nl + 1)
            .toString('latin1')
            .trimEnd()
            .split(' ');
          if (type === 'missing' || size === undefined) continue;
          want = { id, type, size: Number(size) };
        }
        if (have < want.size + 1) break;
        const data = Buffer.from(take(want.size + 1).subarray(0, want.size));
        const got = want;
        want = undefined;
        yield { id: got.id, type: got.type, data };
      }
    }
  } finally {
    child.kill();
  }
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

// ---- Shared by the git checks ----

/**
 * The repository holding the assignment folder, or a Failure saying why there is none.
 * Checks other than git.repo call this so each fails clearly on its own.
 */
export async function requireRepo(ctx: CheckContext): Promise<{ root: string; prefix: string }> {
  if (!ctx.git)
    throw new Failure({
      code: 'no-repository',
      rationale: 'There is no git repository here to judge.',
      hint: 'Hand in your work through your fork, as the assignment asks.',
    });
  const info = await ctx.git.repo(ctx.signal);
  if (info.ok) return info;
  throw notARepo(info);
}

export function notARepo(info: Exclude<RepoInfo, { ok: true }>): Failure {
  switch (info.reason) {
    case 'dubious':
      return new Failure({
        code: 'dubious-ownership',
        rationale: 'git refuses to read this repository because it belongs to another user account.',
        hint: 'Work in a clone that belongs to you, or mark it safe: git config --global --add safe.directory "$(git rev-parse --show-toplevel 2>/dev/null || pwd)"',
        actual: info.message,
      });
    case 'bare':
    case 'not-work-tree':
      return new Failure({
        code: 'inside-git-folder',
        rationale: 'The assignment folder is inside a git folder (.git or a bare repository), not in a working copy.',
        hint: "Clone your fork (git clone <your fork's URL>) and work inside the clone.",
      });
    default:
      return new Failure({
        code: 'not-a-repository',
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

/**
 * The bytes of blob `id` of the repository at `cwd`, as `git cat-file blob` writes them, chunk by
 * chunk. Throws when git fails (a missing or damaged object): the caller could not read it.
 */
export async function* gitBlobChunks(cwd: string, id: string, signal?: AbortSignal): AsyncIterable<Buffer> {
  signal?.throwIfAborted();
  const child = spawn('git', [...GIT_CONFIG.flatMap((c) => ['-c', c]), '--no-pager', 'cat-file', 'blob', id], {
    cwd,
    env: childEnv(),
    signal,
    windowsHide: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 2000) stderr += d.toString('utf8');
  });
  const done = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  done.catch(() => undefined); // awaited below; an early failure must not be an unhandled rejection
  try {
    for await (const chunk of child.stdout!) yield chunk as Buffer;
  } finally {
    if (child.exitCode === null) child.kill();
  }
  const code = await done;
  if (code !== 0) throw new Error(`git cat-file blob ${id} failed (exit ${code}): ${stderr.trim().split('\n')[0] ?? ''}`);
}
