// python.unittest: runs unit tests (the student's own, or the course's, such as mtr_fix_test.py)
// with Python's unittest in a sandboxed temporary copy, and reports each test. A small runner
// (passed with -c) uses unittest's API and prints one JSON line per event, tagged with a random
// string, so what the tests themselves print cannot be mistaken for a result. Partial credit is
// the share of tests that passed. See docs/checks/python.unittest.md.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { defineKind } from './kind.js';
import { testRunParams, testsOf, type TestRunParams } from './params.js';
import { Failure } from '../errors.js';
import { runSandboxed } from '../run/sandbox.js';
import { pythonEnv, withWorkdir } from '../run/workdir.js';
import { fmtSeconds, judgeRun, stderrTail } from '../run/judge.js';
import { plural, quoteLine } from '../util/text.js';

export type UnittestParams = TestRunParams;

const RUNNER = String.raw`
import sys, os, json, importlib, traceback, unittest
tag = os.environ.pop("HARNESS_UNITTEST_TAG", "")
out = sys.__stdout__
here = os.getcwd()
def emit(d):
    out.write("\n" + tag + json.dumps(d) + "\n"); out.flush()
def where(tb):
    frames = [f for f in traceback.extract_tb(tb) if f.filename.startswith(here)]
    return {"file": os.path.relpath(frames[-1].filename, here), "line": frames[-1].lineno} if frames else {}
def res(t, outcome, err=None, msg=None):
    d = {"event": "result", "id": t.id(), "outcome": outcome}
    if err:
        d["message"] = "".join(traceback.format_exception_only(err[0], err[1])).strip().split("\n")[-1]
        d["trace"] = "".join(traceback.format_exception(*err))[-3000:]
        d.update(where(err[2]))
    if msg: d["message"] = msg
    return d
class Result(unittest.TestResult):
    def startTest(self, t):
        super().startTest(t); emit({"event": "start", "id": t.id()})
    def addSuccess(self, t): emit(res(t, "pass"))
    def addFailure(self, t, err): emit(res(t, "fail", err))
    def addError(self, t, err): emit(res(t, "error", err))
    def addSkip(self, t, reason): emit(res(t, "skip", msg=reason))
    def addExpectedFailure(self, t, err): emit(res(t, "pass"))
    def addUnexpectedSuccess(self, t): emit(res(t, "fail", msg="passed, but is marked @expectedFailure"))
    def addSubTest(self, t, sub, err):
        if err is not None: emit(dict(res(t, "fail" if issubclass(err[0], t.failureException) else "error", err), sub=getattr(sub, "_subDescription", lambda: "")()))
suite = unittest.TestSuite()
plain = []
for spec in sys.argv[1:]:
    d, m = os.path.split(spec)
    sys.path.insert(0, os.path.abspath(d or "."))
    try:
        mod = importlib.import_module(m)
    except BaseException as e:
        emit({"event": "import", "module": spec, "message": "".join(traceback.format_exception_only(type(e), e)).strip().split("\n")[-1], "trace": "".join(traceback.format_exception(type(e), e, e.__traceback__))[-3000:]})
        sys.exit(0)
    suite.addTests(unittest.defaultTestLoader.loadTestsFromModule(mod))
    plain += [n for n, v in vars(mod).items() if n.startswith("test") and callable(v) and not isinstance(v, type)]
emit({"event": "loaded", "count": suite.countTestCases(), "plain": plain})
suite.run(Result())
emit({"event": "done"})
`;

interface Ev {
  plain?: string[];
  event: string;
  id?: string;
  outcome?: string;
  message?: string;
  trace?: string;
  file?: string;
  line?: number;
  module?: string;
  count?: number;
  sub?: string;
}

const shortId = (id: string) => id.split('.').slice(-2).join('.');

