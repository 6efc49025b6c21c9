// `check A1` wall time on a complete offline answer set, against bare `node -e ''` measured in the
// same run (interleaved, so machine noise hits both alike). Target: median ratio ≤ 2.0.
// Also proves the offline path loads no package at run time (no AWS SDK, no schema compiler): the
// bundle is copied to a folder with no node_modules and must still pass.
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeExampleFork, REPO } from '../scripts/lib/fork.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const work = await realpath(await mkdtemp(path.join(tmpdir(), 'harness-bench-')));
const { fork } = await makeExampleFork(work);
const env = { ...process.env, NO_COLOR: '1', INIT_CWD: '', GIT_CONFIG_GLOBAL: '/dev/null' };

function time(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: fork, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Self-contained: the bundle alone, beside no node_modules, runs the whole offline check.
const lonely = path.join(work, 'lonely');
await cp(path.join(REPO, 'dist'), lonely, { recursive: true });
const alone = spawnSync(process.execPath, [path.join(lonely, 'harness.mjs'), 'check', 'A1', '--offline'], {
  cwd: fork,
  env,
  encoding: 'utf8',
});
const selfContained = alone.status === 0;

const cases = {
  'node -e ""': ['-e', ''],
  'check A1 (dist bundle)': [path.join(REPO, 'dist', 'harness.mjs'), 'check', 'A1', '--offline'],
  'check A1 (bin shim, as npm runs it)': [path.join(REPO, 'bin', 'harness.mjs'), 'check', 'A1', '--offline'],
};
const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < 3; i++) for (const args of Object.values(cases)) time(args); // warm the page cache
for (let i = 0; i < RUNS; i++) for (const [k, args] of Object.entries(cases)) samples[k].push(time(args));

const base = median(samples['node -e ""']);
console.log(`check A1 startup, ${RUNS} interleaved runs each (medians)`);
for (const [k, xs] of Object.entries(samples)) {
  console.log(`  ${k.padEnd(40)} ${median(xs).toFixed(1).padStart(7)} ms   ${(median(xs) / base).toFixed(2)}×`);
}
console.log(
  `  offline path self-contained (no node_modules: no AWS SDK, no ajv compile): ${selfContained ? 'yes' : `NO\n${alone.stdout}${alone.stderr}`}`,
);
const ratio = median(samples['check A1 (dist bundle)']) / base;
console.log(
  JSON.stringify({
    bench: 'startup',
    baselineMs: base,
    checkMs: median(samples['check A1 (dist bundle)']),
    shimMs: median(samples['check A1 (bin shim, as npm runs it)']),
    ratio: Number(ratio.toFixed(3)),
    target: 2.0,
    selfContained,
  }),
);
await rm(work, { recursive: true, force: true });
process.exitCode = ratio <= 2.0 && selfContained ? 0 : 1;
