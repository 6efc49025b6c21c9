import { describe, expect, it } from 'vitest';
import { chmod, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir, makeCtx, type FileMap } from './helpers/fixture.js';
import { Failure, Skip } from '../lib/errors.js';
import pythonSyntax from '../lib/checks/python-syntax.js';
import type { PythonSyntaxParams } from '../lib/checks/python-syntax.js';
import type { CheckContext } from '../lib/checks/kind.js';

async function outcome(files: FileMap, params: PythonSyntaxParams, over: Partial<CheckContext> = {}, optional: string[] = []) {
  const dir = await tempDir(files);
  const ctx = makeCtx(dir, params as Record<string, unknown>, over);
  ctx.spec.files.optional = optional;
  try {
    await pythonSyntax.run(ctx, params);
    return { dir, error: undefined };
  } catch (e) {
    return { dir, error: e as Failure & Skip };
  }
}

/** A stand-in "python" written as a shell script, for what a real python3 cannot show. */
async function fakePython(body: string): Promise<string> {
  const dir = await tempDir();
  const file = path.join(dir, 'python3');
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}

const good =
  'import sys\n\n\ndef main(url, out):\n    """Stream url into out."""\n    return 0\n\n\nif __name__ == "__main__":\n    sys.exit(main(*sys.argv[1:]))\n';

describe('python.syntax with the real python3', () => {
  it('passes a good file and leaves no __pycache__ behind', async () => {
    const { dir, error } = await outcome({ 'streaming-time.py': good, 'helper.py': 'X = 1\n' }, { file: 'streaming-time.py' });
    expect(error).toBeUndefined();
    expect((await readdir(dir)).sort()).toEqual(['helper.py', 'streaming-time.py']);
  });

  it('names the line, column and source of a syntax error', async () => {
    const { error } = await outcome({ 'q.py': 'x = 1\ny = 2\ndef f(:\n    pass\n' }, { file: 'q.py' });
    expect(error).toBeInstanceOf(Failure);
    expect(error!.line).toBe(3);
    expect(error!.rationale).toBe('q.py has a syntax error on line 3, column 7: invalid syntax.');
    expect(error!.actual).toBe('"def f(:"');
    expect(error!.hint).toContain('python3 q.py');
  });

  it('explains mixed tabs and spaces', async () => {
    const { error } = await outcome({ 'q.py': 'if True:\n\tx = 1\n        y = 2\n' }, { file: 'q.py' });
    expect(error!.rationale).toContain('an indentation error on line 3');
    expect(error!.hint).toContain('tabnanny');
  });

  it('spots Python 2 code', async () => {
    const { error } = await outcome({ 'q.py': 'print "hello"\n' }, { file: 'q.py' });
    expect(error!.rationale).toContain("Missing parentheses in call to 'print'");
    expect(error!.hint).toContain('print(...)');
  });

  it('lets Python decide the encoding: latin-1 fails without a coding line, passes with one', async () => {
    const latin = Buffer.from('s = "caf\xe9"\n', 'latin1');
    const { error } = await outcome({ 'q.py': latin }, { file: 'q.py' });
    expect(error!.rationale).toContain("can't decode byte 0xe9");
    expect(error!.hint).toContain('UTF-8');
    const declared = Buffer.concat([Buffer.from('# -*- coding: latin-1 -*-\n'), latin]);
    expect((await outcome({ 'q.py': declared }, { file: 'q.py' })).error).toBeUndefined();
  });

  it('compiles several files in one run, with partial credit for those that compile', async () => {
    const files = { 'a.py': good, 'b.py': 'def (\n', 'c.py': good, 'my mapper.py': 'for x in y print(x)\n' };
    const { error } = await outcome(files, { files: Object.keys(files) });
    expect(error!.file).toBe('b.py');
    expect(error!.partial).toBe(0.5);
    expect(error!.hint).toContain('my mapper.py has errors too');
  });

  it('skips optional files that are not handed in, and fails required ones', async () => {
    expect((await outcome({}, { file: 'extra.py' }, {}, ['extra.py'])).error).toBeInstanceOf(Skip);
    expect((await outcome({ 'a.py': good }, { files: ['a.py', 'extra.py'] }, {}, ['extra.py'])).error).toBeUndefined();
    expect((await outcome({}, { file: 'a.py' })).error!.rationale).toBe('a.py is missing.');
  });

  it('skips with a clear reason when python3 is missing', async () => {
    const { error } = await outcome({ 'q.py': good }, { file: 'q.py' }, { python: '/nonexistent/python3' });
    expect(error).toBeInstanceOf(Skip);
    expect(error!.reason).toBe('/nonexistent/python3 was not found; install Python 3 (or set HARNESS_PYTHON) to check q.py');
    const bare = await outcome({ 'q.py': good }, { file: 'q.py' }, { python: 'python3-not-installed' });
    expect(bare.error!.reason).toBe('python3-not-installed was not found on PATH; install Python 3 (or set HARNESS_PYTHON) to check q.py');
  });

  it('validates that exactly one of file and files is given', () => {
    expect(pythonSyntax.validate!({ file: 'a.py' })).toEqual([]);
    expect(pythonSyntax.validate!({})).toHaveLength(1);
    expect(pythonSyntax.validate!({ file: 'a.py', files: ['b.py'] })).toHaveLength(1);
  });
});

