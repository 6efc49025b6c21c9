// python.pytest: runs test files with a real pytest, the course's 2017 style (plain `test_*`
// functions that `assert`; unittest.TestCase classes run too), in a sandboxed temporary copy, and
// reports each test. A small runner (passed with -c) calls pytest.main in the python3 the check
// uses (as `python3 -m pytest` would) with a plugin that prints one JSON line per event, tagged
// with a random string. Where pytest, or a library the tests import, is not installed for that
// python3, the check cannot be judged here (CannotJudge), like the Spark kinds.
// See docs/checks/python.pytest.md.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { defineKind } from './kind.js';
import { testRunParams, testsOf, type TestRunParams } from './params.js';
import { CannotJudge, Failure } from '../errors.js';
import { runSandboxed } from '../run/sandbox.js';
import { pythonEnv, withWorkdir } from '../run/workdir.js';
import { fmtSeconds, judgeRun, stderrTail } from '../run/judge.js';
import { editDistance, plural, quoteLine } from '../util/text.js';
import type { CheckContext } from '../context.js';

export type PytestParams = TestRunParams;

// -c os.devnull, --rootdir and --confcutdir keep pytest to the copy: no pytest.ini, setup.cfg or
// conftest.py from a folder above it is read. PYTEST_DISABLE_PLUGIN_AUTOLOAD (set by the kind)
// keeps plugins installed on the machine (xdist, randomly) out of a run, so it is the same anywhere.
const RUNNER = String.raw`
import sys, os, json, re
tag = os.environ.pop("HARNESS_PYTEST_TAG", "")
out = sys.__stdout__
here = os.getcwd()
def emit(d):
    out.write("\n" + tag + json.dumps(d) + "\n"); out.flush()
try:
    import pytest
except BaseException as e:
    emit({"event": "nopytest", "message": "%s: %s" % (type(e).__name__, e)})
    sys.exit(0)
MISSING = re.compile(r"No module named '([^']+)'")
def last_error(text):
    es = [l[1:].strip() for l in text.splitlines() if l.startswith("E ")]
    ls = [l.strip() for l in text.splitlines() if l.strip()]
    return es[-1] if es else (ls[-1] if ls else "")
def inside(p):
    r = os.path.relpath(str(p), here)
    return None if r.startswith("..") or os.path.isabs(r) else r
def detail(rep):
    lr = rep.longrepr
    text = str(lr) if lr is not None else ""
    d = {"trace": text[-3000:]}
    crash = getattr(lr, "reprcrash", None)
    if isinstance(lr, tuple) and len(lr) == 3:
        d["message"] = str(lr[2])
    elif crash is not None:
        d["message"] = re.sub(r"^AssertionError: (?=assert )", "", crash.message)
    else:
        d["message"] = last_error(text)
    m = MISSING.findall(text)
    if m: d["missing"] = m[-1]
    where = inside(crash.path) if crash is not None else None
    if where: d.update(file=where, line=crash.lineno)
    elif rep.location: d.update(file=rep.location[0], line=(rep.location[1] or 0) + 1)
    return d
class Plugin:
    def pytest_collectreport(self, report):
        if report.failed:
            d = detail(report); d.update(event="collect", id=report.nodeid)
            emit(d)
    def pytest_collection_finish(self, session):
        emit({"event": "collected", "count": len(session.items)})
    def pytest_runtest_logstart(self, nodeid, location):
        emit({"event": "start", "id": nodeid})
    def pytest_runtest_logreport(self, report):
        xfail = hasattr(report, "wasxfail")
        if report.when == "call":
            outcome = "pass" if report.passed or (report.skipped and xfail) else "skip" if report.skipped else "fail"
        elif report.failed:
            outcome = "error"
        elif report.skipped:
            outcome = "skip"
        else:
            return
        d = {"event": "result", "id": report.nodeid, "outcome": outcome, "when": report.when}
        if outcome != "pass": d.update(detail(report))
        emit(d)
rc = pytest.main(["-q", "-p", "no:cacheprovider", "-c", os.devnull, "--rootdir", here, "--confcutdir", here] + sys.argv[1:], plugins=[Plugin()])
emit({"event": "done", "exit": int(rc), "version": pytest.__version__})
`;

