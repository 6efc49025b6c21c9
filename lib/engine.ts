// Runs a spec's checks: dependencies first, independent checks concurrently, each under its
// timeout, and scores them. A check's outcome is data; nothing here prints.
import { Advice, CannotJudge, Failure, Skip, Unavailable } from './errors.js';
import type { AwsAccess } from './aws/access.js';
import { registry } from './checks/registry.js';
import { isLive, needOf, type CheckContext, type CheckKind, type Need } from './checks/kind.js';
import type { CheckResult, CheckSpec, Fault, Spec, Status, Summary } from './types.js';
import { CloneGit, type GitView } from './git.js';
import type { Course } from './course.js';
import type { Identity } from './usercfg.js';
import { AssignmentFiles, type Volume } from './fsio.js';
import { resolvePython } from './util/python.js';
import { trace } from './util/trace.js';
import { maskKeyIds } from './aws/mask.js';
import { Semaphore } from './util/semaphore.js';
import { describeMisplaced, findMisplaced, type Misplaced } from './where.js';

/**
 * Where checks run, which decides what can be judged (see CheckKind.needs):
 * - `check`: a student's own clone, on their machine: everything;
 * - `ci`: a student's clone in CI: no `machine` or `account` checks (nobody's laptop, no keys);
 * - `fork`: the grader, on a commit of a fork: files, history and the anonymous internet;
 * - `zip`: the grader, on an upload: files and the anonymous internet, no history.
 * A check a mode cannot judge is skipped there and carries no points (harness lint refuses points
 * on checks the grader cannot judge, so a grade never depends on the mode).
 */
export type Mode = 'check' | 'ci' | 'fork' | 'zip';

const JUDGES: Record<Mode, ReadonlySet<Need>> = {
  check: new Set(['files', 'history', 'internet', 'account', 'machine']),
  ci: new Set(['files', 'history', 'internet']),
  fork: new Set(['files', 'history', 'internet']),
  zip: new Set(['files', 'internet']),
};

/** Whether a check with this need can be judged in this mode. */
export const judgedIn = (mode: Mode, need: Need): boolean => JUDGES[mode].has(need);

/** Why a check is not judged in this mode, in the student's words. */
export function notJudgedReason(mode: Mode, need: Need): string {
  if (mode === 'ci') {
    return need === 'account'
      ? 'not checkable in CI: it needs your AWS credentials; `npm run check` on your own machine judges it'
      : 'not checkable in CI: it looks at your own computer or clone; `npm run check` there judges it';
  }
  if (need === 'history') return 'not judged for a zip upload, which has no git history';
  return need === 'account'
    ? 'not judged by the grader, which holds none of your AWS credentials; your own `npm run check` judges it'
    : 'not judged by the grader: it looks at your own computer or clone, which only your own `npm run check` can see';
}

export interface RunOptions {
  course: Course;
  /** Where the checks run (default `check`). */
  mode?: Mode;
  /** Git facts about the assignment folder; default: the clone it is in (undefined for a zip). */
  git?: GitView;
  /**
   * Results of an earlier run of the same work to keep: a check whose result is here, with no
   * fault, is not run again (the grader re-runs only the checks that could not run).
   */
  reuse?: ReadonlyMap<string, CheckResult>;
  identity?: Identity;
  /** Why there is no identity (user.cfg problem), for the checks that need one. */
  identityProblem?: string;
  /** Run only these ids (and, to judge them, their dependencies). */
  only?: string[];
  concurrency?: number;
  python?: string;
  now?: () => Date;
  /** Skip every check that needs the network. */
  offline?: boolean;
  /** AWS access for live checks; one per run. */
  aws?: AwsAccess;
  /** The kinds to use (tests pass fakes); defaults to the registry. */
  kinds?: ReadonlyMap<string, CheckKind<any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Called as each check finishes (progress). */
  onResult?: (r: CheckResult) => void;
  /** Shared python compiler for python.syntax (see CheckContext.compilePython); the batch grader sets it. */
  compilePython?: CheckContext['compilePython'];
  /** Where the files are read from (default: the disk); the grader hands in a commit's tree. */
  volume?: Volume;
}