describe('python.syntax process handling', () => {
  it('runs in the assignment folder (for pyenv), without AWS_* variables, with bytecode writing off', async () => {
    const dump = path.join(await tempDir(), 'env.txt');
    const py = await fakePython(`{ pwd; env; echo "ARGS $*"; } > '${dump}'\necho '[null]'`);
    const secret = 'AKIA' + 'Q'.repeat(16);
    process.env.AWS_ACCESS_KEY_ID = secret;
    try {
      const { dir, error } = await outcome({ 'q.py': good }, { file: 'q.py' }, { python: py });
      expect(error).toBeUndefined();
      const seen = await readFile(dump, 'utf8');
      expect(seen).not.toContain(secret);
      expect(seen).toContain('PYTHONDONTWRITEBYTECODE=1');
      expect(seen).toMatch(/ARGS -I -B -S -c /);
      expect(seen.split('\n')[0]).toBe(dir); // a pyenv shim finds the student's .python-version
    } finally {
      delete process.env.AWS_ACCESS_KEY_ID;
    }
  });

  it('kills python when the check times out', async () => {
    const pidFile = path.join(await tempDir(), 'pid');
    const py = await fakePython(`echo $$ > '${pidFile}'\nexec sleep 30`);
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('timed out')), 300);
    const t0 = Date.now();
    const { error } = await outcome({ 'q.py': good }, { file: 'q.py' }, { python: py, signal: ac.signal });
    expect((error as unknown as Error).message).toBe('timed out');
    expect(Date.now() - t0).toBeLessThan(3000);
    const pid = Number(await readFile(pidFile, 'utf8'));
    expect(() => process.kill(pid, 0)).toThrow(); // gone
  });

  it('does not start python when already aborted', async () => {
    const ac = new AbortController();
    ac.abort(new Error('timed out'));
    const { error } = await outcome({ 'q.py': good }, { file: 'q.py' }, { signal: ac.signal });
    expect((error as unknown as Error).message).toBe('timed out');
  });

  it('says so when the python found is Python 2', async () => {
    const py = await fakePython(`echo '{"python2": "2.7.18"}'`);
    const { error } = await outcome({ 'q.py': good }, { file: 'q.py' }, { python: py });
    expect(error).toBeInstanceOf(Skip);
    expect(error!.reason).toContain('is Python 2.7.18; install Python 3');
  });

  it('reports a crash of the interpreter as an error, not a failure', async () => {
    const py = await fakePython('echo boom >&2; exit 3');
    const { error } = await outcome({ 'q.py': good }, { file: 'q.py' }, { python: py });
    expect(error).not.toBeInstanceOf(Failure);
    expect((error as unknown as Error).message).toContain('failed (exit 3): boom');
  });
});
