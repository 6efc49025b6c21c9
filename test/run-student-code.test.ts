// The kinds that run students' code, on fixture variants written here: their own sample data and
// reference solutions (word count, hits per month), never the course's graded answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { makeCtx, tempDir } from './helpers/fixture.js';
import { Failure, Skip } from '../lib/errors.js';
import type { CheckKind } from '../lib/checks/kind.js';
import streaming from '../lib/checks/mapreduce-streaming.js';
import unittestKind from '../lib/checks/python-unittest.js';
import programOutput from '../lib/checks/program-output.js';
import mrjobLocal from '../lib/checks/mrjob-local.js';
import pysparkLocal from '../lib/checks/pyspark-local.js';
import { probeIsolation, runSandboxed, SECRET_NAME, setSandboxCeilings } from '../lib/run/sandbox.js';

const PY = process.env.HARNESS_PYTHON ?? 'python3';

const TEXT = 'the quick brown fox\nJumps over the lazy dog\nthe end\n\nDog days\n';
const MAPPER = `import sys
for line in sys.stdin:
    for w in line.split():
        print(f"{w.lower()}\\t1")
`;
const REDUCER = `import sys
cur, n = None, 0
for line in sys.stdin:
    k, v = line.rstrip("\\n").split("\\t")
    if k != cur:
        if cur is not None:
            print(f"{cur}\\t{n}")
        cur, n = k, 0
    n += int(v)
if cur is not None:
    print(f"{cur}\\t{n}")
`;
/** The expected word counts, computed independently of the Python solution. */
function wordCounts(text: string): string {
  const m = new Map<string, number>();
  for (const w of text.split(/\s+/).filter(Boolean)) m.set(w.toLowerCase(), (m.get(w.toLowerCase()) ?? 0) + 1);
  return [...m.keys()]
    .sort()
    .map((k) => `${k}\t${m.get(k)}\n`)
    .join('');
}
const EXPECTED = wordCounts(TEXT);

/** Runs a kind the way the engine does, returning the thrown outcome (or the returned note). */
async function outcome<P>(
  kind: CheckKind<P>,
  dir: string,
  params: P,
  over: { timeout?: number } = {},
): Promise<{ note?: string } | Failure | Skip | Error> {
  const ctx = makeCtx(dir, params as Record<string, unknown>);
  ctx.check.timeout = over.timeout ?? 30;
  try {
    return (await kind.run(ctx, params)) ?? {};
  } catch (e) {
    return e as Error;
  }
}

