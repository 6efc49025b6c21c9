// `npm run demo`: a sample class, graded twice. In a temp folder it builds real local git forks of
// this course repository — a strong student, a partial one, a late one, one whose fork is missing,
// one who committed an AWS key, and one whose git host is down while grading — a roster, and a
// Canvas-style "Download Submissions" zip built from real `harness submit` zips; then runs
// `harness collect` and `harness grade` on the forks and on the zip, and prints where the outputs
// are. The live checks that need no credentials (is the fork private, is the S3 object public, does
// the website serve it) are answered by the bundled AWS stand-in and a local git host. No network,
// no AWS account.
import { mkdtemp, realpath, rm, unlink, writeFile, copyFile, mkdir } from 'node:fs/promises';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeExampleFork, REPO } from './lib/fork.mjs';

const work = await realpath(await mkdtemp(path.join(tmpdir(), 'harness-demo-')));
const harness = path.join(REPO, 'bin', 'harness.mjs');
const services = await startServices(work);
const quietEnv = { ...process.env, INIT_CWD: '', GIT_CONFIG_GLOBAL: '/dev/null', CI: '1' };
const liveEnv = { ...quietEnv, ...services.env, HARNESS_LOOPBACK_ONLY: '1', HARNESS_GIT_HOSTS: '127.0.0.1' };
const run = (cwd, ...args) => {
  console.log(`\n$ harness ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [harness, ...args], { cwd, stdio: ['ignore', 'inherit', 'inherit'], env: liveEnv });
  if (r.status === 2) {
    services.stop();
    process.exit(2);
  }
  return r.status;
};

/** Makes a fork with commit dates pinned (A1 is due 2017-01-20 23:59 New York time). */
async function fork(netid, name, date, beforeCommit) {
  process.env.GIT_AUTHOR_DATE = process.env.GIT_COMMITTER_DATE = date;
  const f = await makeExampleFork(path.join(work, 'forks', netid), {
    netid,
    name,
    beforeCommit: async (a) => {
      // q1.txt: the fork's URL, on the local git host (which refuses anonymous reads: private).
      await writeFile(path.join(a, 'q1.txt'), `${services.git}/${netid}/anly502.git\n`);
      await beforeCommit?.(a);
    },
  });
  delete process.env.GIT_AUTHOR_DATE;
  delete process.env.GIT_COMMITTER_DATE;
  return f;
}

console.log(`Building a sample class in ${work}`);
const strong = await fork('ab123', 'Ada Byron', '2017-01-19T15:00:00Z');
const partial = await fork('cd456', 'Carl Dunn', '2017-01-20T20:00:00Z', async (a) => {
  await unlink(path.join(a, 'q3.txt'));
  await writeFile(path.join(a, 'q7.txt'), 'my bucket is somewhere\n');
  await writeFile(path.join(a, 'streaming-time.py'), 'def main(:\n    pass\n');
});
const late = await fork('ef789', 'Eve Fox', '2017-01-22T10:00:00Z'); // after the due date, never collected
const leaky = await fork('gh012', 'Gil Hart', '2017-01-18T12:00:00Z', async (a) => {
  // Built at run time so this file never holds a key-shaped string.
  const key = ['AKIA', 'IOSFODNN7', 'DEMO0Q'.padEnd(7, 'Q')].join('');
  await writeFile(path.join(a, 'notes.txt'), `aws_access_key_id = ${key}\n`);
});
// Complete and on time, but the git host answers 503 for this fork while grading: the grader cannot
// tell whether it is private, so the student is incomplete (no grade written) until a run can.
const unlucky = await fork('kl678', 'Kim Lee', '2017-01-19T18:00:00Z');

const roster = path.join(work, 'roster.csv');
const row = (id, name, f, canvas, ext = '') =>
  `${id},"${name}",${id}@georgetown.edu,${f ? f.origin : path.join(work, 'forks', id, 'origin.git')},${canvas},${ext}`;
await writeFile(
  roster,
  [
    'NetID,Name,Email,Repo,Canvas User ID,Extension',
    row('ab123', 'Byron, Ada', strong, 101),
    row('cd456', 'Dunn, Carl', partial, 102),
    row('ef789', 'Fox, Eve', late, 103),
    row('gh012', 'Hart, Gil', leaky, 104),
    row('ij345', 'Ito, Ivy', undefined, 105), // no fork at all
    row('kl678', 'Lee, Kim', unlucky, 106),
  ].join('\r\n') + '\r\n',
);

// A Canvas download: each student's `harness submit` zip, renamed the way Canvas names uploads.
const dl = path.join(work, 'canvas-download');
await mkdir(dl, { recursive: true });
const uploads = [
  [strong, 'byronada', 101, 5001, ''],
  [partial, 'dunncarl', 102, 5002, ''],
  [late, 'foxeve', 103, 5003, '_LATE'],
];
for (const [f, lastfirst, id, att, lateMark] of uploads) {
  const netid = path.basename(path.dirname(f.fork));
  spawnSync(process.execPath, [harness, 'submit', 'A1', '--offline'], { cwd: f.fork, env: quietEnv, stdio: 'ignore' });
  const zip = path.join(f.assignment, `${netid}-A1.zip`);
  if (existsSync(zip)) await copyFile(zip, path.join(dl, `${lastfirst}${lateMark}_${id}_${att}_${netid}-A1.zip`));
}
const dlZip = path.join(work, 'submissions.zip');
execFileSync('zip', [
  '-q',
  '-j',
  '-X',
  dlZip,
  ...uploads
    .map(([, lf, id, att, lm]) =>
      path.join(dl, `${lf}${lm}_${id}_${att}_${path.basename(path.dirname(uploads.find((u) => u[2] === id)[0].fork))}-A1.zip`),
    )
    .filter(existsSync),
]);
await rm(dl, { recursive: true, force: true });

const out = path.join(work, 'grades');
// At the deadline a scheduled job would run collect; here it pins everyone but the late student.
const atDeadline = path.join(work, 'roster-at-deadline.csv');
const { readFile } = await import('node:fs/promises');
await writeFile(
  atDeadline,
  (await readFile(roster, 'utf8'))
    .split('\r\n')
    .filter((l) => !l.startsWith('ef789'))
    .join('\r\n'),
);
run(REPO, 'collect', 'A1', '--roster', atDeadline, '--out', path.join(out, 'forks'));
run(REPO, 'grade', 'A1', '--roster', roster, '--out', path.join(out, 'forks'), '--canvas-id', '123456');
run(REPO, 'grade', 'A1', '--zips', dlZip, '--roster', roster, '--out', path.join(out, 'zips'), '--canvas-id', '123456');
services.stop();

console.log(`
kl678 is incomplete on purpose: their git host was down (HTTP 503) while grading, so whether the
fork is private could not be judged. canvas.csv leaves their cell blank rather than write a lower
number, report.html lists them first, and grade exits 1; running the same command again retries
exactly that check.`);

console.log(`
Outputs (open report.html in a browser):
  forks: ${path.join(out, 'forks')}
  zips:  ${path.join(out, 'zips')}
Each holds grades.csv, canvas.csv, report.html, feedback/<NetID>.md and gradescope/<NetID>/results.json.
The sample class (forks, roster.csv, submissions.zip) stays in ${work}; delete it when done.`);

/**
 * The AWS stand-in (its S3 serves the example's public bucket and website) and a git host that
 * refuses anonymous reads (every fork is private), except that kl678's fork answers 503. In a child
 * process, so that the harness runs started from here are answered while this one waits.
 */
async function startServices(dir) {
  const { build } = await import('esbuild');
  const standinJs = path.join(REPO, 'dist', '.standin', 'demo-standin.mjs');
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
  const { readFile: rf } = await import('node:fs/promises');
  const q6 = await rf(path.join(REPO, 'examples', 'A1-student', 'q6-malfunctions.txt'), 'utf8');
  const world = {
    accounts: [
      {
        id: '123456789012',
        credentials: [],
        keyPairs: [],
        instances: [],
        alarms: [],
        emrClusters: [],
        dynamoTables: [],
        buckets: [
          {
            name: 'ex123-example-a1',
            region: 'us-east-1',
            public: true,
            website: { indexDocument: 'index.html' },
            objects: [{ key: 'q6-malfunctions.txt', body: q6 }],
          },
        ],
      },
    ],
  };
  const serverJs = path.join(dir, 'demo-services.mjs');
  await writeFile(
    serverJs,
    `
import http from 'node:http';
import { startStandin } from ${JSON.stringify(standinJs)};
const s = await startStandin(${JSON.stringify(world)});
const git = http.createServer((q, r) => (q.url.startsWith('/kl678/') ? r.writeHead(503).end('down for maintenance') : r.writeHead(401, { 'WWW-Authenticate': 'Basic realm="demo"' }).end()));
await new Promise((r) => git.listen(0, '127.0.0.1', r));
process.stdout.write(JSON.stringify({ env: s.env, git: 'http://127.0.0.1:' + git.address().port }) + '\\n');
`,
  );
  const child = spawn(process.execPath, [serverJs], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  const info = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the demo's stand-in exited (${code})`)));
    child.stdout.once('data', (d) => resolve(JSON.parse(String(d))));
  });
  child.unref();
  return { env: info.env, git: info.git, stop: () => child.kill() };
}
