// Runs one untrusted command (a student's mapper, tests or program) as a separate process, in a
// folder the caller made (a temporary copy, never the student's folder), with: a time limit that
// kills the whole process group; an output cap; stdin from a buffer, a file or closed; an
// environment built from an allowlist (no AWS_*, tokens, secrets or ssh agent; a throwaway HOME;
// LC_ALL=C); and, where this machine allows it, no network (`unshare -rn`) and a memory limit
// (`prlimit --as`, else `ulimit -v`). Both are probed once per process and cached. Generic on
// purpose: the grader passes stricter limits in the options. See docs/checks/mapreduce.streaming.md.
import { spawn, execFile } from 'node:child_process';
import { accessSync, constants, createReadStream, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import type { Writable } from 'node:stream';
import path from 'node:path';

export interface SandboxOptions {
  /** The temporary folder to run in (made by the caller, e.g. with makeWorkdir). */
  cwd: string;
  /** Milliseconds before the process group is killed (default 30 s). */
  timeoutMs?: number;
  /** Bytes of stdout kept; more kills the process group and sets `capped` (default 64 MB). */
  maxOutputBytes?: number;
  /** Bytes of stderr kept: the last ones (default 16 KB). */
  stderrTailBytes?: number;
  /** stdin: bytes, a file path, or closed (default). */
  stdin?: Buffer | { file: string };
  /** Extra variables, e.g. PYTHONPATH passed on deliberately; credential-looking names are dropped anyway. */
  env?: Record<string, string | undefined>;
  /** `none` (default): no network when the machine allows; `loopback`: only 127.0.0.1 inside; `host`: the machine's. */
  network?: 'none' | 'loopback' | 'host';
  /** Address-space limit in bytes (default 2 GiB); 0 for none (a JVM reserves more than it uses). */
  memoryBytes?: number;
  /** Aborting kills the process group; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface SandboxResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  /** The last stderrTailBytes of stderr, as text. */
  stderr: string;
  timedOut: boolean;
  /** stdout went over maxOutputBytes and the process was killed. */
  capped: boolean;
  /** The command could not be started (not found, not executable): its errno code. */
  startError?: string;
  ms: number;
}

export interface Isolation {
  /** Prefix that gives a process its own empty network namespace, or undefined. */
  net?: string[];
  /** How the memory limit is applied. */
  mem?: 'prlimit' | 'ulimit';
  /** `ip` can bring the namespace's loopback up (for `network: 'loopback'`). */
  ip?: string;
}

const DEFAULT_TIMEOUT = 30_000;
const DEFAULT_MAX_OUT = 64 * 1024 * 1024;
const DEFAULT_MEM = 2 * 1024 ** 3;

// Passed through from the harness's own environment; everything else is left out. Locale is set
// to C below (byte-order sort, predictable messages), HOME and TMPDIR to throwaway folders.
const KEEP = /^(PATH|PATHEXT|SYSTEMROOT|COMSPEC|TERM|TZ|PYENV_ROOT|PYENV_VERSION|JAVA_HOME|SPARK_HOME|HADOOP_HOME)$/;
/** Names that look like credentials: dropped even when a caller passes them in `env`. */
export const SECRET_NAME = /^(AWS_|SSH_AUTH_SOCK$|SSH_AGENT_PID$|GIT_ASKPASS$|BITBUCKET_|CANVAS_)|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|API_KEY|ACCESS_KEY/i;

let isolation: Promise<Isolation> | undefined;

/** What this machine allows, probed once (a few ms) and cached. HARNESS_SANDBOX=off disables both. */
export function probeIsolation(): Promise<Isolation> {
  return (isolation ??= (async () => {
    if (process.platform !== 'linux' || process.env.HARNESS_SANDBOX === 'off') return {};
    const ok = (cmd: string, args: string[]) => new Promise<boolean>((res) => execFile(cmd, args, { timeout: 5000 }, (e) => res(!e)));
    const unshare = which('unshare');
    const prlimit = which('prlimit');
    const out: Isolation = {};
    // -r maps the user to root inside a user namespace, so unprivileged users can make the network
    // namespace too; where user namespaces are off, plain -n still works for root.
    if (unshare) {
      if (await ok(unshare, ['-rn', 'true'])) out.net = [unshare, '-rn'];
      else if (await ok(unshare, ['-n', 'true'])) out.net = [unshare, '-n'];
    }
    if (prlimit && (await ok(prlimit, ['--as=1073741824', 'true']))) out.mem = 'prlimit';
    else if (await ok('sh', ['-c', 'ulimit -v 1048576'])) out.mem = 'ulimit';
    out.ip = which('ip');
    return out;
  })());
}

const whichCache = new Map<string, string | undefined>();
/** The absolute path of a command on PATH (or as given, when it has a slash), if it is executable. */
export function which(cmd: string, PATH = process.env.PATH ?? ''): string | undefined {
  if (cmd.includes('/')) return isExec(cmd) ? cmd : undefined;
  const key = `${cmd}\0${PATH}`;
  if (!whichCache.has(key)) whichCache.set(key, PATH.split(path.delimiter).filter(Boolean).map((d) => path.join(d, cmd)).find(isExec));
  return whichCache.get(key);
}

function isExec(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The environment a sandboxed process gets; `root` (the work folder) holds the throwaway .home and .tmp. */
export function sandboxEnv(root: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (KEEP.test(k) && v !== undefined) env[k] = v;
  const home = path.join(root, '.home');
  const tmp = path.join(root, '.tmp');
  Object.assign(env, {
    HOME: home, USERPROFILE: home, XDG_CONFIG_HOME: path.join(home, '.config'), TMPDIR: tmp, TEMP: tmp, TMP: tmp,
    LC_ALL: 'C', LANG: 'C', PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8',
    // Packages installed with `pip install --user` live under the real home, which is hidden.
    PYTHONUSERBASE: process.env.PYTHONUSERBASE ?? (process.platform === 'linux' ? path.join(os.homedir(), '.local') : undefined),
  });
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  for (const k of Object.keys(env)) if (SECRET_NAME.test(k) || env[k] === undefined) delete env[k];
  return env;
}

/**
 * Runs `cmd args` in `opts.cwd`. Never rejects for the program's own failures (they are in the
 * result); rejects only when aborted through opts.signal.
 */
export async function runSandboxed(cmd: string, args: string[], opts: SandboxOptions): Promise<SandboxResult> {
  return (await startSandboxed(cmd, args, opts)).done;
}

export interface StartOptions extends Omit<SandboxOptions, 'stdin'> {
  /** As SandboxOptions, or 'pipe': the caller writes to the handle's `stdin`. */
  stdin?: SandboxOptions['stdin'] | 'pipe';
  /** Forward stdout here (with backpressure, counted against the cap) instead of keeping it; ended when stdout ends. */
  pipeTo?: Writable;
}

export interface SandboxHandle {
  stdin?: Writable;
  done: Promise<SandboxResult>;
}

/** Work folders whose .home and .tmp exist already (a pipeline's stages share one). */
const made = new Set<string>();

/** Starts `cmd args` (see runSandboxed); for pipelines, whose stages run at the same time. */
/**
 * Ceilings every sandboxed run in this process is held to, whatever a check asks for. The grader
 * sets stricter ones than a student's own `check` uses (see grader/cli.ts).
 */
export interface SandboxCeilings {
  timeoutMs?: number;
  maxOutputBytes?: number;
  memoryBytes?: number;
  /** Never more network than this. */
  network?: 'none' | 'loopback';
}
let ceilings: SandboxCeilings = {};

export function setSandboxCeilings(c: SandboxCeilings): void {
  ceilings = { ...c };
}

const lower = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));

