// `check A1` with every live check against the AWS stand-in (run in a child process, so the
// measured CLI never shares a CPU queue with the server's event loop): median wall time, compared
// with `check A1 --offline` and bare node in the same run, and the share spent loading the SDK
// (the import time of the five clients A1 uses, measured in its own process).
import { spawnSync } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO } from '../scripts/lib/fork.mjs';
import { startLiveExample } from '../scripts/lib/live-example.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const work = await realpath(await mkdtemp(path.join(tmpdir(), 'harness-bench-live-')));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The example student's fork, the stand-in and a git host that refuses anonymous reads.
const { fork, env, stop } = await startLiveExample(work);
function time(args, cwd = fork) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return ms;
}
const cli = path.join(REPO, 'dist', 'harness.mjs');
const sdkImport = `await Promise.all(['client-sts','client-ec2','client-s3','client-cloudwatch','client-emr'].map((c) => import('@aws-sdk/' + c)))`;
const cases = {
  'node -e ""': ['-e', ''],
  'import the 5 SDK clients A1 uses': ['--input-type=module', '-e', sdkImport],
  'check A1 --offline': [cli, 'check', 'A1', '--offline'],
  'check A1 (live, stand-in)': [cli, 'check', 'A1'],
};
const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
try {
  // The SDK import runs from the repository, where the packages resolve.
  const cwdOf = (k) => (k.startsWith('import') ? REPO : fork);
  for (const [k, args] of Object.entries(cases)) time(args, cwdOf(k)); // warm up; the live run must pass
  for (let i = 0; i < RUNS; i++) for (const [k, args] of Object.entries(cases)) samples[k].push(time(args, cwdOf(k)));
} finally {
  stop();
}
const m = Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, median(xs)]));
const sdkLoad = m['import the 5 SDK clients A1 uses'] - m['node -e ""'];
const live = m['check A1 (live, stand-in)'];
console.log(`check A1 with live checks against the stand-in, ${RUNS} interleaved runs (medians)`);
for (const [k, v] of Object.entries(m)) console.log(`  ${k.padEnd(36)} ${v.toFixed(1).padStart(7)} ms`);
console.log(`  SDK loading: ${sdkLoad.toFixed(0)} ms, ${((100 * sdkLoad) / live).toFixed(0)}% of the live run`);
console.log(
  JSON.stringify({
    bench: 'live',
    liveMs: live,
    offlineMs: m['check A1 --offline'],
    baselineMs: m['node -e ""'],
    sdkLoadMs: sdkLoad,
    sdkShare: Number((sdkLoad / live).toFixed(3)),
  }),
);
await rm(work, { recursive: true, force: true });