export async function runChecks(spec: Spec, opts: RunOptions): Promise<CheckResult[]> {
  const files = new AssignmentFiles(spec.dir, opts.volume);
  const python = opts.python ?? resolvePython(process.env, spec.dir);
  const byId = new Map(spec.checks.map((c) => [c.id, c]));
  const wanted = selectWithDeps(spec.checks, opts.only);
  const limit = new Semaphore(opts.concurrency ?? 32);
  const started = new Map<string, Promise<CheckResult>>();
  const mode = opts.mode ?? 'check';
  const grading = mode === 'fork' || mode === 'zip';
  const git = opts.git ?? (mode === 'zip' ? undefined : new CloneGit(spec.dir, [...spec.files.required, ...spec.files.optional]));
  const runOpts = { ...opts, files, python, git };
  const kinds = opts.kinds ?? registry;
  // Where the work is: when the assignment folder is missing (or holds none of the required files
  // while another folder does), the first check that reads answer files says so, once, and the
  // others that work on its files (kinds that declare `files`, git.committed's defaults included)
  // are skipped with a pointer to it, instead of one "missing" each.
  const misplaced = findMisplaced(files, spec);
  const reads = (c: CheckSpec) => typeof kinds.get(c.kind)?.files === 'function';
  const told = misplaced ? (wanted.find((c) => reads(c) && c.severity !== 'warn') ?? wanted.find(reads)) : undefined;

  const start = (check: CheckSpec): Promise<CheckResult> => {
    let p = started.get(check.id);
    if (!p) {
      p = (async () => {
        if (misplaced && reads(check)) return misplacedResult(spec, check, kinds, misplaced, told!);
        const deps = await Promise.all(check.dependsOn.map((d) => start(byId.get(d)!)));
        // A check that failed on form only (CheckResult.soft) lets its dependents judge the content.
        const blocked = deps.find((d) => d.status !== 'pass' && d.status !== 'warn' && !(d.status === 'fail' && d.soft));
        if (blocked) {
          // A skip propagates its root cause ("optional file not handed in"), not a chain of skips;
          // so does a fault: a check behind one that could not run was not judged either.
          const why =
            blocked.status === 'skip'
              ? (blocked.reason ?? `needs ${blocked.id}, which was skipped`)
              : `needs "${blocked.title}" (${blocked.id}), which ${blocked.status === 'error' ? 'could not run' : 'did not pass'}`;
          const r = skipped(check, kinds, why);
          if (blocked.fault) r.fault = blocked.fault;
          if (blocked.notJudged) Object.assign(r, { notJudged: true, maxPoints: 0 });
          return r;
        }
        const kind = kinds.get(check.kind);
        const need = kind ? needOf(kind, check.params) : 'files';
        if (!judgedIn(mode, need)) return { ...skipped(check, kinds, notJudgedReason(mode, need)), maxPoints: 0, notJudged: true };
        if (isLive(need) && (opts.offline || !opts.aws)) {
          // For a student, offline is a choice; for the grader, a check it did not judge.
          if (grading)
            return {
              ...skipped(check, kinds, 'not judged: the grader ran with --offline; grading again without it judges this check'),
              fault: 'offline',
            };
          return skipped(check, kinds, 'offline: this check needs the network (run without --offline to include it)');
        }
        if (kind?.needsIdentity && !opts.identity) {
          return skipped(check, kinds, `needs a valid user.cfg${opts.identityProblem ? ` (${opts.identityProblem})` : ''}`);
        }
        const earlier = opts.reuse?.get(check.id);
        if (earlier && !earlier.fault) return earlier;
        return limit.run(() => runOne(spec, check, runOpts));
      })();
      void p.then((r) => {
        trace(`${r.id} ${r.status}`);
        opts.onResult?.(r);
      });
      started.set(check.id, p);
    }
    return p;
  };
  // Start the checks that run processes (and what they depend on) first: a process's start-up is
  // the longest wait in a run, and it overlaps everything else only if it begins early.
  for (const k of new Set(wanted.map((c) => kinds.get(c.kind)))) k?.prepare?.().catch(() => {});
  for (const c of wanted) if (kinds.get(c.kind)?.spawns) void start(c);
  return Promise.all(wanted.map(start));
}

function selectWithDeps(checks: CheckSpec[], only?: string[]): CheckSpec[] {
  if (!only?.length) return checks;
  const byId = new Map(checks.map((c) => [c.id, c]));
  const keep = new Set<string>();
  const add = (id: string) => {
    if (keep.has(id) || !byId.has(id)) return;
    keep.add(id);
    byId.get(id)!.dependsOn.forEach(add);
  };
  only.forEach(add);
  return checks.filter((c) => keep.has(c.id));
}

async function runOne(spec: Spec, check: CheckSpec, opts: RunOptions & { files: AssignmentFiles; git?: GitView }): Promise<CheckResult> {
  const kind = (opts.kinds ?? registry).get(check.kind)!;
  const base = baseResult(check, titleOf(kind, check));
  // The abort signal is made when a check first asks for it: most checks never do, and an
  // AbortController is a few microseconds a check, thousands of times in a batch.
  let ac: AbortController | undefined;
  let timedOut = false;
  const ctx: CheckContext = {
    spec,
    check,
    course: opts.course,
    identity: opts.identity,
    files: opts.files,
    aws: opts.aws,
    git: opts.git,
    python: opts.python ?? 'python3',
    get signal() {
      if (!ac) {
        ac = new AbortController();
        if (timedOut) ac.abort();
      }
      return ac.signal;
    },
    now: opts.now ?? (() => new Date()),
    compilePython: opts.compilePython,
  };
  const t0 = performance.now();
  trace(`${check.id} starts`);
  let timer: NodeJS.Timeout | undefined;
  // The watchdog for a kind that hangs. Kinds that run student code or call services stop at the
  // check's time limit themselves and say whose fault it was (the student's slow code fails); the
  // watchdog waits a little longer, so on a loaded machine the kind's own verdict arrives first and
  // only a kind that truly hangs becomes a fault (the student is incomplete, never lowered).
  const watchdogMs = check.timeout * 1000 + Math.min(10_000, Math.max(2_000, check.timeout * 100));
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      ac?.abort();
      reject(new TimeoutError(check.timeout));
    }, watchdogMs);
  });
  let out: CheckResult;
  try {
    // A check that needs credentials is skipped, with one line on how to set them up, when there are none.
    const work =
      needOf(kind, check.params) === 'account' && opts.aws
        ? opts.aws.credentials().then(() => kind.run(ctx, check.params))
        : kind.run(ctx, check.params);
    const ret = await Promise.race([work, timeout]);
    out = { ...base, status: 'pass', points: base.maxPoints };
    const note = (ret as { note?: unknown } | undefined)?.note;
    if (typeof note === 'string' && note) out.note = maskKeyIds(note);
  } catch (e) {
    out = classify(base, check, e);
  } finally {
    clearTimeout(timer);
  }
  out.durationMs = Math.round(performance.now() - t0);
  return out;
}