interface Ev {
  event: string;
  id?: string;
  outcome?: 'pass' | 'fail' | 'error' | 'skip';
  when?: string;
  message?: string;
  trace?: string;
  file?: string;
  line?: number;
  missing?: string;
  count?: number;
  exit?: number;
  version?: string;
}

/** `quazyilx_test.py::test_fields` as the student reads it: `test_fields`, or `Class.test` for a class. */
const shortId = (id: string) => id.split('::').slice(1).join('.') || id;
const firstLine = (s: string | undefined) => (s ?? '').split('\n')[0].trim();
const RANK = { pass: 0, skip: 1, fail: 2, error: 3 } as const;

export default defineKind<PytestParams>({
  kind: 'python.pytest',
  runsStudentCode: true,
  spawns: true,
  title: (p) => `the tests in ${testsOf(p).join(', ')} pass`,
  params: testRunParams('quazyilx_test.py'),
  files: (p) => [...testsOf(p), ...(p.files ?? [])],
  async run(ctx, p) {
    const tests = testsOf(p).map((t) => t.replace(/\\/g, '/'));
    const rerun = `python3 -m pytest ${tests.join(' ')}`;
    return withWorkdir(ctx, [...tests, ...(p.files ?? [])], async (dir) => {
      const tag = `@@harness-${randomBytes(8).toString('hex')}@@`;
      const timeoutMs = Math.max(1, ctx.check.timeout * 1000 - 250);
      const maxOutputBytes = p.maxOutputBytes ?? 16 * 1024 * 1024;
      const env = { ...pythonEnv(ctx), HARNESS_PYTEST_TAG: tag, PYTEST_DISABLE_PLUGIN_AUTOLOAD: '1' };
      const res = await runSandboxed(ctx.python, ['-B', '-c', RUNNER, ...tests], {
        cwd: dir,
        timeoutMs,
        maxOutputBytes,
        signal: ctx.signal,
        env,
        python: ctx.python,
      });
      const events: Ev[] = res.stdout
        .toString('utf8')
        .split('\n')
        .filter((l) => l.startsWith(tag))
        .map((l) => JSON.parse(l.slice(tag.length)) as Ev);
      const noPytest = events.find((e) => e.event === 'nopytest');
      if (noPytest)
        throw new CannotJudge(
          `pytest is not installed for ${ctx.python === 'python3' ? 'python3' : `python3 (${ctx.python})`} here (${noPytest.message}); install it (Debian: apt-get install python3-pytest; or pip install pytest) to run this check locally (the grader runs it)`,
        );
      const collect = events.filter((e) => e.event === 'collect');
      const results = new Map<string, Ev>();
      let running: string | undefined;
      for (const e of events) {
        if (e.event === 'start') running = e.id;
        if (e.event !== 'result' || !e.id) continue;
        if (e.when !== 'setup') running = undefined;
        const prev = results.get(e.id);
        if (!prev || RANK[e.outcome!] > RANK[prev.outcome!]) results.set(e.id, e); // a failing teardown decides
      }
      await cannotImport(ctx, [...collect, ...results.values()], tests);
      if (collect.length) {
        const c = collect[0];
        throw new Failure({
          code: 'import-error',
          rationale: `${c.id || tests[0]} could not be collected, so none of its tests ran: ${quoteLine(firstLine(c.message), 160)}`,
          hint: c.missing
            ? `The tests import ${c.missing}; make sure ${c.missing.replace(/\./g, '/')}.py is handed in next to the tests and spelled the same way.`
            : `Fix the error shown (the lines before it say where it is); ${rerun} reproduces it.`,
          actual: stderrTail(c.trace ?? ''),
          file: c.file,
          line: c.line,
        });
      }
      const done = events.find((e) => e.event === 'done');
      if (res.timedOut && running) {
        throw new Failure({
          code: 'timeout',
          rationale: `The test ${shortId(running)} did not finish within ${fmtSeconds(timeoutMs)}, so the tests were stopped.`,
          hint: `Look for an endless loop or a read from input in that test or the code it calls; try: ${rerun}`,
          partial: partialOf([...results.values()], events),
        });
      }
      if (!done) judgeRun(ctx, 'The tests', res, rerun);
      if (!done) {
        throw new Failure({
          code: 'stopped',
          rationale: `The tests stopped before they finished (exit code ${res.code ?? res.signal}).`,
          hint: `Something in the tests or the code under test ended Python early (sys.exit or os._exit?); try: ${rerun}`,
          actual: stderrTail(res.stderr),
        });
      }
      const all = [...results.values()];
      if (all.length === 0) {
        throw new Failure({
          code: 'no-tests',
          rationale: `No tests were found in ${tests.join(', ')}.`,
          hint: 'Tests are functions whose names start with test_ (or test_ methods of a class whose name starts with Test), at the top level of the file.',
          file: tests[0],
        });
      }
      const bad = all.filter((r) => r.outcome === 'fail' || r.outcome === 'error');
      const passed = all.filter((r) => r.outcome === 'pass').length;
      const skipped = all.length - passed - bad.length;
      if (bad.length === 0) {
        if (passed === 0)
          throw new Failure({
            code: 'all-skipped',
            rationale: `Every test in ${tests.join(', ')} was skipped.`,
            hint: 'Remove the skip marks (or pytest.skip calls) so the tests run.',
          });
        return { note: `${plural(passed, 'test')} passed${skipped ? `, ${skipped} skipped` : ''} (pytest ${done.version})` };
      }
      const first = bad[0];
      throw new Failure({
        code: 'tests-failed',
        rationale: `${bad.length} of ${plural(all.length - skipped, 'test')} did not pass${skipped ? ` (${skipped} skipped)` : ''}; the first is ${shortId(first.id!)}: ${quoteLine(firstLine(first.message) || first.outcome!, 160)}`,
        hint: `${first.outcome === 'error' ? `The test's ${first.when} crashed (an error, not a failed assertion); ` : ''}run ${rerun} to see every test, fix the first failure, and run them again.`,
        actual:
          all
            .slice(0, 30)
            .map(
              (r) =>
                `${r.outcome === 'pass' ? 'ok  ' : r.outcome === 'skip' ? 'skip' : 'FAIL'} ${shortId(r.id!)}${r.message && r.outcome !== 'pass' ? `: ${firstLine(r.message).slice(0, 160)}` : ''}`,
            )
            .join('\n') + (all.length > 30 ? '\n…' : ''),
        file: first.file,
        line: first.line,
        partial: partialOf(all, events),
      });
    });
  },
});

