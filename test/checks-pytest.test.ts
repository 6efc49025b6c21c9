// python.pytest with a real pytest, on tests in the course's 2017 style (plain test_ functions that
// assert), written here for a fixture variant (a word splitter), never the course's graded code.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { makeCtx, tempDir, type FileMap } from './helpers/fixture.js';
import { CannotJudge, Failure, Skip } from '../lib/errors.js';
import type { CheckKind } from '../lib/checks/kind.js';
import pytestKind, { type PytestParams } from '../lib/checks/python-pytest.js';
import unittestKind from '../lib/checks/python-unittest.js';

const PY = process.env.HARNESS_PYTHON ?? 'python3';
const HAS_PYTEST = spawnSync(PY, ['-c', 'import pytest']).status === 0;
const HAS_PYSPARK = spawnSync(PY, ['-c', 'import pyspark']).status === 0;

const WORDS =
  'def words(line):\n    """The words of a line; ValueError for a blank one."""\n    ws = line.split()\n    if not ws:\n        raise ValueError("blank line")\n    return ws\n';
// The 2017 style: module-level test_ functions, plain assert, pytest.raises.
const TESTS = `import pytest

from words import words


def test_two_words():
    assert words("a b\\n") == ["a", "b"]


def test_spaces():
    assert words("  a   b ") == ["a", "b"]


def test_blank():
    with pytest.raises(ValueError):
        words("   ")
`;

async function outcome<P>(
  kind: CheckKind<P>,
  files: FileMap,
  params: P,
  over: { timeout?: number; python?: string } = {},
): Promise<{ note?: string } | Failure | Skip | Error> {
  const dir = await tempDir(files, 'harness-pytest-');
  const ctx = makeCtx(dir, params as Record<string, unknown>, over.python ? { python: over.python } : {});
  ctx.check.timeout = over.timeout ?? 30;
  try {
    return (await kind.run(ctx, params)) ?? {};
  } catch (e) {
    return e as Error;
  }
}
const run = (files: FileMap, params: PytestParams = { tests: 'words_test.py', files: ['words.py'] }, over = {}) =>
  outcome(pytestKind, files, params, over);