function applyCeilings<T extends StartOptions>(o: T): T {
  const net = o.network ?? 'none';
  const rank = { none: 0, loopback: 1, host: 2 } as const;
  return {
    ...o,
    timeoutMs: lower(o.timeoutMs ?? DEFAULT_TIMEOUT, ceilings.timeoutMs),
    maxOutputBytes: lower(o.maxOutputBytes ?? DEFAULT_MAX_OUT, ceilings.maxOutputBytes),
    // 0 means "no limit" to a caller (a JVM); a ceiling still applies then.
    memoryBytes: ceilings.memoryBytes !== undefined ? (o.memoryBytes ? Math.min(o.memoryBytes, ceilings.memoryBytes) : ceilings.memoryBytes) : o.memoryBytes,
    network: ceilings.network && rank[ceilings.network] < rank[net] ? ceilings.network : net,
  };
}

export async function startSandboxed(cmd: string, args: string[], given: StartOptions): Promise<SandboxHandle> {
  const opts = applyCeilings(given);
  const t0 = performance.now();
  const iso = await probeIsolation();
  if (!made.has(opts.cwd)) {
    await mkdir(path.join(opts.cwd, '.home'), { recursive: true });
    await mkdir(path.join(opts.cwd, '.tmp'), { recursive: true });
    made.add(opts.cwd);
    if (made.size > 1000) made.clear();
  }
  const env = sandboxEnv(opts.cwd, opts.env);
  const exe = which(cmd.includes('/') ? path.resolve(opts.cwd, cmd) : cmd, env.PATH ?? '');
  if (!exe) {
    opts.pipeTo?.end();
    const startError = cmd.includes('/') && exists(path.resolve(opts.cwd, cmd)) ? 'EACCES' : 'ENOENT';
    return { done: Promise.resolve({ code: null, signal: null, stdout: Buffer.alloc(0), stderr: '', timedOut: false, capped: false, startError, ms: 0 }) };
  }
  if (opts.signal?.aborted) throw opts.signal.reason;

  // The prefixes exec one another, so the spawned pid is the program's own and leads its group.
  let argv = [exe, ...args];
  const mem = opts.memoryBytes ?? DEFAULT_MEM;
  if (mem > 0 && iso.mem === 'prlimit') argv = [which('prlimit')!, `--as=${mem}`, '--', ...argv];
  else if (mem > 0 && iso.mem === 'ulimit') argv = ['sh', '-c', `ulimit -v ${Math.floor(mem / 1024)} && exec "$0" "$@"`, ...argv];
  const network = opts.network ?? 'none';
  if (network !== 'host' && iso.net) {
    if (network === 'loopback' && iso.ip) argv = [...iso.net, 'sh', '-c', `${iso.ip} link set lo up 2>/dev/null; exec "$0" "$@"`, ...argv];
    else argv = [...iso.net, ...argv];
  }

  const child = spawn(argv[0], argv.slice(1), { cwd: opts.cwd, env, detached: true, stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], windowsHide: true });
  const stdout = child.stdout!;
  const stderr = child.stderr!;
  const maxOut = opts.maxOutputBytes ?? DEFAULT_MAX_OUT;
  const tailMax = opts.stderrTailBytes ?? 16 * 1024;
  const out: Buffer[] = [];
  let outLen = 0;
  let err = '';
  let timedOut = false;
  let capped = false;
  let aborted = false;
  let exited = false;
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  // After a kill, a grandchild that left the group (setsid) could hold the pipes open: stop waiting.
  const forceClose = () => setTimeout(() => {
    stdout.destroy();
    stderr.destroy();
  }, 1000).unref();
  const timer = setTimeout(() => {
    timedOut = !exited;
    killGroup();
    forceClose();
  }, opts.timeoutMs ?? DEFAULT_TIMEOUT);
  const onAbort = () => {
    aborted = true;
    killGroup();
    forceClose();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  if (child.stdin) {
    child.stdin.on('error', () => {}); // a program that never reads its input closes the pipe early
    if (Buffer.isBuffer(opts.stdin)) child.stdin.end(opts.stdin);
    else if (typeof opts.stdin === 'object') createReadStream(opts.stdin.file).on('error', () => child.stdin!.end()).pipe(child.stdin);
  }
  const sink = opts.pipeTo;
  let sinkOk = true;
  sink?.on('error', () => {
    sinkOk = false; // the next stage is gone; keep draining so this one can finish
    stdout.resume();
  });
  stdout.on('data', (d: Buffer) => {
    if (capped) return;
    if (outLen + d.length > maxOut) {
      d = d.subarray(0, maxOut - outLen);
      capped = true;
      killGroup();
      forceClose();
    }
    outLen += d.length;
    if (!sink) out.push(d);
    else if (sinkOk && !sink.write(d)) {
      stdout.pause();
      sink.once('drain', () => stdout.resume());
    }
  });
  stdout.on('close', () => sink?.end());
  stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    if (err.length > 2 * tailMax) err = err.slice(-tailMax);
  });

  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; startError?: string }>((resolve) => {
    child.on('error', (e: NodeJS.ErrnoException) => resolve({ code: null, signal: null, startError: e.code ?? e.message }));
    child.on('exit', () => {
      exited = true;
      killGroup(); // whatever the program left running in its group
    });
    child.on('close', (code, signal) => resolve({ code, signal }));
  }).then((res) => {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    if (aborted) throw opts.signal!.reason ?? new Error('aborted');
    return { ...res, stdout: Buffer.concat(out, sink ? 0 : outLen), stderr: err.slice(-tailMax), timedOut, capped, ms: Math.round(performance.now() - t0) };
  });
  return { stdin: opts.stdin === 'pipe' ? child.stdin! : undefined, done };
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}