/** Live processes (not zombies) whose command line holds `marker`. */
function running(marker: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker)) continue;
      // A zombie nobody reaped yet (PID 1 in a container may not) is dead too.
      if (!/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${p}/stat`, 'utf8'))) out.push(Number(p));
    } catch {
      /* gone */
    }
  }
  return out;
}

/**
 * A mapper's word count that then closes its output (stdout becomes /dev/null), so sort and the
 * stages after it go on while it keeps running: what follows it in the program runs beside them.
 */
const WORDS_THEN_WAIT =
  'for line in sys.stdin:\n    for w in line.split():\n        print(w + "\\t1")\nsys.stdout.flush()\nos.dup2(os.open("/dev/null", os.O_WRONLY), 1)\n';

describe('mapreduce.streaming', () => {
  it('passes a correct mapper and reducer, and leaves the student folder untouched', async () => {
    const dir = await tempDir({ 'mapper.py': MAPPER, 'reducer.py': REDUCER, 'data/in.txt': TEXT, 'expected.txt': EXPECTED });
    const r = await outcome(streaming, dir, { mapper: 'mapper.py', reducer: 'reducer.py', input: 'data/in.txt', expected: 'expected.txt' });
    expect(r).not.toBeInstanceOf(Error);
    expect((r as { note: string }).note).toMatch(/all 10 lines match/);
    expect(readdirSync(dir).sort()).toEqual(['data', 'expected.txt', 'mapper.py', 'reducer.py']);
  });

  it('takes the expected output inline (expectedText) and compares sorted or normalized', async () => {
    const dir = await tempDir({ 'mapper.py': MAPPER, 'reducer.py': REDUCER, 'in.txt': TEXT });
    const shuffled = EXPECTED.trimEnd().split('\n').reverse().join('\n') + '\n';
    expect(
      await outcome(streaming, dir, {
        mapper: 'mapper.py',
        reducer: 'reducer.py',
        input: 'in.txt',
        expectedText: shuffled,
        compare: 'sorted',
      }),
    ).not.toBeInstanceOf(Error);
    expect(
      await outcome(streaming, dir, { mapper: 'mapper.py', reducer: 'reducer.py', input: 'in.txt', expectedText: shuffled }),
    ).toBeInstanceOf(Failure);
    const spaced = EXPECTED.replace(/\t/g, '   ') + '\n\n';
    expect(
      await outcome(streaming, dir, {
        mapper: 'mapper.py',
        reducer: 'reducer.py',
        input: 'in.txt',
        expectedText: spaced,
        compare: 'normalized',
      }),
    ).not.toBeInstanceOf(Error);
  });

  it('fails a buggy reducer at the first differing line, with partial credit when asked', async () => {
    // Bug: the last key is never printed.
    const buggy = REDUCER.replace(/if cur is not None:\n {4}print\(f"\{cur\}\\t\{n\}"\)\n$/, '');
    expect(buggy).not.toBe(REDUCER);
    const dir = await tempDir({ 'mapper.py': MAPPER, 'reducer.py': buggy, 'in.txt': TEXT });
    const f = (await outcome(streaming, dir, {
      mapper: 'mapper.py',
      reducer: 'reducer.py',
      input: 'in.txt',
      expectedText: EXPECTED,
      partialCredit: true,
    })) as Failure;
    expect(f).toBeInstanceOf(Failure);
    expect(f.rationale).toBe("The reducer's output stops after line 9, but more lines are expected.");
    expect(f.expected).toContain('the');
    expect(f.line).toBe(10);
    expect(f.partial).toBeCloseTo(9 / 10);
    // Bug 2: a wrong count in the middle.
    const dir2 = await tempDir({ 'mapper.py': MAPPER.replace('w.lower()', 'w'), 'reducer.py': REDUCER, 'in.txt': TEXT });
    const g = (await outcome(streaming, dir2, {
      mapper: 'mapper.py',
      reducer: 'reducer.py',
      input: 'in.txt',
      expectedText: EXPECTED,
    })) as Failure;
    expect(g.rationale).toBe("Line 1 of the reducer's output differs from the expected output.");
    expect(g.expected).toContain('brown');
    expect(g.actual).toContain('Dog');
    expect(g.partial).toBe(0);
    expect(g.hint).toContain('python3 mapper.py < in.txt | LC_ALL=C sort | python3 reducer.py');
  });

  it('runs a combiner per map task, and catches a reducer that only works without one', async () => {
    const files = { 'mapper.py': MAPPER, 'combiner.py': REDUCER, 'reducer.py': REDUCER, 'a.txt': TEXT, 'b.txt': 'the dog\n' };
    const dir = await tempDir(files);
    const want = wordCounts(TEXT + 'the dog\n');
    expect(
      await outcome(streaming, dir, {
        mapper: 'mapper.py',
        combiner: 'combiner.py',
        reducer: 'reducer.py',
        input: ['a.txt', 'b.txt'],
        expectedText: want,
      }),
    ).not.toBeInstanceOf(Error);
    expect(
      await outcome(streaming, dir, {
        mapper: 'mapper.py',
        combiner: 'combiner.py',
        reducer: 'reducer.py',
        input: 'a.txt',
        expectedText: EXPECTED,
      }),
    ).not.toBeInstanceOf(Error);
    // Counting lines instead of adding values is right without a combiner, wrong with one.
    const counting = REDUCER.replace('n += int(v)', 'n += 1');
    const dir2 = await tempDir({ ...files, 'reducer.py': counting });
    expect(
      await outcome(streaming, dir2, { mapper: 'mapper.py', reducer: 'reducer.py', input: ['a.txt', 'b.txt'], expectedText: want }),
    ).not.toBeInstanceOf(Error);
    const f = (await outcome(streaming, dir2, {
      mapper: 'mapper.py',
      combiner: 'combiner.py',
      reducer: 'reducer.py',
      input: ['a.txt', 'b.txt'],
      expectedText: want,
    })) as Failure;
    expect(f).toBeInstanceOf(Failure);
    expect(f.rationale).toMatch(/^Line \d+ of the reducer's output differs/);
    const g = (await outcome(streaming, dir2, {
      mapper: 'mapper.py',
      combiner: 'combiner.py',
      reducer: 'reducer.py',
      input: 'a.txt',
      expectedText: EXPECTED,
    })) as Failure;
    expect(g.rationale).toMatch(/^Line \d+ of the reducer's output differs/);
  });

  it('reports a crashing stage with the end of its traceback', async () => {
    const dir = await tempDir({ 'mapper.py': MAPPER.replace('\\t1', ' 1'), 'reducer.py': REDUCER, 'in.txt': TEXT });
    const f = (await outcome(streaming, dir, {
      mapper: 'mapper.py',
      reducer: 'reducer.py',
      input: 'in.txt',
      format: { fields: 2 },
    })) as Failure;
    expect(f).toBeInstanceOf(Failure);
    expect(f.rationale).toMatch(/^The reducer reducer.py stopped with an error \(exit code 1\): "ValueError: not enough values to unpack/);
    expect(f.actual).toContain('Traceback (most recent call last)');
    expect(f.actual).toContain('line 4');
    expect(f.file).toBe('reducer.py');
  });

  it('checks the output shape when no expected output is given (the public spec)', async () => {
    const dir = await tempDir({ 'mapper.py': MAPPER, 'reducer.py': REDUCER, 'in.txt': TEXT });
    const ok = await outcome(streaming, dir, {
      mapper: 'mapper.py',
      reducer: 'reducer.py',
      input: 'in.txt',
      format: { fields: 2, patterns: ['\\S+', '\\d+'] },
    });
    expect((ok as { note: string }).note).toBe('10 lines in the expected form');
    const f = (await outcome(streaming, dir, {
      mapper: 'mapper.py',
      reducer: 'reducer.py',
      input: 'in.txt',
      format: { fields: 3 },
    })) as Failure;
    expect(f.rationale).toBe("Line 1 of the reducer's output has 2 fields, but 3 tab-separated fields are expected.");
  });

  it('stops a mapper that never ends, and kills everything it started', async () => {
    // The sandbox shows the mapper none of this machine's folders, so its processes are found by a
    // marker in their command line (a sleep of an unusual length), from outside.
    const marker = `${300 + Math.floor(Math.random() * 1000)}.${process.pid}`;
    const forever = `import os, subprocess, sys, time
subprocess.Popen(["sleep", "${marker}"])
subprocess.Popen(["setsid", "sleep", "${marker}"])
while True:
    time.sleep(0.05)
`;
    const dir = await tempDir({ 'mapper.py': forever, 'reducer.py': REDUCER, 'in.txt': TEXT });
    const t0 = Date.now();
    const f = (await outcome(streaming, dir, {
      mapper: 'mapper.py',
      reducer: 'reducer.py',
      input: 'in.txt',
      stageTimeout: 1,
      format: { fields: 2 },
    })) as Failure;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(f.rationale).toBe('The mapper mapper.py did not finish within 1 s, so it was stopped.');
    expect(f.code).toBe('time-limit');
    await new Promise((r) => setTimeout(r, 200));
    expect(running(marker)).toEqual([]);
  });

  it('stops a mapper that floods its output', async () => {
    const flood = 'import sys\nwhile True:\n    sys.stdout.write("x" * 999 + "\\n")\n';
    const dir = await tempDir({ 'mapper.py': flood, 'in.txt': TEXT });
    const f = (await outcome(streaming, dir, { mapper: 'mapper.py', input: 'in.txt', maxOutputBytes: 100_000 })) as Failure;
    expect(f.rationale).toBe('The mapper mapper.py wrote more than 98 KB of output, so it was stopped.');
  });

  it("runs the student's stages in one sandbox: each sees its own descriptors and environment, and the one over a limit is blamed", async () => {
    // Each stage names the descriptors it holds past stderr, and whether it got the map task's variable.
    const look = (role: string) => `import os, sys
held = []
for f in sorted(os.listdir("/proc/self/fd"), key=int):
    try:
        held.append(f + "=" + os.readlink("/proc/self/fd/" + f))
    except OSError:
        pass
for line in sys.stdin:
    pass
print("${role}\t" + ",".join(h for h in held if int(h.split("=")[0]) > 2) + "|" + str(os.environ.get("mapreduce_map_input_file")) + "|" + os.environ.get("LC_ALL", ""))
`;
    const dir = await tempDir({ 'mapper.py': look('map'), 'reducer.py': look('reduce'), 'in.txt': TEXT });
    const seen = await outcome(streaming, dir, { mapper: 'mapper.py', reducer: 'reducer.py', input: 'in.txt', expectedText: 'x\n' });
    expect(seen).toBeInstanceOf(Failure);
    // The reducer read the mapper's one line and printed its own: no descriptor but its stdio (the
    // listing's own, closed by the time it is read, does not count; nor those the harness inherited),
    // and the map task's variable for the mapper only.
    expect((seen as Failure).actual ?? (seen as Failure).rationale).toContain('reduce\\t|None|C');
    const f = await outcome(streaming, dir, { mapper: 'mapper.py', input: 'in.txt', expectedText: 'x\n' });
    expect((f as Failure).actual ?? (f as Failure).rationale).toMatch(/map\\t[^|]*\|in\.txt\|C/);

    // A reducer that floods its output is named, not the mapper that was stopped with it.
    const flood = 'import sys\nsys.stdin.readline()\nwhile True:\n    sys.stdout.write("x" * 999 + "\\n")\n';
    const slow = `import os, sys, time\n${WORDS_THEN_WAIT}time.sleep(5)\n`;
    const dir2 = await tempDir({ 'mapper.py': slow, 'reducer.py': flood, 'in.txt': TEXT });
    const capped = (await outcome(streaming, dir2, {
      mapper: 'mapper.py',
      reducer: 'reducer.py',
      input: 'in.txt',
      maxOutputBytes: 100_000,
      format: { fields: 2 },
    })) as Failure;
    expect(capped.rationale).toMatch(/^The reducer reducer\.py wrote more than 98 KB of output, so it was stopped\.$/);
  }, 60_000);

  it('ends a stage with its program: a helper it left behind does not hold the pipeline open', async () => {
    // The mapper starts a helper that inherits its stdout and outlives it (as a forgotten Popen
    // does). The stage ends when the mapper does, as when each stage had a sandbox of its own.
    const leaves = `import subprocess, sys\nsubprocess.Popen(["sleep", "30"])\n${MAPPER.replace('import sys\n', '')}`;
    const dir = await tempDir({ 'mapper.py': leaves, 'reducer.py': REDUCER, 'in.txt': TEXT });
    const t0 = Date.now();
    const r = await outcome(streaming, dir, {
      mapper: 'mapper.py',
      reducer: 'reducer.py',
      input: 'in.txt',
      expectedText: EXPECTED,
      stageTimeout: 10,
    });
    expect(r).not.toBeInstanceOf(Error);
    expect(Date.now() - t0).toBeLessThan(8000);
    // One that puts itself in a session of its own, out of reach of the stage's group, holds the
    // output open until the time limit: the mapper is named, not sort waiting on it.
    const hides = `import subprocess, sys\nsubprocess.Popen(["setsid", "sleep", "30"])\n${MAPPER.replace('import sys\n', '')}`;
    const dir2 = await tempDir({ 'mapper.py': hides, 'reducer.py': REDUCER, 'in.txt': TEXT });
    const f = (await outcome(streaming, dir2, {
      mapper: 'mapper.py',
      reducer: 'reducer.py',
      input: 'in.txt',
      expectedText: EXPECTED,
      stageTimeout: 2,
    })) as Failure;
    expect(f.rationale).toBe('The mapper mapper.py did not finish within 2 s, so it was stopped.');
  }, 60_000);

  it("sorts a large map output on disk, not in the sandbox's small /tmp", async () => {
    // 61 MB of map output (under the 64 MB cap) from a pipe: GNU sort spills it to temporary files
    // (28 of them for 64 MB here), more than the sandbox's 64 MB /tmp holds with its merge files.
    const big =
      'import random, sys\nr = random.Random(7)\nw = sys.stdout.write\nfor i in range(1_750_000):\n    w("%032x\\t1\\n" % r.getrandbits(128))\n';
    const count = 'import sys\nn = 0\nfor line in sys.stdin:\n    n += 1\nprint("lines\\t%d" % n)\n';
    const dir = await tempDir({ 'mapper.py': big, 'reducer.py': count, 'in.txt': 'x\n' });
    const r = await outcome(streaming, dir, {
      mapper: 'mapper.py',
      reducer: 'reducer.py',
      input: 'in.txt',
      expectedText: 'lines\t1750000\n',
    });
    expect(r).not.toBeInstanceOf(Error);
  }, 120_000);

  it('names the stage that used the memory when the sandbox they share goes over it', async () => {
    // Each under the limit alone (and under the per-process cap), over it together: the mapper
    // holds 60 MB while it prints and waits, the reducer reads a line and then takes 250 MB. The
    // stage using the most when the whole goes over is named; the mapper is not blamed.
    const take = (mb: number) => `held = bytearray(${mb} * 1000000)\nfor i in range(0, len(held), 4096):\n    held[i] = 1\n`;
    const slow = `import os, sys, time\n${take(60)}${WORDS_THEN_WAIT}time.sleep(3)\n`;
    const hog = `import sys, time\nsys.stdin.readline()\n${take(250)}time.sleep(5)\n`;
    const dir = await tempDir({ 'mapper.py': slow, 'reducer.py': hog, 'in.txt': TEXT });
    setSandboxCeilings({ memoryBytes: 300 * 1024 * 1024 });
    try {
      const f = (await outcome(streaming, dir, {
        mapper: 'mapper.py',
        reducer: 'reducer.py',
        input: 'in.txt',
        format: { fields: 2 },
      })) as Failure;
      expect(f.code, `${f.rationale} ${f.actual}`).toBe('memory-limit');
      expect(f.rationale).toBe('The reducer reducer.py used more than 300 MB of memory (all its processes together), so it was stopped.');
    } finally {
      setSandboxCeilings({});
    }
  }, 60_000);

  it('gives student code no AWS credentials, tokens or real HOME', async () => {
    const key = 'AKIA' + 'Q'.repeat(16);
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: key,
      AWS_SECRET_ACCESS_KEY: 'x'.repeat(40),
      AWS_PROFILE: 'default',
      GITHUB_TOKEN: 'ghp_' + 'z'.repeat(20),
      PYTHONPATH: '/nowhere',
    });
    try {
      const peek = 'import os, sys\nfor line in sys.stdin:\n    pass\nprint("aws\\t" + str(os.environ.get("AWS_ACCESS_KEY_ID")))\n';
      const dir = await tempDir({ 'mapper.py': peek, 'in.txt': TEXT });
      expect(await outcome(streaming, dir, { mapper: 'mapper.py', input: 'in.txt', expectedText: 'aws\tNone\n' })).not.toBeInstanceOf(
        Error,
      );
      const res = await runSandboxed(PY, ['-c', 'import os, json; print(json.dumps(dict(os.environ)))'], { cwd: dir });
      const env = JSON.parse(res.stdout.toString()) as Record<string, string>;
      expect(Object.keys(env).filter((k) => SECRET_NAME.test(k) || k.startsWith('PYTHONPATH'))).toEqual([]);
      expect(JSON.stringify(env)).not.toContain(key);
      // In the sandbox the run's folder is /assignment; without one, the folder itself.
      expect(res.isolation === 'bwrap' ? env.HOME === '/assignment/.home' : env.HOME.startsWith(dir)).toBe(true);
      expect(env.LC_ALL).toBe('C');
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    }
  });

  it('runs executables with a #! line, and explains one without the executable bit', async () => {
    const sh =
      '#!/bin/sh\nexec ' + PY + ' -c "import sys\nfor l in sys.stdin:\n  [print(w.lower() + chr(9) + \'1\') for w in l.split()]"\n';
    const dir = await tempDir({ 'mapper.sh': sh, 'reducer.py': REDUCER, 'in.txt': TEXT });
    const f = (await outcome(streaming, dir, {
      mapper: 'mapper.sh',
      reducer: 'reducer.py',
      input: 'in.txt',
      expectedText: EXPECTED,
    })) as Failure;
    expect(f.rationale).toBe('mapper.sh is not executable, and is not a .py file that could be run with python3.');
    const { chmod } = await import('node:fs/promises');
    await chmod(path.join(dir, 'mapper.sh'), 0o755);
    expect(
      await outcome(streaming, dir, { mapper: 'mapper.sh', reducer: 'reducer.py', input: 'in.txt', expectedText: EXPECTED }),
    ).not.toBeInstanceOf(Error);
  });

  it('lint: rejects expected and expectedText together, and format with an expected output', () => {
    expect(streaming.validate!({ mapper: 'm.py', input: 'i', expected: 'e', expectedText: 'x' })).toHaveLength(1);
    expect(streaming.validate!({ mapper: 'm.py', input: 'i', expectedText: 'x', format: { fields: 2 } })).toHaveLength(1);
    expect(streaming.validate!({ mapper: 'm.py', input: 'i', format: { fields: 2, patterns: ['('] } })).toHaveLength(1);
  });
});

describe('sandbox', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((s) => s.end('hello\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('cuts student code off the network where the machine allows it', async (t) => {
    const dir = await tempDir();
    const probe = `import socket\ntry:\n    socket.create_connection(("127.0.0.1", ${port}), timeout=3).recv(10)\n    print("connected")\nexcept OSError as e:\n    print("blocked", e)\n`;
    const host = await runSandboxed(PY, ['-c', probe], { cwd: dir, network: 'host' });
    expect(host.stdout.toString()).toBe('connected\n'); // the test server works
    const iso = await probeIsolation();
    if (!iso.net) {
      t.skip(); // `unshare -rn` does not work on this machine: network isolation is unavailable, documented
      return;
    }
    const res = await runSandboxed(PY, ['-c', probe], { cwd: dir });
    expect(res.stdout.toString()).toMatch(/^blocked/);
    if (iso.ip) {
      const lo = await runSandboxed(PY, ['-c', 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); print("ok")'], {
        cwd: dir,
        network: 'loopback',
      });
      expect(lo.stdout.toString()).toBe('ok\n');
      expect((await runSandboxed(PY, ['-c', probe], { cwd: dir, network: 'loopback' })).stdout.toString()).toMatch(/^blocked/);
    }
  });

  it('limits memory where the machine allows it, and reports abort', async () => {
    const dir = await tempDir();
    const iso = await probeIsolation();
    if (iso.mem) {
      const res = await runSandboxed(PY, ['-c', 'x = bytearray(600 * 1024 * 1024); print("allocated")'], {
        cwd: dir,
        memoryBytes: 300 * 1024 * 1024,
      });
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain('MemoryError');
    }
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('stop')), 200);
    await expect(runSandboxed(PY, ['-c', 'import time; time.sleep(30)'], { cwd: dir, signal: ac.signal })).rejects.toThrow('stop');
  });

  it('feeds stdin from a file and reports a missing command', async () => {
    const dir = await tempDir({ 'in.txt': 'abc\n' });
    const res = await runSandboxed('cat', [], { cwd: dir, stdin: { file: path.join(dir, 'in.txt') } });
    expect(res.stdout.toString()).toBe('abc\n');
    expect((await runSandboxed('no-such-command-here', [], { cwd: dir })).startError).toBe('ENOENT');
  });
});

// A quazyilx-style module and its tests: parse "timestamp x y z" lines.
const PARSER = `def parse(line):
    t, x, y, z = line.split()
    return (int(t), int(x), int(y), int(z))

def bad(rec):
    return rec[1] < 0
`;
const PARSER_TEST = `import unittest
from parser import parse, bad

class ParseTest(unittest.TestCase):
    def test_parse(self):
        self.assertEqual(parse("1 2 3 4"), (1, 2, 3, 4))
    def test_bad(self):
        self.assertTrue(bad((0, -1, 0, 0)))
    def test_good(self):
        self.assertFalse(bad((0, 1, 0, 0)))
    def test_many(self):
        for i, want in [(0, False), (1, False)]:
            with self.subTest(i=i):
                self.assertEqual(bad((0, i, 0, 0)), want)
    @unittest.skip("needs the full data set")
    def test_full(self):
        pass

if __name__ == "__main__":
    unittest.main()
`;

describe('python.unittest', () => {
  it('passes when every test passes, reporting skips', async () => {
    const dir = await tempDir({ 'parser.py': PARSER, 'parser_test.py': PARSER_TEST });
    const r = await outcome(unittestKind, dir, { tests: 'parser_test.py', files: ['parser.py'] });
    expect(r).toEqual({ note: '4 tests passed, 1 skipped' });
    expect(readdirSync(dir).sort()).toEqual(['parser.py', 'parser_test.py']); // no __pycache__
  });

  it('gives partial credit and names the first failing test and its line', async () => {
    // Bug: the boundary is wrong, so 0 counts as bad.
    const dir = await tempDir({
      'parser.py': PARSER.replace('rec[1] < 0', 'rec[1] <= 0'),
      'parser_test.py': PARSER_TEST + 'print("noise that looks like a result")\n',
    });
    const f = (await outcome(unittestKind, dir, { tests: 'parser_test.py', files: ['parser.py'] })) as Failure;
    expect(f).toBeInstanceOf(Failure);
    expect(f.rationale).toBe(
      '1 of 4 tests did not pass (1 skipped); the first is ParseTest.test_many (i=0): "AssertionError: True != False"',
    );
    expect(f.partial).toBeCloseTo(3 / 4);
    expect(f.file).toBe('parser_test.py');
    expect(f.line).toBe(14);
    expect(f.actual).toContain('FAIL ParseTest.test_many');
    expect(f.actual).toContain('ok   ParseTest.test_parse');
  });

  it('fails with the import error when the module under test is missing or broken', async () => {
    const dir = await tempDir({ 'parser_test.py': PARSER_TEST });
    const f = (await outcome(unittestKind, dir, { tests: 'parser_test.py' })) as Failure;
    expect(f.rationale).toBe(
      'parser_test.py could not be imported, so none of its tests ran: "ModuleNotFoundError: No module named \'parser\'"',
    );
    expect(f.hint).toContain('make sure parser.py is handed in');
    const dir2 = await tempDir({ 'parser.py': 'def parse(line)\n', 'parser_test.py': PARSER_TEST });
    const g = (await outcome(unittestKind, dir2, { tests: 'parser_test.py', files: ['parser.py'] })) as Failure;
    expect(g.rationale).toMatch(/^parser_test.py could not be imported, so none of its tests ran: "SyntaxError/);
    expect(g.partial).toBe(0);
  });

  it('names the test that hangs', async () => {
    const hang = PARSER_TEST.replace('def test_parse(self):\n', 'def test_parse(self):\n        import time; time.sleep(60)\n');
    const dir = await tempDir({ 'parser.py': PARSER, 'parser_test.py': hang });
    const f = (await outcome(unittestKind, dir, { tests: 'parser_test.py', files: ['parser.py'] }, { timeout: 4 })) as Failure; // room for python's start on a busy machine
    expect(f.rationale).toMatch(/^The test ParseTest.test_parse did not finish within 3.8 s/);
  });
});

const HITS = '2017-01-03 GET /\n2017-01-09 GET /a\n2017-02-11 GET /\n2017-03-01 GET /b\n2017-03-02 GET /\n2017-03-30 GET /c\n';
const HITS_PER_MONTH =
  'import sys\nfrom collections import Counter\nc = Counter(l[:7] for l in open(sys.argv[1]) if l.strip())\nwith open("hits.txt", "w") as f:\n    for m in sorted(c):\n        f.write(f"{m}\\t{c[m]}\\n")\n';
const HITS_EXPECTED = '2017-01\t2\n2017-02\t1\n2017-03\t3\n';

describe('program.output', () => {
  it('regenerates the output file from the program and compares it', async () => {
    // The student's own (stale) hits.txt must not be what is judged.
    const dir = await tempDir({ 'hits.py': HITS_PER_MONTH, 'logs.txt': HITS, 'hits.txt': 'stale\n' });
    const params = { command: ['python3', 'hits.py', 'logs.txt'], output: 'hits.txt', expectedText: HITS_EXPECTED, files: ['hits.txt'] };
    expect(await outcome(programOutput, dir, params)).toEqual({ note: 'all 3 lines match the expected output' });
    expect(readFileSync(path.join(dir, 'hits.txt'), 'utf8')).toBe('stale\n');
    const dir2 = await tempDir({ 'hits.py': HITS_PER_MONTH.replace('l[:7]', 'l[:4]'), 'logs.txt': HITS });
    const f = (await outcome(programOutput, dir2, params)) as Failure;
    expect(f.rationale).toBe('Line 1 of hits.txt differs from the expected output.');
    expect(f.expected).toBe(JSON.stringify('2017-01\t2'));
    expect(f.actual).toBe(JSON.stringify('2017\t6'));
  });

  it('reads stdout by default and says when the output file is not written', async () => {
    const dir = await tempDir({
      'hits.py': HITS_PER_MONTH.replace('with open("hits.txt", "w") as f:', 'if True:\n    f = sys.stdout'),
      'logs.txt': HITS,
    });
    expect(
      await outcome(programOutput, dir, {
        command: ['python3', 'hits.py', 'logs.txt'],
        format: { fields: 2, patterns: ['\\d{4}-\\d{2}', '\\d+'] },
      }),
    ).toEqual({ note: '3 lines in the expected form' });
    const f = (await outcome(programOutput, dir, {
      command: ['python3', 'hits.py', 'logs.txt'],
      output: 'hits.txt',
      format: { fields: 2 },
    })) as Failure;
    expect(f.rationale).toBe('The program (python3 hits.py logs.txt) ran, but did not write hits.txt.');
  });

  it('cannot reach the network when the machine can isolate it', async (t) => {
    const server = createServer((s) => s.end('hi\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const dir = await tempDir({
        'net.py': `import socket\ntry:\n    socket.create_connection(("127.0.0.1", ${port}), timeout=3)\n    print("connected")\nexcept OSError:\n    print("blocked")\n`,
      });
      if (!(await probeIsolation()).net) {
        t.skip(); // network isolation is unavailable on this machine (`unshare -rn` failed)
        return;
      }
      expect(await outcome(programOutput, dir, { command: ['python3', 'net.py'], expectedText: 'blocked\n' })).not.toBeInstanceOf(Error);
    } finally {
      server.close();
    }
  });
});

const FAKE_MRJOB = `# A stand-in for mrjob (not installed here): just enough of MRJob to run a job inline.
import itertools, json, sys
class MRJob:
    @classmethod
    def run(cls):
        args, files, runner = sys.argv[1:], [], None
        while args:
            a = args.pop(0)
            if a == "-r":
                runner = args.pop(0)
            elif not a.startswith("--"):
                files.append(a)
        if runner not in ("inline", "local"):
            sys.exit("fake mrjob runs only -r inline or -r local")
        job = cls()
        pairs = [kv for f in files for line in open(f) for kv in (job.mapper(None, line.rstrip("\\n")) or [])]
        pairs.sort(key=lambda kv: json.dumps(kv[0]))
        for k, group in itertools.groupby(pairs, key=lambda kv: kv[0]):
            for ok, ov in job.reducer(k, (v for _, v in group)):
                print(json.dumps(ok) + "\\t" + json.dumps(ov))
`;
const JOB = `from mrjob.job import MRJob
class HitsPerMonth(MRJob):
    def mapper(self, _, line):
        if line.strip():
            yield line[:7], 1
    def reducer(self, month, counts):
        yield month, sum(counts)
if __name__ == "__main__":
    HitsPerMonth.run()
`;

describe('mrjob.local and pyspark.local', () => {
  it('skip (never pass) when the library is not installed', async () => {
    const saved = process.env.PYTHONPATH;
    delete process.env.PYTHONPATH;
    try {
      const dir = await tempDir({ 'job.py': JOB, 'logs.txt': HITS, 'spark.py': 'import pyspark\n' });
      const r = await outcome(mrjobLocal, dir, { job: 'job.py', input: 'logs.txt', expectedText: 'x\n' });
      expect(r).toBeInstanceOf(Skip);
      expect((r as Skip).reason).toBe(
        'mrjob is not installed for python3; pip install mrjob to run this check locally (the grader runs it)',
      );
      const s = await outcome(pysparkLocal, dir, { script: 'spark.py' });
      expect((s as Skip).reason).toMatch(/^pyspark is not installed for python3; pip install pyspark/);
    } finally {
      if (saved !== undefined) process.env.PYTHONPATH = saved;
    }
  });

  it('run the job when the library is importable (a stand-in mrjob and pyspark on PYTHONPATH)', async () => {
    const lib = await tempDir({
      'mrjob/__init__.py': '__version__ = "0.0-standin"\n',
      'mrjob/job.py': FAKE_MRJOB,
      'pyspark/__init__.py': '__version__ = "0.0-standin"\n',
    });
    const saved = process.env.PYTHONPATH;
    process.env.PYTHONPATH = lib;
    try {
      const dir = await tempDir({ 'job.py': JOB, 'logs.txt': HITS });
      const want = '"2017-01"\t2\n"2017-02"\t1\n"2017-03"\t3\n';
      expect(await outcome(mrjobLocal, dir, { job: 'job.py', input: 'logs.txt', expectedText: want })).toEqual({
        note: 'all 3 lines match the expected output',
      });
      const f = (await outcome(mrjobLocal, dir, { job: 'job.py', input: 'logs.txt', expectedText: want.replace('\t3', '\t4') })) as Failure;
      expect(f.rationale).toBe("Line 3 of the job's output differs from the expected output.");
      // The PySpark script sees a local master and a working loopback, writes part files.
      const script = `import os, socket, pyspark
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.close()
os.makedirs("out")
open("out/part-00001", "w").write("b\\t2\\n")
open("out/part-00000", "w").write(os.environ["PYSPARK_SUBMIT_ARGS"].split()[1] + "\\t1\\n")
open("out/_SUCCESS", "w").write("")
`;
      const dir2 = await tempDir({ 'spark.py': script });
      expect(
        await outcome(pysparkLocal, dir2, { script: 'spark.py', output: 'out', expectedText: 'local[*]\t1\nb\t2\n' }),
      ).not.toBeInstanceOf(Error);
    } finally {
      if (saved === undefined) delete process.env.PYTHONPATH;
      else process.env.PYTHONPATH = saved;
    }
  });
});

describe('the grader holds student code to stricter ceilings', () => {
  it('output, time and network ceilings win over what a check asks for', async () => {
    const { runSandboxed, setSandboxCeilings } = await import('../lib/run/sandbox.js');
    const { GRADER_CEILINGS } = await import('../cli/grader.js');
    expect(GRADER_CEILINGS).toMatchObject({ network: 'none' });
    const dir = await tempDir({}, 'harness-ceil-');
    setSandboxCeilings({ maxOutputBytes: 1000, timeoutMs: 500 });
    try {
      const flood = await runSandboxed('/bin/sh', ['-c', 'yes x | head -c 100000'], { cwd: dir, maxOutputBytes: 10_000_000 });
      expect(flood.capped).toBe(true);
      expect(flood.stdout.length).toBeLessThanOrEqual(1000);
      expect(flood.limits.maxOutputBytes).toBe(1000); // what a message about it must quote
      const slow = await runSandboxed('sleep', ['5'], { cwd: dir, timeoutMs: 60_000 });
      expect(slow.timedOut).toBe(true);
      expect(slow.ms).toBeLessThan(3000);
    } finally {
      setSandboxCeilings({});
    }
  });
});
