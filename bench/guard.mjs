#!/usr/bin/env node
// Cost-guard bench: `scanCosts` over 17 regions against the stand-in with 150 ms added to every
// call, against the latency of one call measured in the same run. DescribeRegions must come first,
// so the floor is two round trips; the bar is 2.5x one call.
//   node bench/guard.mjs [--runs 5] [--latency-ms 150]
// The stand-in runs in a child process (its own core, as AWS would be), bundled on the fly with
// esbuild like bench/zip.mjs does. Prints a table, then one JSON line; exit 1 when the bar is missed.
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BAR = 2.5;
const flag = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : fallback;
};
const runs = flag('--runs', 5);
const latencyMs = flag('--latency-ms', 150);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Bundled inside the repository so the bundles resolve node_modules (s3rver, the AWS SDK).
const out = path.join(REPO, 'dist', `.bench-guard-${process.pid}`);
await mkdir(out, { recursive: true });
let child;
try {
  const { build } = await import('esbuild');
  await build({
    entryPoints: {
      standin: path.join(REPO, 'standin/index.ts'),
      guard: path.join(REPO, 'lib/aws/guard.ts'),
      access: path.join(REPO, 'lib/aws/access.ts'),
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir: out,
    packages: 'external',
    splitting: true,
    logLevel: 'error',
  });
  // The stand-in's process: start, print the URL, serve until stdin closes.
  await writeFile(
    path.join(out, 'serve.mjs'),
    `
    import { startStandin, sampleWorld } from './standin.js';
    const w = sampleWorld();
    w.faults = [{ kind: 'latency', ms: ${latencyMs} }];
    w.accounts[0].emrClusters.push({ id: 'j-BENCH', name: 'bench', region: 'ap-south-1', state: 'WAITING' });
    const s = await startStandin(w);
    process.stdout.write(JSON.stringify({ url: s.url }) + '\\n');
    process.stdin.on('end', () => s.stop().then(() => process.exit(0)));
    process.stdin.resume();
  `,
  );
  child = spawn(process.execPath, [path.join(out, 'serve.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const { url } = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolve(JSON.parse(buf.split('\n')[0]));
    });
    child.on('exit', (code) => reject(new Error(`stand-in exited with ${code}`)));
  });

  Object.assign(process.env, {
    AWS_ENDPOINT_URL: url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'STANDIN-STUDENT-KEY',
    AWS_SECRET_ACCESS_KEY: 'standin-student-secret',
    AWS_MAX_ATTEMPTS: '1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  delete process.env.AWS_PROFILE;
  const { AwsAccess } = await import(pathToFileURL(path.join(out, 'access.js')).href);
  const { scanCosts } = await import(pathToFileURL(path.join(out, 'guard.js')).href);
  const { DescribeRegionsCommand } = await import('@aws-sdk/client-ec2');

  // One call's latency: DescribeRegions on a warm client, as the guard's first step would be.
  const single = [];
  {
    const aws = new AwsAccess({});
    await aws.send('ec2', 'us-east-1', new DescribeRegionsCommand({}), { action: 'DescribeRegions', permission: '' });
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await aws.send('ec2', 'us-east-1', new DescribeRegionsCommand({}), { action: 'DescribeRegions', permission: '' });
      single.push(performance.now() - t);
    }
    aws.destroy();
  }
  // The guard as `harness guard` runs it: a fresh AwsAccess (fresh clients) every time. The first
  // run also loads the SDK's modules, so it is reported apart.
  const timeScan = async () => {
    const aws = new AwsAccess({});
    const t = performance.now();
    const scan = await scanCosts(aws);
    const ms = performance.now() - t;
    aws.destroy();
    return { ms, scan };
  };
  const cold = await timeScan();
  const warm = [];
  let last;
  for (let i = 0; i < runs; i++) {
    last = await timeScan();
    warm.push(last.ms);
  }
  const one = median(single);
  const guardMs = median(warm);
  const ratio = guardMs / one;
  const ok = ratio <= BAR && last.scan.regions.length === 17 && last.scan.failed === 0;
  const f = (x) => x.toFixed(0).padStart(7);
  console.log(`cost guard, 17 regions, ${latencyMs} ms added per call, ${runs} runs`);
  console.log(`  one call (DescribeRegions, warm)   median ${f(one)} ms   [${single.map((x) => x.toFixed(0)).join(', ')}]`);
  console.log(`  guard, first run (loads the SDK)          ${f(cold.ms)} ms`);
  console.log(`  guard, fresh clients                median ${f(guardMs)} ms   [${warm.map((x) => x.toFixed(0)).join(', ')}]`);
  console.log(`  ratio                                     ${ratio.toFixed(2).padStart(7)}x   (bar ≤ ${BAR}x)  ${ok ? 'ok' : 'MISSED'}`);
  console.log(`  found: ${last.scan.running} running, ${last.scan.regions.length} regions scanned, ${last.scan.failed} failed`);
  console.log(
    JSON.stringify({
      bench: 'guard',
      regions: last.scan.regions.length,
      latencyMs,
      runs,
      oneCallMs: Math.round(one),
      guardMs: Math.round(guardMs),
      coldMs: Math.round(cold.ms),
      ratio: Number(ratio.toFixed(2)),
      bar: BAR,
      ok,
    }),
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  child?.stdin.end();
  await new Promise((r) => (child && child.exitCode === null ? child.on('exit', r) : r()));
  await rm(out, { recursive: true, force: true });
}
