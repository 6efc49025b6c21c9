// Grading with the anonymous live checks on, against services that answer slowly, as a ratio to the
// same batch graded --offline in the same run:
//   200 synthetic forks (scripts/lib/synth-forks.mjs) whose q1.txt names a git host over HTTP and
//   whose q7.txt names S3 and website URLs; the stand-in serves S3 and the website endpoint, a small
//   server plays a git host refusing strangers (as Bitbucket does for a private repository); every
//   request to them takes 100 ms more. Bar: live ≤ 2 × offline, peak memory ≤ 300 MB.
// Then `check A1` with every live check against the stand-in at 100 ms a request: the wall time,
// and the time to its first line of output.
// The live batch is graded twice: at the default --jobs (the bar) and at --jobs 16 (beside it:
// the live part is waiting, not computing, so it scales with how many students wait at once).
// Run: npm run build && node bench/grade-live.mjs   (BENCH_ROUNDS, default 2)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { writeForks } from '../scripts/lib/synth-forks.mjs';
import { REPO } from '../scripts/lib/fork.mjs';
import { startLiveExample } from '../scripts/lib/live-example.mjs';

const N = 200;
const LATENCY_MS = 100;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const WIDE = 16;
const CLI = path.join(REPO, 'bin', 'harness.mjs');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const work = await mkdtemp(path.join(tmpdir(), 'harness-bench-grade-live-'));
const netid = (i) => `s${String(i + 1).padStart(4, '0')}`;
const bucket = (id) => `${id}-a1`;