export default defineKind<UnittestParams>({
  kind: 'python.unittest',
  spawns: true,
  runsStudentCode: true,
  title: (p) => `the unit tests in ${testsOf(p).join(', ')} pass`,
  params: testRunParams('mtr_fix_test.py'),
  files: (p) => [...testsOf(p), ...(p.files ?? [])],
  async run(ctx, p) {
    const tests = testsOf(p);
    const modules = tests.map((t) => t.replace(/\.py$/, '').replace(/\\/g, '/'));
    const rerun = `python3 -m unittest -v ${modules.map((m) => m.replace(/\//g, '.')).join(' ')}`;
    return withWorkdir(ctx, [...tests, ...(p.files ?? [])], async (dir) => {
      const tag = `@@harness-${randomBytes(8).toString('hex')}@@`;
      const timeoutMs = Math.max(1, ctx.check.timeout * 1000 - 250);
      const maxOutputBytes = p.maxOutputBytes ?? 16 * 1024 * 1024;
      const res = await runSandboxed(ctx.python, ['-B', '-c', RUNNER, ...modules], {
        cwd: dir,
        timeoutMs,
        maxOutputBytes,
        signal: ctx.signal,
        env: { ...pythonEnv(ctx), HARNESS_UNITTEST_TAG: tag },
        python: ctx.python,
      });
      const events: Ev[] = res.stdout
        .toString('utf8')
        .split('\n')
        .filter((l) => l.startsWith(tag))
        .map((l) => JSON.parse(l.slice(tag.length)) as Ev);
      const imp = events.find((e) => e.event === 'import');
      if (imp) {
        const name = `${imp.module}.py`;
        const missing = /No module named '([^']+)'/.exec(imp.message ?? '');
        throw new Failure({
          code: 'import-error',
          rationale: `${name} could not be imported, so none of its tests ran: ${quoteLine(imp.message ?? '', 160)}`,
          hint: missing
            ? `The tests import ${missing[1]}; make sure ${missing[1].replace(/\./g, '/')}.py is handed in, next to ${name}, and spelled the same way (or the module is installed for python3).`
            : `Fix the error shown (the last lines say where it is); python3 -c "import ${path.basename(imp.module ?? '')}" reproduces it.`,
          actual: stderrTail(imp.trace ?? ''),
          file: name,
        });
      }
      const results = new Map<string, Ev>();
      let running: string | undefined;
      for (const e of events) {
        if (e.event === 'start') running = e.id;
        if (e.event !== 'result' || !e.id) continue;
        running = undefined;
        const prev = results.get(e.id);
        if (!prev || prev.outcome === 'pass' || (prev.outcome === 'skip' && e.outcome !== 'pass')) results.set(e.id, e); // a failing subtest decides
      }
      if (res.timedOut && running) {
        throw new Failure({
          code: 'timeout',
          rationale: `The test ${shortId(running)} did not finish within ${fmtSeconds(res.limits.timeoutMs)}, so the tests were stopped.`,
          hint: `Look for an endless loop or a read from input in that test or the code it calls; try: ${rerun}`,
          partial: partialOf([...results.values()], events),
        });
      }
      if (!events.some((e) => e.event === 'done')) judgeRun(ctx, 'The tests', res, rerun);
      if (!events.some((e) => e.event === 'done')) {
        throw new Failure({
          code: 'stopped',
          rationale: `The tests stopped before they finished (exit code ${res.code ?? res.signal}).`,
          hint: `Something in the tests or the code under test ended Python early (sys.exit or os._exit?); try: ${rerun}`,
          actual: stderrTail(res.stderr),
        });
      }
      const all = [...results.values()];
      if (all.length === 0) {
        // The course's 2017 tests were pytest-style: plain test_ functions, which unittest never runs.
        const plain = events.find((e) => e.event === 'loaded')?.plain ?? [];
        throw new Failure({
          code: plain.length ? 'pytest-style' : 'no-tests',
          rationale: plain.length
            ? `No unittest tests were found in ${tests.join(', ')}: ${plural(plain.length, 'plain function')} (${plain.slice(0, 3).join(', ')}${plain.length > 3 ? ', …' : ''}) ${plain.length === 1 ? 'is a' : 'are'} pytest-style test${plain.length === 1 ? '' : 's'}, which unittest does not run.`
            : `No tests were found in ${tests.join(', ')}.`,
          hint: plain.length
            ? 'Put them in a class that extends unittest.TestCase, or ask your instructor: a check of kind python.pytest runs plain test_ functions as they are.'
            : 'Tests are methods whose names start with test_, in a class that extends unittest.TestCase.',
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
            hint: 'Remove the @skip decorators (or skipTest calls) so the tests run.',
          });
        return { note: `${plural(passed, 'test')} passed${skipped ? `, ${skipped} skipped` : ''}` };
      }
      const first = bad[0];
      throw new Failure({
        code: 'tests-failed',
        rationale: `${bad.length} of ${plural(all.length - skipped, 'test')} did not pass${skipped ? ` (${skipped} skipped)` : ''}; the first is ${shortId(first.id!)}${first.sub ? ` ${first.sub}` : ''}: ${quoteLine(first.message ?? first.outcome!, 160)}`,
        hint: `${first.outcome === 'error' ? 'The test crashed (an error, not a failed assertion); ' : ''}run ${rerun} to see every test, fix the first failure, and run them again.`,
        actual:
          all
            .slice(0, 30)
            .map(
              (r) =>
                `${r.outcome === 'pass' ? 'ok  ' : r.outcome === 'skip' ? 'skip' : 'FAIL'} ${shortId(r.id!)}${r.message && r.outcome !== 'pass' ? `: ${r.message.slice(0, 160)}` : ''}`,
            )
            .join('\n') + (all.length > 30 ? '\n…' : ''),
        file: first.file,
        line: first.line,
        partial: partialOf(all, events),
      });
    });
  },
});

/** Passed tests / all tests (counting the ones that never ran because of a time limit as not passed). */
function partialOf(results: Ev[], events: Ev[]): number {
  const total = Math.max(results.length, events.find((e) => e.event === 'loaded')?.count ?? 0);
  const skipped = results.filter((r) => r.outcome === 'skip').length;
  return total - skipped > 0 ? results.filter((r) => r.outcome === 'pass').length / (total - skipped) : 0;
}