describe.skipIf(!HAS_PYTEST)('python.pytest with a real pytest', () => {
  it('passes 2017-style tests: plain test_ functions with assert', async () => {
    const r = await run({ 'words.py': WORDS, 'words_test.py': TESTS });
    expect(r).toEqual({ note: expect.stringMatching(/^3 tests passed \(pytest \d+\.\d+/) });
  });

  it('runs unittest.TestCase classes too, and leaves nothing behind in the student folder', async () => {
    const files = {
      'words.py': WORDS,
      'words_test.py':
        'import unittest\nfrom words import words\n\nclass T(unittest.TestCase):\n    def test_one(self):\n        self.assertEqual(words("x"), ["x"])\n',
    };
    const dir = await tempDir(files, 'harness-pytest-');
    const ctx = makeCtx(dir, {});
    expect(await pytestKind.run(ctx, { tests: 'words_test.py', files: ['words.py'] })).toEqual({
      note: expect.stringMatching(/^1 test passed/),
    });
    expect(spawnSync('ls', ['-A', dir], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).sort()).toEqual([
      'words.py',
      'words_test.py',
    ]);
  });

  it("a failing assert: which test, pytest's own message, the line, and partial credit", async () => {
    const spaces =
      'def words(line):\n    if not line.strip():\n        raise ValueError("blank line")\n    return line.strip().split(" ")\n';
    const f = (await run({ 'words.py': spaces, 'words_test.py': TESTS })) as Failure;
    expect(f).toBeInstanceOf(Failure);
    expect(f.code).toBe('tests-failed');
    expect(f.rationale).toMatch(/^1 of 3 tests did not pass; the first is test_spaces: "assert \[.*\] == \['a', 'b'\]/);
    expect([f.file, f.line]).toEqual(['words_test.py', 11]);
    expect(f.actual?.split('\n')).toEqual(['ok   test_two_words', expect.stringMatching(/^FAIL test_spaces: assert/), 'ok   test_blank']);
    expect(f.hint).toContain('python3 -m pytest words_test.py');
    expect(f.partial).toBeCloseTo(2 / 3);
  });

  it('an error in a fixture is a crash of the test, not a failed assertion', async () => {
    const tests =
      'import pytest\n\n@pytest.fixture\ndef data():\n    raise OSError("no data")\n\ndef test_uses(data):\n    assert data\n\ndef test_fine():\n    assert True\n';
    const f = (await run({ 'words_test.py': tests }, { tests: 'words_test.py' })) as Failure;
    expect(f.rationale).toMatch(/^1 of 2 tests did not pass; the first is test_uses: "OSError: no data"/);
    expect(f.hint).toMatch(/^The test's setup crashed/);
    expect(f.partial).toBe(0.5);
  });

  it('a test file that imports a library missing here (pyspark) is skipped with the reason, never failed', async () => {
    const lib = HAS_PYSPARK ? 'harness_absent_library' : 'pyspark';
    const r = await run({ 'words.py': WORDS, 'words_test.py': `import ${lib}\n${TESTS}` });
    expect(r).toBeInstanceOf(CannotJudge);
    expect((r as Skip).reason).toBe(
      `the tests import ${lib}, which is not installed for python3 here; install it to run this check locally (the grader runs it)`,
    );
    // The same inside the module under test, at test time rather than at collection.
    const inside = await run({ 'words.py': `def words(line):\n    import ${lib}\n`, 'words_test.py': TESTS });
    expect((inside as Skip).reason).toMatch(new RegExp(`^the tests import ${lib},`));
  });

  it("an import of the student's own module that is misspelt or not handed in fails", async () => {
    const f = (await run({ 'words.py': WORDS, 'words_test.py': TESTS.replace('from words import', 'from wrods import') })) as Failure;
    expect(f).toBeInstanceOf(Failure);
    expect(f.code).toBe('import-error');
    expect(f.rationale).toMatch(
      /^words_test.py could not be collected, so none of its tests ran: "ModuleNotFoundError: No module named 'wrods'"/,
    );
    const g = (await run({ 'words_test.py': 'def test_x(:\n    pass\n' }, { tests: 'words_test.py' })) as Failure;
    expect([g.code, g.rationale]).toEqual(['import-error', expect.stringMatching(/could not be collected.*SyntaxError/)]);
  });

  it('no tests, and tests that are all skipped, fail', async () => {
    expect(((await run({ 'words_test.py': 'X = 1\n' }, { tests: 'words_test.py' })) as Failure).code).toBe('no-tests');
    const skipped = (await run(
      { 'words_test.py': 'import pytest\n\n@pytest.mark.skip(reason="later")\ndef test_a():\n    pass\n' },
      { tests: 'words_test.py' },
    )) as Failure;
    expect(skipped.code).toBe('all-skipped');
  });

  it('a test that never ends is stopped and named', async () => {
    const f = (await run(
      { 'words_test.py': 'def test_ok():\n    pass\n\ndef test_forever():\n    while True:\n        pass\n' },
      { tests: 'words_test.py' },
      { timeout: 4 },
    )) as Failure;
    expect([f.code, f.rationale]).toEqual(['timeout', expect.stringMatching(/^The test test_forever did not finish within 3\.8 s/)]);
    expect(f.partial).toBe(0.5);
  }, 20_000);
});

describe('python.pytest where pytest is not installed', () => {
  it('skips with the reason and how to install it', async () => {
    // A python3 that cannot see the site-packages pip and Debian install pytest into: a virtual
    // environment of its own (the sandbox shows an interpreter's installation, as for any venv).
    const venv = path.join(await tempDir({}, 'harness-nopytest-'), 'venv');
    execFileSync(PY, ['-m', 'venv', '--without-pip', venv]);
    const py = path.join(venv, 'bin', 'python3');
    const r = await run({ 'words.py': WORDS, 'words_test.py': TESTS }, undefined, { python: py });
    expect(r).toBeInstanceOf(CannotJudge);
    expect((r as Skip).reason).toMatch(
      /^pytest is not installed for python3 \(.*\) here \(ModuleNotFoundError: No module named 'pytest'\); install it \(Debian: apt-get install python3-pytest; or pip install pytest\)/,
    );
  });
});

describe('python.unittest on 2017-style tests', () => {
  it('says they are pytest-style tests, rather than that there are none', async () => {
    const f = (await outcome(
      unittestKind,
      { 'words.py': WORDS, 'words_test.py': TESTS },
      { tests: 'words_test.py', files: ['words.py'] },
    )) as Failure;
    if (!HAS_PYTEST) return; // the test file imports pytest
    expect(f.code).toBe('pytest-style');
    expect(f.rationale).toBe(
      'No unittest tests were found in words_test.py: 3 plain functions (test_two_words, test_spaces, test_blank) are pytest-style tests, which unittest does not run.',
    );
    expect(f.hint).toMatch(/python\.pytest/);
  });
});