// The services, in a child process so the graded CLI never shares an event loop with them.
const standinJs = path.join(REPO, 'dist', '.standin', 'bench-standin.mjs');
await build({
  entryPoints: [path.join(REPO, 'standin', 'index.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: standinJs,
  packages: 'external',
  logLevel: 'error',
});
const q6 = await readFile(path.join(REPO, 'examples/A1-student/q6-malfunctions.txt'), 'utf8');
const world = {
  accounts: [
    {
      id: '123456789012',
      credentials: [{ accessKeyId: 'STANDIN-BENCH-KEY', secretAccessKey: 'standin-bench-secret', user: 'bench' }],
      buckets: Array.from({ length: N }, (_, i) => ({
        name: bucket(netid(i)),
        region: 'us-east-1',
        public: true,
        website: { indexDocument: 'index.html' },
        objects: [{ key: 'q6-malfunctions.txt', body: q6 }],
      })),
    },
  ],
  faults: [
    { kind: 'latency', service: 's3', ms: LATENCY_MS },
    { kind: 'latency', service: 's3-website', ms: LATENCY_MS },
  ],
};
const serverJs = path.join(work, 'services.mjs');
await writeFile(
  serverJs,
  `
import http from 'node:http';
import { startStandin } from ${JSON.stringify(standinJs)};
const s = await startStandin(${JSON.stringify(world)});
// A git host that refuses strangers, ${LATENCY_MS} ms late, as a private Bitbucket repository does.
const git = http.createServer((req, res) => { req.resume(); setTimeout(() => res.writeHead(401, { 'www-authenticate': 'Basic realm="bench"' }).end(), ${LATENCY_MS}); });
await new Promise((r) => git.listen(0, '127.0.0.1', r));
process.stdout.write(JSON.stringify({ url: s.url, git: git.address().port }) + '\\n');
`,
);
const services = spawn(process.execPath, [serverJs], { stdio: ['ignore', 'pipe', 'inherit'] });
const info = await new Promise((resolve, reject) => {
  services.once('exit', (code) => reject(new Error(`the services exited (${code})`)));
  services.stdout.once('data', (d) => resolve(JSON.parse(String(d))));
});

const forksDir = path.join(work, 'forks');
const roster = path.join(work, 'roster.csv');
await writeFile(
  roster,
  await writeForks(forksDir, N, {
    par: 4,
    mutate: (i, answers) =>
      answers.map(([p, body]) => {
        const id = netid(i);
        if (p.endsWith('/q1.txt')) return [p, Buffer.from(`http://127.0.0.1:${info.git}/${id}/anly502.git\n`)];
        if (p.endsWith('/q7.txt'))
          return [
            p,
            Buffer.from(
              `s3: s3://${bucket(id)}/q6-malfunctions.txt\nhttp: http://${bucket(id)}.s3-website-us-east-1.amazonaws.com/q6-malfunctions.txt\n`,
            ),
          ];
        return [p, body];
      }),
  }),
);

// The grader hands live checks only endpoints and a region (never keys): AWS_ENDPOINT_URL sends S3
// and the website endpoint to the stand-in; the local git host is allowed as an instructor would.
const env = {
  ...process.env,
  CI: '1',
  INIT_CWD: '',
  GIT_CONFIG_GLOBAL: '/dev/null',
  AWS_ENDPOINT_URL: info.url,
  AWS_REGION: 'us-east-1',
  HARNESS_GIT_HOSTS: `127.0.0.1:${info.git}`,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};
delete env.HARNESS_S3_WEBSITE_ENDPOINT;
let runs = 0;
function grade(offline, jobs) {
  const out = path.join(work, `out-${runs++}`);
  const memFile = path.join(work, `mem-${runs}.txt`);
  const args = [
    CLI,
    'grade',
    'A1',
    '--roster',
    roster,
    '--out',
    out,
    '--quiet',
    ...(offline ? ['--offline'] : []),
    ...(jobs ? ['--jobs', String(jobs)] : []),
  ];
  const t0 = performance.now();
  const r = TIME
    ? spawnSync(TIME, ['-f', '%U %S %M', '-o', memFile, process.execPath, ...args], { cwd: REPO, env, encoding: 'utf8' })
    : spawnSync(process.execPath, args, { cwd: REPO, env, encoding: 'utf8' });
  const s = (performance.now() - t0) / 1000;
  // Offline, the live checks cannot be judged: every student is incomplete and grade exits 1 by design.
  if (r.status !== 0 && !(offline && r.status === 1)) throw new Error(`grade failed: ${r.stderr}`);
  return { s, out, memFile, summary: r.stderr.trim().split('\n').pop() };
}
/** `/usr/bin/time`'s user and system seconds, and peak resident MB, of one grade run. */
const usage = async (f) => {
  if (!TIME) return { cpu: NaN, mb: NaN };
  const [user, sys, kb] = (await readFile(f, 'utf8')).trim().split('\n').pop().split(' ').map(Number);
  return { cpu: user + sys, mb: kb / 1024 };
};

/** Every student graded, and the three live checks judged (none an error): the run did the work. */
async function verify(out) {
  const csv = await readFile(path.join(out, 'grades.csv'), 'utf8');
  const rows = csv.trim().split('\n').length - 1;
  // The grader's results log: `key<TAB>{"results": [...]}` per student (a run with a fault is not logged).
  const lines = (await readFile(path.join(out, '.cache', 'results.jsonl'), 'utf8')).trim().split('\n');
  const live = lines
    .flatMap((l) => JSON.parse(l.slice(l.indexOf('\t') + 1)).results)
    .filter((c) => ['q1-private', 'q7-public', 'q7-website'].includes(c.id));
  const bad = live.filter((c) => c.status !== 'pass');
  return {
    rows,
    live: live.length,
    notPassing: bad.length,
    sample: bad[0] && `${bad[0].id} ${bad[0].status}: ${bad[0].reason ?? bad[0].rationale}`,
  };
}

const rounds = [];
try {
  grade(true); // warm the page cache and the build once, unmeasured
  for (let r = 0; r < ROUNDS; r++) {
    // The order alternates, so neither side always meets a machine the other just warmed.
    let off, live, wide;
    if (r % 2 === 0) {
      off = grade(true);
      live = grade(false);
      wide = grade(false, WIDE);
    } else {
      wide = grade(false, WIDE);
      live = grade(false);
      off = grade(true);
    }
    const [uOff, uLive, uWide] = await Promise.all([usage(off.memFile), usage(live.memFile), usage(wide.memFile)]);
    rounds.push({
      offline: off.s,
      live: live.s,
      ratio: live.s / off.s,
      wide: wide.s,
      wideRatio: wide.s / off.s,
      // CPU seconds (user + system) of the grade process: what the live checks cost whatever the machine's load.
      offlineCpu: uOff.cpu,
      liveCpu: uLive.cpu,
      wideCpu: uWide.cpu,
      liveMb: Math.max(uLive.mb, uWide.mb),
      offlineMb: uOff.mb,
      check: await verify(live.out),
      wideCheck: await verify(wide.out),
    });
  }
} finally {
  services.kill();
}

// `check A1`: the example student, every live check against the stand-in, each request 100 ms late.
const ex = await startLiveExample(path.join(work, 'example'), { latencyMs: LATENCY_MS });
const checks = [];
try {
  for (let i = 0; i < ROUNDS + 1; i++) checks.push(await timeCheck(ex));
} finally {
  ex.stop();
}
checks.shift(); // the first run loads the SDK from a cold disk cache

/** Wall time of `check A1`, and of its first line on stdout. */
function timeCheck({ fork, env: e }) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first;
    let out = '';
    const c = spawn(process.execPath, [path.join(REPO, 'dist', 'harness.mjs'), 'check', 'A1'], { cwd: fork, env: e });
    c.stdout.on('data', (d) => {
      first ??= performance.now() - t0;
      out += d;
    });
    c.on('close', (code) =>
      code === 0 ? resolve({ ms: performance.now() - t0, firstMs: first }) : reject(new Error(`check A1 exited ${code}:\n${out}`)),
    );
  });
}

