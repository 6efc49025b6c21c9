// `check A1` with every live check against the AWS stand-in (run in a child process, so the
// measured CLI never shares a CPU queue with the server's event loop): median wall time, compared
// with `check A1 --offline` and bare node in the same run, and the share spent loading the SDK
// (the import time of the five clients A1 uses, measured in its own process).
import { build } from 'esbuild';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeExampleFork, REPO } from '../scripts/lib/fork.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const work = await realpath(await mkdtemp(path.join(tmpdir(), 'harness-bench-live-')));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The stand-in and a git host that refuses anonymous reads, in one child process.
const standinJs = path.join(REPO, 'dist', '.standin', 'bench-standin.mjs');
await build({ entryPoints: [path.join(REPO, 'lib', 'standin', 'index.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: standinJs, packages: 'external', logLevel: 'error' });
const home = path.join(work, 'home');
mkdirSync(path.join(home, '.ssh'), { recursive: true });
const keyFile = path.join(home, '.ssh', 'ex123-key.pem');
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'bench passphrase', '-f', keyFile]);
chmodSync(keyFile, 0o600);
const q6 = readFileSync(path.join(REPO, 'examples/A1-student/q6-malfunctions.txt'), 'utf8');
const world = {
  accounts: [{
    id: '123456789012',
    credentials: [{ accessKeyId: 'STANDIN-BENCH-KEY', secretAccessKey: 'standin-bench-secret', user: 'ex123-admin' }],
    keyPairs: [{ region: 'us-east-1', name: 'ex123-key', keyType: 'ed25519', publicKey: readFileSync(`${keyFile}.pub`, 'utf8').trim() }],
    instances: [{ instanceId: 'i-0a1b2c3d4e5f60718', region: 'us-east-1', instanceType: 't2.micro', state: 'stopped', keyName: 'ex123-key' }],
    buckets: [{ name: 'ex123-example-a1', region: 'us-east-1', public: true, website: { indexDocument: 'index.html' }, objects: [{ key: 'q6-malfunctions.txt', body: q6 }] }],
    alarms: [{ name: 'billing', region: 'us-east-1', namespace: 'AWS/Billing', metricName: 'EstimatedCharges', threshold: 10, actions: ['arn:aws:sns:us-east-1:123456789012:billing'] }],
    emrClusters: [], dynamoTables: [],
  }],
};
const serverJs = path.join(work, 'server.mjs');
await writeFile(serverJs, `
import http from 'node:http';
import { startStandin } from ${JSON.stringify(standinJs)};
const s = await startStandin(${JSON.stringify(world)});
const git = http.createServer((_q, r) => r.writeHead(401, { 'WWW-Authenticate': 'Basic realm="x"' }).end());
await new Promise((r) => git.listen(0, '127.0.0.1', r));
process.stdout.write(JSON.stringify({ env: s.env, git: git.address().port }) + '\\n');
`);
const server = spawn(process.execPath, [serverJs], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
const info = await new Promise((resolve) => server.stdout.once('data', (d) => resolve(JSON.parse(String(d)))));

const { fork } = await makeExampleFork(work, {
  beforeCommit: async (dir) => writeFileSync(path.join(dir, 'q1.txt'), `http://127.0.0.1:${info.git}/ex123/anly502-example.git\n`),
});
const env = {
  ...process.env, ...info.env, NO_COLOR: '1', INIT_CWD: '', GIT_CONFIG_GLOBAL: '/dev/null', HOME: home,
  AWS_ACCESS_KEY_ID: 'STANDIN-BENCH-KEY', AWS_SECRET_ACCESS_KEY: 'standin-bench-secret',
  AWS_CONFIG_FILE: path.join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none'), HARNESS_LOOPBACK_ONLY: '1',
};
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
  server.kill();
}
const m = Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, median(xs)]));
const sdkLoad = m['import the 5 SDK clients A1 uses'] - m['node -e ""'];
const live = m['check A1 (live, stand-in)'];
console.log(`check A1 with live checks against the stand-in, ${RUNS} interleaved runs (medians)`);
for (const [k, v] of Object.entries(m)) console.log(`  ${k.padEnd(36)} ${v.toFixed(1).padStart(7)} ms`);
console.log(`  SDK loading: ${sdkLoad.toFixed(0)} ms, ${((100 * sdkLoad) / live).toFixed(0)}% of the live run`);
console.log(JSON.stringify({ bench: 'live', liveMs: live, offlineMs: m['check A1 --offline'], baselineMs: m['node -e ""'], sdkLoadMs: sdkLoad, sdkShare: Number((sdkLoad / live).toFixed(3)) }));
await rm(work, { recursive: true, force: true });