const titles = new WeakMap<CheckSpec, string>();
/** A check's default title, worked out once per check (a batch runs the same spec for every student). */
function titleOf(kind: CheckKind<unknown>, check: CheckSpec): string {
  let t = titles.get(check);
  if (t === undefined) titles.set(check, (t = kind.title(check.params)));
  return t;
}

class TimeoutError extends Error {
  constructor(seconds: number) {
    super(`did not finish within its ${seconds}s time limit`);
  }
}

function classify(base: CheckResult, check: CheckSpec, e: unknown): CheckResult {
  if (e instanceof Failure) {
    const finding = {
      code: `${check.kind}/${e.code ?? 'failed'}`,
      rationale: e.rationale,
      hint: e.hint,
      expected: e.expected,
      actual: e.actual,
      file: e.file,
      line: e.line,
    };
    if (check.severity === 'warn') return { ...base, ...finding, status: 'warn', points: 0 };
    return { ...base, ...finding, status: 'fail', points: round2(base.maxPoints * e.partial), ...(e.soft && { soft: true }) };
  }
  if (e instanceof Advice) {
    return {
      ...base,
      code: `${check.kind}/${e.code ?? 'advice'}`,
      rationale: e.rationale,
      hint: e.hint,
      file: e.file,
      line: e.line,
      status: 'warn',
      points: base.maxPoints,
    };
  }
  if (e instanceof CannotJudge) return { ...base, status: 'skip', reason: e.reason, points: 0, fault: 'environment' };
  if (e instanceof Skip) return { ...base, status: 'skip', reason: e.reason, points: 0 };
  if (e instanceof Unavailable) return { ...base, status: 'error', reason: e.reason, hint: e.hint, points: 0, fault: 'network' };
  if (e instanceof TimeoutError) return { ...base, status: 'error', reason: e.message, points: 0, fault: 'timeout' };
  const err = e instanceof Error ? e : new Error(String(e));
  return { ...base, status: 'error', reason: `the check crashed: ${err.message}`, stack: err.stack, points: 0, fault: 'crash' };
}

function baseResult(check: CheckSpec, defaultTitle: string): CheckResult {
  return {
    id: check.id,
    kind: check.kind,
    title: check.title ?? defaultTitle,
    status: 'skip',
    points: 0,
    maxPoints: check.severity === 'warn' ? 0 : check.points,
    extraCredit: check.extraCredit,
    doc: `docs/checks/${check.kind}.md`,
    durationMs: 0,
  };
}

type Kinds = ReadonlyMap<string, CheckKind<any>>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The one result that says the work is not where the spec expects it; the other readers point to it. */
function misplacedResult(spec: Spec, check: CheckSpec, kinds: Kinds, m: Misplaced, told: CheckSpec): CheckResult {
  if (check !== told)
    return skipped(check, kinds, `${m.folder}/ ${m.missing ? 'is not there' : 'holds none of the required files'}: see ${told.id}`);
  const kind = kinds.get(check.kind);
  const finding = { ...describeMisplaced(m, spec.id), code: `${check.kind}/folder-missing` };
  return {
    ...baseResult(check, kind ? titleOf(kind, check) : check.kind),
    ...finding,
    status: check.severity === 'warn' ? 'warn' : 'fail',
    points: 0,
  };
}

function skipped(check: CheckSpec, kinds: Kinds, reason: string): CheckResult {
  const kind = kinds.get(check.kind);
  return { ...baseResult(check, kind ? titleOf(kind, check) : check.kind), status: 'skip', reason };
}

export type { Fault };

export function summarize(results: CheckResult[]): Summary {
  const s: Summary = { pass: 0, fail: 0, warn: 0, skip: 0, error: 0, points: 0, maxPoints: 0, extraCreditPoints: 0 };
  for (const r of results) {
    s[r.status as Status]++;
    if (r.extraCredit) s.extraCreditPoints += r.points;
    else {
      s.points += r.points;
      s.maxPoints += r.maxPoints;
    }
  }
  s.points = round2(s.points);
  s.maxPoints = round2(s.maxPoints);
  s.extraCreditPoints = round2(s.extraCreditPoints);
  return s;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