/**
 * A library the tests (or the code they test) import that is not installed for this python3, such
 * as pyspark: the check cannot be judged here, as the Spark kinds skip. A missing module that is
 * one of the student's own files (or a letter or two off one: a typo) is their problem, and fails.
 */
async function cannotImport(ctx: CheckContext, evs: Ev[], tests: string[]): Promise<void> {
  const missing = evs.map((e) => e.missing?.split('.')[0]).filter((m): m is string => !!m);
  if (missing.length === 0) return;
  const dirs = new Set(tests.map((t) => path.posix.dirname(t)).concat('.'));
  const own = new Set<string>();
  for (const d of dirs) for (const n of await ctx.files.names(ctx.files.abs(d))) own.add(n.replace(/\.py$/, ''));
  const library = missing.find((m) => ![...own].some((n) => n === m || editDistance(n, m) <= 2));
  if (library)
    throw new CannotJudge(
      `the tests import ${library}, which is not installed for python3 here; install it to run this check locally (the grader runs it)`,
    );
}

/** Passed tests / tests that ran (counting the ones a time limit stopped as not passed). */
function partialOf(results: Ev[], events: Ev[]): number {
  const total = Math.max(results.length, events.find((e) => e.event === 'collected')?.count ?? 0);
  const skipped = results.filter((r) => r.outcome === 'skip').length;
  return total - skipped > 0 ? results.filter((r) => r.outcome === 'pass').length / (total - skipped) : 0;
}
