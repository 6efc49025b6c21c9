// Spec patterns, three ways, on the A0–A5 specs' patterns over the course's real answers
// (examples/ and the test fixtures' passing answer sets), each in fresh processes as a `check`:
//   - v8: plain RegExp (main before decision 0009);
//   - guarded: what check does now (lib/util/pattern.ts): RegExp under a vm time budget, one
//     linearTime() per pattern over all the inputs (a check guards one file's lines at once);
//   - re2: the linear-time engine alone (re2js), what an overrunning pattern falls back to.
// For each: module load, compiling every pattern once (cold), and matching every pattern against
// every answer line and field. Then lint's catastrophic-backtracking analysis (scslre), load included.
// Run: node bench/patterns.mjs   (BENCH_RUNS=N, default 7; medians printed)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
// Inside the repository (dist/ is ignored), so the bundles' few runtime requires resolve.
await mkdir(path.join(REPO, 'dist'), { recursive: true });
const work = await mkdtemp(path.join(REPO, 'dist', '.bench-patterns-'));
// Split like dist/ (scripts/build.mjs): the linear-time engine is a chunk of its own, loaded on demand.
const bundle = (name, contents) =>
  build({
    stdin: { contents, resolveDir: REPO, loader: 'ts', sourcefile: name.replace(/\.mjs$/, '.ts') },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    splitting: true,
    outdir: path.join(work, name.replace(/\.mjs$/, '')),
    outExtension: { '.js': '.mjs' },
    entryNames: 'index',
    logLevel: 'error',
    external: ['@aws-sdk/*', 'ajv'],
    minify: true,
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
await bundle('pattern.mjs', `export { compilePattern, compileLinear, linearTime, loadLinear } from './lib/util/pattern.ts';`);
await bundle(
  'spec.mjs',
  `export { specPatterns, patternHazards } from './lib/spec/patterns.ts'; export { loadSpec, locatorFor } from './lib/spec/load.ts'; export { loadCourse } from './lib/course.ts';`,
);

// The patterns and the answers, gathered once and handed to each measuring process as JSON.
const gather = `
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
const { specPatterns, loadSpec, loadCourse } = await import(${JSON.stringify(path.join(work, 'spec', 'index.mjs'))});
const course = await loadCourse(${JSON.stringify(REPO)});
const patterns = [];
for (const a of ['A0', 'A1', 'A2', 'A3', 'A4', 'A5']) for (const p of specPatterns(await loadSpec(path.join(${JSON.stringify(REPO)}, 'assignments', a, 'assignment.yaml'), course))) patterns.push([p.matched, p.flags]);
const lines = [];
const walk = (d) => { for (const n of readdirSync(d)) { const f = path.join(d, n); if (statSync(f).isDirectory()) walk(f); else { const b = readFileSync(f); if (!b.includes(0) && b.length < 1 << 20) lines.push(...b.toString('utf8').split('\\n')); } } };
walk(path.join(${JSON.stringify(REPO)}, 'examples', 'A1-student'));
for (const a of ['A0', 'A2', 'A3', 'A4', 'A5']) walk(path.join(${JSON.stringify(REPO)}, 'test', 'fixtures', a));
const inputs = [...new Set(lines.flatMap((l) => [l, ...l.split('\\t')]))];
process.stdout.write(JSON.stringify({ patterns, inputs }));`;
await writeFile(path.join(work, 'gather.mjs'), gather);
const data = execFileSync(process.execPath, [path.join(work, 'gather.mjs')], {
  encoding: 'utf8',
  env: { ...process.env, HARNESS_NO_CACHE: '1' },
});
await writeFile(path.join(work, 'data.json'), data);
const { patterns, inputs } = JSON.parse(data);

const PATTERN = JSON.stringify(path.join(work, 'pattern', 'index.mjs'));
const ENGINES = {
  v8: {
    load: 'const make = (s, f) => new RegExp(s, f);',
    run: 'for (const re of compiled) for (const s of inputs) if (re.test(s)) hits++;',
  },
  guarded: {
    load: `const m = await import(${PATTERN}); const make = m.compilePattern;`,
    run: 'for (const re of compiled) hits += await m.linearTime(() => { let h = 0; for (const s of inputs) if (re.test(s)) h++; return h; });',
  },
  re2: {
    load: `const m = await import(${PATTERN}); await m.loadLinear(); const make = m.compileLinear;`,
    run: 'for (const re of compiled) for (const s of inputs) if (re.test(s)) hits++;',
  },
};
const measure = ({ load, run }) => `
import { readFileSync } from 'node:fs';
const { patterns, inputs } = JSON.parse(readFileSync(${JSON.stringify(path.join(work, 'data.json'))}, 'utf8'));
let t = performance.now();
${load}
const loaded = performance.now() - t;
t = performance.now();
const compiled = patterns.map(([s, f]) => make(s, f));
const compile = performance.now() - t;
t = performance.now();
let hits = 0;
${run}
const match = performance.now() - t;
process.stdout.write(JSON.stringify({ load: loaded, compile, match, hits }));`;
for (const [k, e] of Object.entries(ENGINES)) await writeFile(path.join(work, `${k}.mjs`), measure(e));
await writeFile(
  path.join(work, 'lint.mjs'),
  `
const t = performance.now();
const { patternHazards, loadSpec, loadCourse, locatorFor } = await import(${JSON.stringify(path.join(work, 'spec', 'index.mjs'))});
const course = await loadCourse(${JSON.stringify(REPO)});
let n = 0;
for (const a of ['A0', 'A1', 'A2', 'A3', 'A4', 'A5']) {
  const file = ${JSON.stringify(REPO)} + '/assignments/' + a + '/assignment.yaml';
  n += (await patternHazards(await loadSpec(file, course), await locatorFor(file))).length;
}
process.stdout.write(JSON.stringify({ lint: performance.now() - t, hazards: n }));`,
);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = { v8: [], guarded: [], re2: [], lint: [] };
for (let i = 0; i < RUNS; i++) {
  for (const k of Object.keys(runs))
    runs[k].push(
      JSON.parse(
        execFileSync(process.execPath, [path.join(work, `${k}.mjs`)], { encoding: 'utf8', env: { ...process.env, HARNESS_NO_CACHE: '1' } }),
      ),
    );
}
const m = (k, f) => median(runs[k].map((r) => r[f]));
console.log(
  `spec patterns: ${patterns.length} patterns (A0–A5) × ${inputs.length} answer lines and fields, ${RUNS} fresh processes each (medians, ms)`,
);
for (const k of ['v8', 'guarded', 're2']) {
  console.log(
    `  ${k.padEnd(8)} load ${m(k, 'load').toFixed(1).padStart(6)}   compile ${m(k, 'compile').toFixed(1).padStart(6)}   match ${m(k, 'match').toFixed(1).padStart(7)}`,
  );
}
const same = runs.v8[0].hits === runs.guarded[0].hits && runs.v8[0].hits === runs.re2[0].hits;
console.log(`  same matches in all three: ${same ? 'yes' : `NO (${runs.v8[0].hits}, ${runs.guarded[0].hits}, ${runs.re2[0].hits})`}`);
console.log(
  `  lint analysis (scslre, load included): ${m('lint', 'lint').toFixed(0)} ms, ${runs.lint[0].hazards} hazards in the course's specs`,
);
const row = (k) => ({ load: m(k, 'load'), compile: m(k, 'compile'), match: m(k, 'match') });
console.log(
  JSON.stringify({
    bench: 'patterns',
    patterns: patterns.length,
    inputs: inputs.length,
    v8: row('v8'),
    guarded: row('guarded'),
    re2: row('re2'),
    lintMs: m('lint', 'lint'),
    sameMatches: same,
  }),
);
if (!process.env.BENCH_KEEP) await rm(work, { recursive: true, force: true });
// The target: the three ways agree on every match (speed is reported, not judged: see decision 0009).
process.exitCode = same ? 0 : 1;
