// The programs of a pipeline in one sandbox: the mapper, sort, combiner and reducer of a streaming job.
// Each bubblewrap sandbox costs about 10 ms of start-up here (docs/decisions/0007-sandbox.md),
// which a pipeline of short stages paid once per stage. Here one bwrap runs a small bash script
// that starts every stage with its own stdin, stdout and stderr (pipes to this process, passed in
// as descriptors), its own limits (ulimit, as prlimit set them) and its own environment, and
// reports each stage's process id and exit status on its stdout. The stages share the sandbox:
// one view of the system, one folder, one PID namespace, and one set of whole-run limits (memory,
// processes, disk), as one job. This process still carries every byte between stages, so each
// stage's output is counted against the cap and each keeps its exit status and stderr; a stage
// that goes over a limit is named, and the others, stopped with it, are marked `collateral`.
// Callers fall back to one sandbox per stage (startSandboxed) where this returns undefined.
import { spawn, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { CannotJudge } from '../errors.js';
import { insidePath, sandboxArgs } from './bwrap.js';
import {
  collectOutput,
  devNull,
  feedStdin,
  inheritedFds,
  limitsOf,
  networkOf,
  prepareRunDir,
  probeSandbox,
  protectedFiles,
  runEnv,
  shownFor,
  signalName,
  TMP_BYTES,
  type SandboxHandle,
  type SandboxResult,
  type StartOptions,
} from './sandbox.js';
import { treeOf, watchTree, type Exceeded } from './watch.js';
import { which } from './which.js';

export interface GroupStage {
  cmd: string;
  args: string[];
  /** Variables for this stage besides the group's (`base.env`). */
  env?: Record<string, string | undefined>;
  stdin?: Buffer | { file: string } | 'pipe';
  /** As StartOptions.pipeTo: where this stage's stdout goes, counted against the cap. */
  pipeTo?: Writable;
}

/** bwrap's monitor, its PID 1 and the bash script: the processes of a group that are ours. */
const OWN = 3;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Starts `stages` together in one sandbox; a handle per stage, in order. Undefined when they
 * cannot share one here (no bwrap, no bash, a program not found): start them one by one instead.
 */
export async function startSandboxedGroup(stages: GroupStage[], base: StartOptions): Promise<SandboxHandle[] | undefined> {
  const t0 = performance.now();
  const how = await probeSandbox();
  const bash = which('bash', '/usr/bin:/bin');
  // bash must be in the system the sandbox shows (/usr, or /bin where /usr is not merged).
  if (how.mode !== 'bwrap' || !bash || !/^\/(usr\/)?bin\//.test(bash)) return undefined;
  await prepareRunDir(base.cwd);
  const limits = limitsOf(base);
  const plans = stages.map((s) => {
    const opts = { ...base, env: { ...base.env, ...s.env } };
    const env = runEnv(opts, 'bwrap');
    const exe = which(s.cmd.includes('/') ? path.resolve(base.cwd, s.cmd) : s.cmd, env.PATH ?? '');
    return { s, opts, env, exe };
  });
  // A program that is not there is reported by startSandboxed, stage by stage.
  if (plans.some((p) => !p.exe)) return undefined;
  if (base.signal?.aborted) throw base.signal.reason;

  const shown = [...new Set(plans.flatMap((p) => shownFor(p.opts, p.exe!, p.env)))];
  const box = sandboxArgs(how.bwrap, {
    cwd: base.cwd,
    network: networkOf(base),
    extra: shown,
    readOnly: protectedFiles(base.cwd),
    tmpBytes: TMP_BYTES,
  });
  // Descriptors in the sandbox: 0 nothing, 1 the script's reports, 2 its own errors, 3 bwrap's
  // options, then any data bwrap reads, then each stage's stdin, stdout and stderr.
  const first = 4 + box.data.length;
  const fdsOf = (i: number) => ({ in: first + 3 * i, out: first + 3 * i + 1, err: first + 3 * i + 2 });
  // Descriptors this process inherited (see inheritedFds) are /dev/null in the sandbox, and closed for the stages.
  const leaked = inheritedFds().filter((n) => n >= first + 3 * stages.length);
  const closeAll = [...stages.flatMap((_, i) => Object.values(fdsOf(i))), ...leaked].map((fd) => `${fd}<&-`).join(' ');
  const r = { as: base.addressSpace === false ? undefined : limits.memoryBytes, nproc: limits.maxProcesses * 8, fsize: limits.diskBytes };
  const ulimits = [
    'ulimit -c 0',
    `ulimit -u ${r.nproc}`,
    `ulimit -f ${Math.floor(r.fsize / 1024)}`, // bash counts -f and -v in KiB
    ...(r.as ? [`ulimit -v ${Math.floor(r.as / 1024)}`] : []),
  ].join(' && ');
  // Job control puts each stage in a process group of its own; when a stage's program exits, what
  // it left in its group goes too (a forgotten helper holding its stdout would otherwise hold the
  // pipeline open), as when each stage had a sandbox of its own. (The job notices bash prints go to
  // the report pipe, where they are not report lines.)
  const script = ['set -m', 'unset PWD OLDPWD SHLVL'];
  plans.forEach((p, i) => {
    const f = fdsOf(i);
    const vars = Object.entries(p.env)
      .filter(([k, v]) => NAME.test(k) && v !== undefined)
      .map(([k, v]) => `${k}=${q(v!)}`);
    const argv = [insidePath(base, p.exe!), ...p.s.args].map(q).join(' ');
    const stdin = p.s.stdin === undefined ? '0</dev/null' : `0<&${f.in}`;
    script.push(
      `( exec ${stdin} 1>&${f.out} 2>&${f.err} ${closeAll}; ${ulimits} && ${vars.length ? `export ${vars.join(' ')}` : 'true'} && exec ${argv} ) &`,
      `p${i}=$!; echo "p ${i} $p${i}"`,
    );
  });
  script.push(`exec ${closeAll}`, ...plans.map((_, i) => `wait $p${i}; echo "x ${i} $?"; kill -KILL -- -$p${i} 2>/dev/null`));

  const stdio: StdioOptions = ['ignore', 'pipe', 'pipe', 'pipe', ...box.data.map(() => 'pipe' as const)];
  stages.forEach((s) => stdio.push(s.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'));
  for (const n of inheritedFds()) if (n >= stdio.length || stdio[n] === undefined) stdio[n] = devNull();
  for (let i = 0; i < stdio.length; i++) stdio[i] ??= 'ignore';
  const child = spawn(how.bwrap.path, ['--args', '3', '--', bash, '-c', script.join('\n')], {
    cwd: base.cwd,
    env: {},
    detached: true,
    stdio,
    windowsHide: true,
  });
  [box.args.join('\0') + '\0', ...box.data].forEach((text, i) => {
    const w = child.stdio[3 + i] as Writable | null;
    w?.on('error', () => {});
    w?.end(text);
  });

  // Reports from the script: each stage's PID (in the sandbox's namespace) and exit status. The
  // stages share the script's user, so a hostile one can write here too (through /proc/PID/fd):
  // it can only misreport its own job's statuses, and what is not a short report line is dropped.
  const nsPid = new Map<number, number>();
  const exit = new Map<number, number>();
  let report = '';
  child.stdout!.setEncoding('latin1').on('data', (d: string) => {
    report += d;
    let nl: number;
    while ((nl = report.indexOf('\n')) >= 0) {
      const m = /^([px]) (\d{1,2}) (\d{1,10})$/.exec(report.slice(0, nl));
      report = report.slice(nl + 1);
      const i = Number(m?.[2]);
      if (!m || i >= stages.length) continue;
      if (m[1] === 'p') nsPid.set(Number(m[3]), i);
      else exit.set(i, Number(m[3]));
    }
    if (report.length > 256) report = '';
  });
  let scriptErr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    if (scriptErr.length < 4000) scriptErr += d;
  });

  let timedOut = false;
  let culprit: { stage: number; capped?: boolean; exceeded?: Exceeded } | undefined;
  let aborted = false;
  let closed = false;
  const stop = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    setTimeout(() => {
      for (const s of child.stdio) (s as Readable | Writable | null)?.destroy();
    }, 1000).unref();
  };
  const running = () => stages.map((_, i) => i).filter((i) => !exit.has(i));
  const blame = (c: NonNullable<typeof culprit>) => {
    if (closed || culprit || timedOut) return;
    culprit = c;
    stop();
  };
  // Stages whose output was still open when the time ran out (see timedOut below).
  let openAtTimeout: boolean[] = [];
  const timer = setTimeout(() => {
    if (closed || culprit) return;
    timedOut = true;
    openAtTimeout = outs.map((x) => !x.o.closed);
    stop();
  }, limits.timeoutMs);
  const unwatch = child.pid
    ? watchTree(child.pid, OWN, base.cwd, limits, (what) => {
        blame({ stage: heaviest(child.pid!, nsPid, what) ?? running()[0] ?? 0, exceeded: what });
      })
    : () => {};
  const onAbort = () => {
    aborted = true;
    stop();
  };
  base.signal?.addEventListener('abort', onAbort, { once: true });

  const tailMax = base.stderrTailBytes ?? 16 * 1024;
  const outs = stages.map((s, i) => {
    const f = fdsOf(i);
    const o = collectOutput(child.stdio[f.out] as Readable, child.stdio[f.err] as Readable, {
      maxBytes: limits.maxOutputBytes,
      tailMax,
      sink: s.pipeTo,
      onCap: () => blame({ stage: i, capped: true }),
    });
    const w = child.stdio[f.in] as Writable | null;
    if (w) feedStdin(w, s.stdin);
    return { o, stdin: s.stdin === 'pipe' ? (w ?? undefined) : undefined };
  });

  const all = new Promise<{ code: number | null; startError?: string }>((resolve) => {
    child.on('error', (e: NodeJS.ErrnoException) => resolve({ code: null, startError: e.code ?? e.message }));
    child.on('close', (code) => resolve({ code }));
  }).then((g) => {
    closed = true;
    clearTimeout(timer);
    unwatch();
    base.signal?.removeEventListener('abort', onAbort);
    if (aborted) throw base.signal!.reason ?? new Error('aborted');
    // The script never started a stage: bwrap could not be run, or could not build the sandbox (a
    // namespace limit reached under load, say). That is the machine's fault, never the student's:
    // the check cannot be judged now (incomplete, and retried), rather than failed.
    if (g.startError || (nsPid.size === 0 && !timedOut && !culprit)) {
      const why = g.startError ?? (scriptErr.trim().split('\n').pop() || `bwrap exited with ${g.code}`);
      throw new CannotJudge(`the sandbox for student code could not be started here: ${why.slice(0, 300)}`);
    }
    const ms = Math.round(performance.now() - t0);
    return stages.map((_, i): SandboxResult => {
      const o = outs[i].o;
      const x = exit.get(i);
      const mine = culprit?.stage === i;
      const sig = x !== undefined && x > 128 ? signalName(x - 128) : null;
      return {
        code: x === undefined ? null : sig ? null : x,
        signal: x === undefined ? 'SIGKILL' : sig,
        stdout: o.stdout(),
        stderr: o.err.slice(-tailMax),
        // A stage whose program exited while something it started (in a session of its own, out of
        // reach of its group) held its output open is the one that did not finish.
        timedOut: timedOut && (x === undefined || openAtTimeout[i]),
        capped: o.capped,
        exceeded: mine ? culprit!.exceeded : undefined,
        collateral: culprit !== undefined && !mine && x === undefined,
        limits,
        isolation: 'bwrap',
        ms,
      };
    });
  });
  return stages.map((_, i) => ({ stdin: outs[i].stdin, done: all.then((rs) => rs[i]) }));
}

/** The stage whose processes use the most of what went over (memory or processes), by their PIDs in the sandbox. */
function heaviest(root: number, nsPid: Map<number, number>, what: Exceeded): number | undefined {
  if (what !== 'memory' && what !== 'processes') return undefined;
  let best: { stage: number; v: number } | undefined;
  for (const pid of treeOf(root, 10_000).pids) {
    const stage = nsPid.get(innerPid(pid));
    if (stage === undefined) continue;
    const t = treeOf(pid, 10_000);
    const v = what === 'memory' ? t.rss : t.pids.length;
    if (!best || v > best.v) best = { stage, v };
  }
  return best?.stage;
}

/** A process's PID in the innermost namespace it is in (the last field of NSpid). */
function innerPid(pid: number): number {
  try {
    const m = /^NSpid:\s*(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return Number(m?.[1].trim().split(/\s+/).pop());
  } catch {
    return NaN;
  }
}
