// Runs one untrusted command (a student's mapper, tests or program) as a separate process, in a
// folder the caller made (a temporary copy, never the student's folder), with: a time limit that
// kills the whole run; an output cap; stdin from a buffer, a file or closed; an environment built
// from an allowlist (no AWS_*, tokens, secrets or ssh agent; a throwaway HOME; LC_ALL=C); and
// limits on the whole run's memory, processes and disk use (watch.ts), each reported as the limit
// it hit. On Linux with bubblewrap the run is in a sandbox of its own (bwrap.ts): it sees the
// system, its copy and nothing else of the machine, has no network, and nothing it starts
// outlives it. Without one (macOS, no user namespaces) a student's own `check` falls back to the
// copy, the environment and, where the machine allows, `unshare -rn` and `prlimit`, and says so
// once; the grader refuses (setSandboxCeilings({ unsandboxed: 'refuse' })). See docs/sandbox.md.
import { spawn, type StdioOptions } from 'node:child_process';
import { createReadStream, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os, { constants as osConstants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import path from 'node:path';
import { CannotJudge } from '../errors.js';
import { bwrapArgs, folderOf, INSIDE, prefixesOf, probeBwrap, userBase, type Bwrap } from './bwrap.js';
import { watchTree, type Exceeded } from './watch.js';
import { which } from './which.js';
import { fallbackArgv, probeIsolation, type Isolation } from './fallback.js';

export { which, probeIsolation, type Isolation };

export type { Exceeded };

export interface SandboxOptions {
  /** The temporary folder to run in (made by the caller, e.g. with makeWorkdir). */
  cwd: string;
  /** Milliseconds before the run is killed (default 30 s). */
  timeoutMs?: number;
  /** Bytes of stdout kept; more kills the run and sets `capped` (default 64 MB). */
  maxOutputBytes?: number;
  /** Bytes of stderr kept: the last ones (default 16 KB). */
  stderrTailBytes?: number;
  /** stdin: bytes, a file path, or closed (default). */
  stdin?: Buffer | { file: string };
  /** Extra variables, e.g. PYTHONPATH passed on deliberately; credential-looking names are dropped anyway. */
  env?: Record<string, string | undefined>;
  /** `none` (default): no network; `loopback`: only the run's own 127.0.0.1; `host`: the machine's. */
  network?: 'none' | 'loopback' | 'host';
  /** Resident memory of the whole run, every process it starts together (default 2 GiB). */
  memoryBytes?: number;
  /** Also cap each process's address space at memoryBytes (default true; a JVM reserves far more than it uses). */
  addressSpace?: boolean;
  /** Processes the run may have at once (default 128). */
  maxProcesses?: number;
  /** Bytes the run may write to its folder; one file at most this (default 256 MB). */
  diskBytes?: number;
  /** The python3 runs use: its installation is shown in the sandbox and leads PATH (for `#!/usr/bin/env python3`). */
  python?: string;
  /** Aborting kills the run; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** The limits a run was held to (the caller's, lowered by the ceilings): what messages should quote. */
export interface Limits {
  timeoutMs: number;
  maxOutputBytes: number;
  memoryBytes: number;
  maxProcesses: number;
  diskBytes: number;
  maxFiles: number;
}

export interface SandboxResult {
  /** Stopped only because another stage of its sandbox went over a limit (group.ts): not its fault. */
  collateral?: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  /** The last stderrTailBytes of stderr, as text. */
  stderr: string;
  timedOut: boolean;
  /** stdout went over maxOutputBytes and the run was killed. */
  capped: boolean;
  /** The run went over this limit and was killed. */
  exceeded?: Exceeded;
  limits: Limits;
  /** How it ran: in bubblewrap, without it (a student's own check where there is none), or as our own tool. */
  isolation: 'bwrap' | 'fallback' | 'trusted';
  /** The command could not be started (not found, not executable): its errno code. */
  startError?: string;
  ms: number;
}

const DEFAULTS = {
  timeoutMs: 30_000,
  maxOutputBytes: 64 * 1024 * 1024,
  memoryBytes: 2 * 1024 ** 3,
  maxProcesses: 128,
  diskBytes: 256 * 1024 * 1024,
  maxFiles: 10_000,
};
/** The private /tmp inside the sandbox is memory (tmpfs): kept well under the memory limit. */
export const TMP_BYTES = 64 * 1024 * 1024;

// Passed through from the harness's own environment; everything else is left out. Locale is set
// to C below (byte-order sort, predictable messages), HOME and TMPDIR to throwaway folders.
const KEEP = /^(PATH|PATHEXT|SYSTEMROOT|COMSPEC|TERM|TZ|PYENV_ROOT|PYENV_VERSION|JAVA_HOME|SPARK_HOME|HADOOP_HOME)$/;
/** Names that look like credentials: dropped even when a caller passes them in `env`. */
export const SECRET_NAME =
  /^(AWS_|SSH_AUTH_SOCK$|SSH_AGENT_PID$|GIT_ASKPASS$|BITBUCKET_|CANVAS_)|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|API_KEY|ACCESS_KEY/i;

export type SandboxMode = { mode: 'bwrap'; bwrap: Bwrap } | { mode: 'fallback'; reason: string; fix: string };

let mode: Promise<SandboxMode> | undefined;
/** Whether runs here get the bubblewrap sandbox (probed once); HARNESS_SANDBOX=off turns every isolation off. */
export function probeSandbox(): Promise<SandboxMode> {
  return (mode ??= (async (): Promise<SandboxMode> => {
    if (process.env.HARNESS_SANDBOX === 'off') return { mode: 'fallback', reason: 'HARNESS_SANDBOX=off', fix: 'unset HARNESS_SANDBOX' };
    const p = await probeBwrap((c) => which(c));
    return p.ok ? { mode: 'bwrap', bwrap: p.bwrap } : { mode: 'fallback', reason: p.reason, fix: p.fix };
  })());
}

/**
 * The environment a sandboxed process gets. `root` is the run's folder as the process sees it
 * (/assignment in the sandbox) and holds the throwaway .home; `tmp` is its TMPDIR.
 */
export function sandboxEnv(root: string, extra: Record<string, string | undefined> = {}, tmp = path.join(root, '.tmp')): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (KEEP.test(k) && v !== undefined) env[k] = v;
  const home = path.join(root, '.home');
  Object.assign(env, {
    HOME: home,
    USERPROFILE: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    TMPDIR: tmp,
    TEMP: tmp,
    TMP: tmp,
    LC_ALL: 'C',
    LANG: 'C',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONIOENCODING: 'utf-8',
    // `pip install --user` packages: the user's real ones (the grader's $HOME is a throwaway folder
    // in its output folder, never this), read-only in the sandbox.
    PYTHONUSERBASE: userBase(),
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
  /** Our own tool (the shuffle's sort), not student code: runs outside the sandbox, with the time limit and output cap. */
  trusted?: boolean;
}

export interface SandboxHandle {
  stdin?: Writable;
  done: Promise<SandboxResult>;
}

/**
 * Ceilings every sandboxed run in this process is held to, whatever a check asks for. The grader
 * sets stricter ones than a student's own `check` uses (cli/grader.ts), and refuses to run student
 * code without the sandbox unless the instructor opts out.
 */
export interface SandboxCeilings {
  timeoutMs?: number;
  maxOutputBytes?: number;
  memoryBytes?: number;
  maxProcesses?: number;
  diskBytes?: number;
  /** Never more network than this. */
  network?: 'none' | 'loopback';
  /** `refuse`: a run that would go without the sandbox cannot be judged instead (the grader's rule). */
  unsandboxed?: 'refuse' | 'allow';
}
let ceilings: SandboxCeilings = {};

export function setSandboxCeilings(c: SandboxCeilings): void {
  ceilings = { ...c };
}

/** Files (relative) of a run's folder that stay read-only: the instructor's material, set by workdir.ts. */
const readOnly = new Map<string, string[]>();
export function protectFiles(cwd: string, rels: string[] | undefined): void {
  if (rels?.length) readOnly.set(cwd, rels);
  else readOnly.delete(cwd);
}
/** The read-only files of a run's folder (see protectFiles). */
export const protectedFiles = (cwd: string): string[] => readOnly.get(cwd) ?? [];

let unsandboxed: string | undefined;
/** One line for a student's own `check` when student code ran without the sandbox here; undefined otherwise. */
export function unsandboxedNote(): string | undefined {
  return (
    unsandboxed &&
    `note: your code ran without a sandbox here (${unsandboxed}); the grader runs it in one, with no network and stricter limits (docs/sandbox.md)`
  );
}

const lower = (a: number, b: number | undefined) => (b === undefined ? a : Math.min(a, b));

/** The limits a run is held to: the caller's, lowered by the ceilings. */
export function limitsOf(o: StartOptions): Limits {
  return {
    timeoutMs: lower(o.timeoutMs ?? DEFAULTS.timeoutMs, ceilings.timeoutMs),
    maxOutputBytes: lower(o.maxOutputBytes ?? DEFAULTS.maxOutputBytes, ceilings.maxOutputBytes),
    memoryBytes: lower(o.memoryBytes || DEFAULTS.memoryBytes, ceilings.memoryBytes),
    maxProcesses: lower(o.maxProcesses ?? DEFAULTS.maxProcesses, ceilings.maxProcesses),
    diskBytes: lower(o.diskBytes ?? DEFAULTS.diskBytes, ceilings.diskBytes),
    maxFiles: DEFAULTS.maxFiles,
  };
}

export function networkOf(o: StartOptions): 'none' | 'loopback' | 'host' {
  const net = o.network ?? 'none';
  const rank = { none: 0, loopback: 1, host: 2 } as const;
  return ceilings.network && rank[ceilings.network] < rank[net] ? ceilings.network : net;
}

/** Run folders whose .home and .tmp exist already (a pipeline's stages share one). */
const made = new Set<string>();

/** Makes the run folder's throwaway HOME and TMPDIR, once per folder. */
export async function prepareRunDir(cwd: string): Promise<void> {
  if (made.has(cwd)) return;
  await mkdir(path.join(cwd, '.home'), { recursive: true });
  await mkdir(path.join(cwd, '.tmp'), { recursive: true }); // TMPDIR without the sandbox
  made.add(cwd);
  if (made.size > 1000) made.clear();
}

/** The environment of a run (see sandboxEnv), with the chosen python's folder leading PATH. */
export function runEnv(opts: StartOptions, isolation: SandboxResult['isolation']): NodeJS.ProcessEnv {
  const pyBin = opts.python?.includes('/') ? path.dirname(opts.python) : undefined;
  const extra = { ...opts.env, PATH: [pyBin, opts.env?.PATH ?? process.env.PATH].filter(Boolean).join(path.delimiter) };
  // pyenv's shim looks for .python-version from PYENV_DIR, a folder the sandbox does not show. Our
  // own tool's TMPDIR is never in the run's folder, where student code could make it a link.
  return isolation === 'bwrap'
    ? sandboxEnv(INSIDE, { ...extra, PYENV_DIR: undefined }, '/tmp')
    : sandboxEnv(opts.cwd, extra, isolation === 'trusted' ? os.tmpdir() : undefined);
}

/** What the sandbox must show for a program and the run's python: their installations, and folders the environment names. */
export function shownFor(opts: StartOptions, exe: string, env: NodeJS.ProcessEnv): string[] {
  const inRun = (p: string) => !path.relative(opts.cwd, p).startsWith('..');
  return [
    ...(inRun(exe) ? [] : prefixesOf(exe)),
    ...(opts.python ? prefixesOf(which(opts.python, env.PATH ?? '') ?? opts.python) : []),
    ...folderOf(env),
  ];
}

/** Starts `cmd args` (see runSandboxed); for pipelines, whose stages run at the same time. */
export async function startSandboxed(cmd: string, args: string[], opts: StartOptions): Promise<SandboxHandle> {
  const t0 = performance.now();
  const limits = limitsOf(opts);
  const network = networkOf(opts);
  const how = opts.trusted ? undefined : await probeSandbox();
  const isolation: SandboxResult['isolation'] = opts.trusted ? 'trusted' : how!.mode;
  if (how?.mode === 'fallback') {
    if (ceilings.unsandboxed === 'refuse')
      throw new CannotJudge(`student code is not run without a sandbox, and there is none here: ${how.reason}`);
    unsandboxed = how.reason;
  }
  await prepareRunDir(opts.cwd);
  const env = runEnv(opts, isolation);
  const exe = which(cmd.includes('/') ? path.resolve(opts.cwd, cmd) : cmd, env.PATH ?? '');
  const empty = (startError: string): SandboxHandle => {
    opts.pipeTo?.end();
    return {
      done: Promise.resolve({
        code: null,
        signal: null,
        stdout: Buffer.alloc(0),
        stderr: '',
        timedOut: false,
        capped: false,
        limits,
        isolation,
        startError,
        ms: 0,
      }),
    };
  };
  if (!exe) return empty(cmd.includes('/') && exists(path.resolve(opts.cwd, cmd)) ? 'EACCES' : 'ENOENT');
  if (opts.signal?.aborted) throw opts.signal.reason;

  // The prefixes exec one another, so the spawned pid leads its group: bwrap, or the program.
  let argv = [exe, ...args];
  let fds: string[] = [];
  if (how?.mode === 'bwrap') {
    const prlimit = which('prlimit', '/usr/bin:/bin');
    // What the program needs shown: its interpreter's installation (not for a program in the run's own folder).
    const shown = shownFor(opts, exe, env);
    const b = bwrapArgs(
      how.bwrap,
      {
        cwd: opts.cwd,
        exe,
        args,
        network,
        extra: shown,
        readOnly: protectedFiles(opts.cwd),
        tmpBytes: TMP_BYTES,
        rlimits: {
          as: opts.addressSpace === false ? undefined : limits.memoryBytes,
          nproc: limits.maxProcesses * 8,
          fsize: limits.diskBytes,
        },
      },
      prlimit,
    );
    fds = [b.args.join('\0') + '\0', ...b.data];
    // bwrap's monitor (outside the sandbox, out of the program's reach) writes the program's exit
    // code here: without it, the sandbox was never built (see `done` below).
    // (Asked of a bwrap recent enough for --disable-userns, 0.8: the option is older than that.)
    argv = [how.bwrap.path, '--args', '3', ...(how.bwrap.modern ? ['--json-status-fd', String(3 + fds.length)] : []), '--', ...b.command];
  } else if (isolation === 'fallback') {
    argv = await fallbackArgv(argv, limits, network, opts.addressSpace !== false);
  }

  const statusFd = how?.mode === 'bwrap' && how.bwrap.modern ? 3 + fds.length : -1;
  const stdio: StdioOptions = [
    opts.stdin === undefined ? 'ignore' : 'pipe',
    'pipe',
    'pipe',
    ...fds.map(() => 'pipe' as const),
    ...(statusFd > 0 ? ['pipe' as const] : []),
  ];
  if (isolation !== 'trusted') for (const n of inheritedFds()) if (n >= stdio.length || stdio[n] === undefined) stdio[n] = devNull();
  for (let i = 0; i < stdio.length; i++) stdio[i] ??= 'ignore';
  const child = spawn(argv[0], argv.slice(1), { cwd: opts.cwd, env, detached: true, stdio, windowsHide: true });
  let status = '';
  if (statusFd > 0)
    (child.stdio[statusFd] as Readable | null)?.setEncoding('latin1').on('data', (d: string) => {
      if (status.length < 4096) status += d;
    });
  fds.forEach((text, i) => {
    const w = child.stdio[3 + i] as Writable | null;
    w?.on('error', () => {});
    w?.end(text);
  });
  const stdout = child.stdout!;
  const stderr = child.stderr!;
  const tailMax = opts.stderrTailBytes ?? 16 * 1024;
  let timedOut = false;
  let exceeded: Exceeded | undefined;
  let aborted = false;
  let exited = false;
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  // After a kill, a grandchild that left the group (setsid, without the sandbox) could hold the pipes open: stop waiting.
  const forceClose = () =>
    setTimeout(() => {
      stdout.destroy();
      stderr.destroy();
    }, 1000).unref();
  const stopAll = () => {
    killGroup();
    forceClose();
  };
  const timer = setTimeout(() => {
    timedOut = !exited;
    stopAll();
  }, limits.timeoutMs);
  const unwatch =
    isolation === 'trusted' || !child.pid
      ? () => {}
      : watchTree(child.pid, isolation === 'bwrap' ? 2 : 0, opts.cwd, limits, (what) => {
          exceeded = what;
          stopAll();
        });
  const onAbort = () => {
    aborted = true;
    stopAll();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  if (child.stdin) feedStdin(child.stdin, opts.stdin);
  const got = collectOutput(stdout, stderr, { maxBytes: limits.maxOutputBytes, tailMax, sink: opts.pipeTo, onCap: stopAll });

  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; startError?: string }>((resolve) => {
    child.on('error', (e: NodeJS.ErrnoException) => resolve({ code: null, signal: null, startError: e.code ?? e.message }));
    child.on('exit', () => {
      exited = true;
      killGroup(); // whatever the program left running in its group
    });
    child.on('close', (code, signal) => resolve({ code, signal }));
  }).then((res) => {
    clearTimeout(timer);
    unwatch();
    opts.signal?.removeEventListener('abort', onAbort);
    if (aborted) throw opts.signal!.reason ?? new Error('aborted');
    // The sandbox was not built (bwrap ran, but failed before the program: namespaces run out under
    // load, say): the machine's fault, not the student's; the check cannot be judged now.
    if (statusFd > 0 && !timedOut && !got.capped && !exceeded && !res.startError && !/"exit-code"/.test(status))
      throw new CannotJudge(
        `the sandbox for student code could not be started here: ${(got.err.trim().split('\n').pop() ?? '').slice(0, 300) || `bwrap exited with ${res.code}`}`,
      );
    // bwrap exits with 128 + the signal that killed the program, as a shell does.
    const sig = isolation === 'bwrap' && res.code !== null && res.code > 128 ? signalName(res.code - 128) : null;
    if (sig) res = { code: null, signal: sig };
    return {
      ...res,
      stdout: got.stdout(),
      stderr: got.err.slice(-tailMax),
      timedOut,
      capped: got.capped,
      exceeded,
      limits,
      isolation,
      ms: Math.round(performance.now() - t0),
    };
  });
  return { stdin: opts.stdin === 'pipe' ? child.stdin! : undefined, done };
}

/** A run's output as it comes: see collectOutput. */
export interface Collected {
  /** Bytes of stdout seen, up to the cap. */
  len: number;
  /** stderr, at most twice the tail kept (callers keep its last tailMax characters). */
  err: string;
  capped: boolean;
  /** stdout has closed. */
  closed: boolean;
  /** What was kept of stdout (nothing when it was forwarded). */
  stdout(): Buffer;
}

/**
 * Collects a run's stdout, or forwards it to `sink` with backpressure (ending it when stdout
 * closes), counting it against the cap: past `maxBytes` the rest is dropped and `onCap` is called
 * once. Keeps the tail of stderr.
 */
export function collectOutput(
  stdout: Readable,
  stderr: Readable,
  o: { maxBytes: number; tailMax: number; sink?: Writable; onCap: () => void },
): Collected {
  const kept: Buffer[] = [];
  const c: Collected = { len: 0, err: '', capped: false, closed: false, stdout: () => Buffer.concat(kept, o.sink ? 0 : c.len) };
  const sink = o.sink;
  let sinkOk = true;
  sink?.on('error', () => {
    sinkOk = false; // the next stage is gone; keep draining so this one can finish
    stdout.resume();
  });
  stdout.on('data', (d: Buffer) => {
    if (c.capped) return;
    if (c.len + d.length > o.maxBytes) {
      d = d.subarray(0, o.maxBytes - c.len);
      c.capped = true;
      o.onCap();
    }
    c.len += d.length;
    if (!sink) kept.push(d);
    else if (sinkOk && !sink.write(d)) {
      stdout.pause();
      sink.once('drain', () => stdout.resume());
    }
  });
  stdout.on('close', () => {
    c.closed = true;
    sink?.end();
  });
  stderr.setEncoding('utf8').on('data', (d: string) => {
    c.err += d;
    if (c.err.length > 2 * o.tailMax) c.err = c.err.slice(-o.tailMax);
  });
  return c;
}

/** Feeds a run's stdin: bytes, a file, or (for 'pipe') nothing: the caller writes to it. */
export function feedStdin(w: Writable, stdin: StartOptions['stdin']): void {
  w.on('error', () => {}); // a program that never reads its input closes the pipe early
  if (Buffer.isBuffer(stdin)) w.end(stdin);
  else if (stdin && typeof stdin === 'object')
    createReadStream(stdin.file)
      .on('error', () => w.end())
      .pipe(w);
}

let leaky: number[] | undefined;
/**
 * Descriptors this process inherited open without close-on-exec (from a CI runner, a shell's
 * redirection): every child would get them too, and bwrap passes what it gets on. Node's own are
 * close-on-exec, so the list is taken once; in each run they are pointed at /dev/null instead.
 */
export function inheritedFds(): number[] {
  if (leaky) return leaky;
  leaky = [];
  try {
    for (const n of readdirSync('/proc/self/fd')
      .map(Number)
      .filter((n) => n > 2)) {
      const flags = /flags:\s*([0-7]+)/.exec(readFileSyncSafe(`/proc/self/fdinfo/${n}`))?.[1];
      if (flags !== undefined && !(parseInt(flags, 8) & 0o2000000)) leaky.push(n);
    }
  } catch {
    /* no /proc (not Linux): nothing to do */
  }
  return leaky;
}

let nullFd: number | undefined;
export const devNull = () => (nullFd ??= openSync('/dev/null', 'r'));

function readFileSyncSafe(file: string): string {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return '';
  }
}

export function signalName(n: number): NodeJS.Signals | null {
  return (Object.entries(osConstants.signals).find(([, v]) => v === n)?.[0] as NodeJS.Signals | undefined) ?? null;
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}
