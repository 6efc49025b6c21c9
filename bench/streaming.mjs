// Streaming checks: A2's mapreduce.streaming checks (the spec's own, run on its sample data with
// the test suite's passing fixture answers) through the harness's kind, against the same pipeline
// in a plain shell (`bash -c 'python3 m < in | LC_ALL=C sort | python3 r > out'`), measured in the
// same run, interleaved, median of 7. Plus one generated word count over a few MB, so the ratio
// is also seen where Python's work, not its start-up, dominates. Target: overhead ≤ 1.3× (total
// of A2's checks). Prints a table, then one JSON line; exit 1 when the target is missed.
// Run: node bench/streaming.mjs   (BENCH_RUNS=7 by default)
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const TARGET = 1.3;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const work = await realpath(await mkdtemp(path.join(tmpdir(), 'harness-bench-streaming-')));
const out = path.join(REPO, 'dist', `.bench-streaming-${process.pid}`);

try {
  await build({
    stdin: {
      contents: `export { default as streaming } from './lib/checks/mapreduce-streaming.ts'; export { AssignmentFiles } from './lib/fsio.ts'; export { resolvePython } from './lib/util/python.ts'; export { probeIsolation, probeSandbox } from './lib/run/sandbox.ts';`,
      resolveDir: REPO,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: path.join(out, 'kinds.mjs'),
    packages: 'external',
    logLevel: 'error',
  });
  const { streaming, AssignmentFiles, resolvePython, probeIsolation, probeSandbox } = await import(
    pathToFileURL(path.join(out, 'kinds.mjs')).href
  );
  const python = resolvePython(process.env, REPO);
  const iso = await probeIsolation();
  const box = await probeSandbox();

  // Cases: A2's streaming checks over a copy of A2 with the passing fixture answers laid on top.
  const cases = [];
  const a2 = path.join(REPO, 'assignments', 'A2');
  const answers = path.join(REPO, 'test', 'fixtures', 'A2', 'pass');
  if (existsSync(path.join(a2, 'assignment.yaml')) && existsSync(answers)) {
    const dir = path.join(work, 'A2');
    await cp(a2, dir, { recursive: true });
    await cp(answers, dir, { recursive: true });
    const spec = parse(await readFile(path.join(a2, 'assignment.yaml'), 'utf8'));
    for (const c of spec.checks.filter((c) => c.kind === 'mapreduce.streaming')) {
      // The check's own keys; the rest are the kind's params.
      const params = Object.fromEntries(
        Object.entries(c).filter(
          ([k]) => !['id', 'kind', 'title', 'points', 'dependsOn', 'extraCredit', 'timeout', 'description', 'severity'].includes(k),
        ),
      );
      const { id } = c;
      cases.push({ name: `A2 ${id}`, dir, params, a2: true });
    }
  }
  // A generated word count of a few MB.
  const wc = path.join(work, 'wc');
  await mkdir(wc);
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda', 'mu'];
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const lines = Array.from({ length: 60_000 }, () =>
    Array.from({ length: 8 }, () => words[Math.floor(rnd() * words.length)] + (rnd() < 0.3 ? Math.floor(rnd() * 500) : '')).join(' '),
  );
  await writeFile(path.join(wc, 'input.txt'), lines.join('\n') + '\n');
  await writeFile(
    path.join(wc, 'mapper.py'),
    'import sys\nfor line in sys.stdin:\n    for w in line.split():\n        print(w + "\\t1")\n',
  );
  await writeFile(
    path.join(wc, 'reducer.py'),
    'import sys\ncur, n = None, 0\nfor line in sys.stdin:\n    k, v = line.rstrip("\\n").split("\\t")\n    if k != cur:\n        if cur is not None:\n            print(cur + "\\t" + str(n))\n        cur, n = k, 0\n    n += int(v)\nif cur is not None:\n    print(cur + "\\t" + str(n))\n',
  );
  cases.push({
    name: 'word count (generated)',
    dir: wc,
    params: { mapper: 'mapper.py', reducer: 'reducer.py', input: 'input.txt', format: { fields: 2 } },
  });

  const runKind = async (c) => {
    const check = {
      id: 'bench',
      kind: 'mapreduce.streaming',
      points: 1,
      dependsOn: [],
      severity: 'error',
      timeout: 120,
      extraCredit: false,
      params: c.params,
    };
    const ctx = {
      spec: {
        id: 'B',
        title: 'B',
        timezone: 'UTC',
        points: 1,
        files: { required: [], optional: [] },
        checks: [check],
        dir: c.dir,
        file: path.join(c.dir, 'assignment.yaml'),
        hash: '0',
      },
      check,
      course: {},
      files: new AssignmentFiles(c.dir),
      python,
      signal: new AbortController().signal,
      now: () => new Date(),
    };
    const t0 = performance.now();
    try {
      await streaming.run(ctx, c.params);
    } catch (e) {
      throw new Error(`${c.name}: the check did not pass: ${e.rationale ?? e.message}`);
    }
    return performance.now() - t0;
  };
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  const stageCmd = (f) => (f.endsWith('.py') ? `${q(python)} ${q(f)}` : `./${q(f)}`);
  // The shell gets the harness's environment minus PYTHON* (the sandbox drops them too):
  // PYTHONUNBUFFERED=1, set on some machines, alone makes a pipeline's python 2-3 times slower.
  const shellEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PYTHON')));
  const runShell = (c) => {
    const p = c.params;
    const inputs = Array.isArray(p.input) ? p.input : [p.input];
    const parts = [`cat ${inputs.map(q).join(' ')} | ${stageCmd(p.mapper)}`, 'LC_ALL=C sort'];
    if (p.combiner) parts.push(stageCmd(p.combiner), 'LC_ALL=C sort');
    if (p.reducer) parts.push(stageCmd(p.reducer));
    const cmd = `${parts.join(' | ')} > ${q(path.join(work, 'shell-out'))}`;
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      const ch = spawn('bash', ['-c', cmd], { cwd: c.dir, stdio: 'inherit', env: shellEnv });
      ch.on('close', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${c.name}: shell pipeline failed`))));
    });
  };

  const rows = [];
  for (const c of cases) {
    await runKind(c); // warm the page cache and the probes
    await runShell(c);
    const k = [];
    const s = [];
    for (let i = 0; i < RUNS; i++) {
      if (i % 2) {
        s.push(await runShell(c));
        k.push(await runKind(c));
      } else {
        k.push(await runKind(c));
        s.push(await runShell(c));
      }
    }
    rows.push({ name: c.name, a2: !!c.a2, kindMs: median(k), shellMs: median(s), ratio: median(k) / median(s) });
  }

  const a2Rows = rows.filter((r) => r.a2);
  const judged = a2Rows.length ? a2Rows : rows;
  const total = { kindMs: judged.reduce((a, r) => a + r.kindMs, 0), shellMs: judged.reduce((a, r) => a + r.shellMs, 0) };
  const ratio = total.kindMs / total.shellMs;
  const pad = (s, n) => String(s).padEnd(n);
  console.log(
    `streaming checks, median of ${RUNS} (sandbox: ${box.mode === 'bwrap' ? `bwrap ${box.bwrap.version}` : `none (${box.reason}); network isolation: ${iso.net ? iso.net.join(' ') : 'unavailable'}, memory limit: ${iso.mem ?? 'unavailable'}`})`,
  );
  console.log(`${pad('check', 28)}${pad('harness ms', 12)}${pad('shell ms', 10)}ratio`);
  for (const r of rows)
    console.log(`${pad(r.name, 28)}${pad(r.kindMs.toFixed(0), 12)}${pad(r.shellMs.toFixed(0), 10)}${r.ratio.toFixed(2)}×`);
  console.log(
    `${pad(a2Rows.length ? 'A2 total' : 'total', 28)}${pad(total.kindMs.toFixed(0), 12)}${pad(total.shellMs.toFixed(0), 10)}${ratio.toFixed(2)}×  (target ≤ ${TARGET}×)`,
  );
  const ok = ratio <= TARGET;
  console.log(
    JSON.stringify({
      bench: 'streaming',
      runs: RUNS,
      target: TARGET,
      ratio: +ratio.toFixed(3),
      ok,
      isolation: { sandbox: box.mode, net: !!iso.net, mem: iso.mem ?? null },
      rows: rows.map((r) => ({ ...r, kindMs: +r.kindMs.toFixed(1), shellMs: +r.shellMs.toFixed(1), ratio: +r.ratio.toFixed(3) })),
    }),
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  await rm(work, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
}