await rm(work, { recursive: true, force: true });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ratio = median(rounds.map((x) => x.ratio));
const mem = Math.max(...rounds.map((x) => x.liveMb));
const missed = [];
if (ratio > 2) missed.push('live ≤ 2× offline');
if (mem > 300) missed.push('peak memory ≤ 300 MB');
const judged = (c) => c.rows === N && c.live === 3 * N && !c.notPassing;
if (rounds.some((x) => !judged(x.check) || !judged(x.wideCheck))) missed.push('every live check judged (and passing) for every student');
for (const [i, x] of rounds.entries()) {
  console.log(
    `round ${i + 1}: offline ${x.offline.toFixed(2)} s · live ${x.live.toFixed(2)} s (${x.ratio.toFixed(2)}×) · live --jobs ${WIDE} ${x.wide.toFixed(2)} s (${x.wideRatio.toFixed(2)}×) · CPU ${x.offlineCpu.toFixed(1)} / ${x.liveCpu.toFixed(1)} / ${x.wideCpu.toFixed(1)} s · peak ${x.liveMb.toFixed(0)} MB (offline ${x.offlineMb.toFixed(0)} MB) · ${x.check.live} live results, ${x.check.notPassing} not passing${x.check.sample ? ` (${x.check.sample})` : ''}`,
  );
}
console.log(
  `grade ×${N}, anonymous live checks at ${LATENCY_MS} ms a request: ${ratio.toFixed(2)}× the --offline batch (target ≤ 2), peak ${mem.toFixed(0)} MB (target ≤ 300 MB)`,
);
console.log(
  `  the same with --jobs ${WIDE}: ${median(rounds.map((x) => x.wideRatio)).toFixed(2)}× (each student waits about ${LATENCY_MS} ms on the network; ${N} students at 4 at once wait at least ${((N * LATENCY_MS) / 4 / 1000).toFixed(1)} s in all, at ${WIDE} at once ${((N * LATENCY_MS) / WIDE / 1000).toFixed(1)} s)`,
);
console.log(
  `check A1, every live check against the stand-in at ${LATENCY_MS} ms a request: ${median(checks.map((c) => c.ms)).toFixed(0)} ms, first line after ${median(checks.map((c) => c.firstMs)).toFixed(0)} ms (median of ${checks.length})`,
);
console.log(
  JSON.stringify({
    bench: 'grade-live',
    forks: N,
    latencyMs: LATENCY_MS,
    rounds,
    ratio,
    peakMb: mem,
    checkMs: checks.map((c) => c.ms),
    checkFirstLineMs: checks.map((c) => c.firstMs),
    missed,
  }),
);
process.exit(missed.length ? 1 : 0);
