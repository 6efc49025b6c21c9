// `npm run demo`: a sample class, graded twice. In a temp folder it builds real local git forks of
// this course repository — a strong student, a partial one, a late one, one whose fork is missing,
// one who committed an AWS key — a roster, and a Canvas-style "Download Submissions" zip built from
// real `harness submit` zips; then runs `harness collect` and `harness grade` on the forks and on
// the zip, and prints where the outputs are. No network, no AWS account.
import { mkdtemp, realpath, rm, unlink, writeFile, appendFile, copyFile, mkdir } from 'node:fs/promises';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeExampleFork, REPO } from './lib/fork.mjs';

const work = await realpath(await mkdtemp(path.join(tmpdir(), 'harness-demo-')));
const harness = path.join(REPO, 'bin', 'harness.mjs');
const quietEnv = { ...process.env, INIT_CWD: '', GIT_CONFIG_GLOBAL: '/dev/null', CI: '1' };
const run = (cwd, ...args) => {
  console.log(`\n$ harness ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [harness, ...args], { cwd, stdio: ['ignore', 'inherit', 'inherit'], env: quietEnv });
  if (r.status === 2) process.exit(2);
  return r.status;
};

/** Makes a fork with commit dates pinned (A1 is due 2017-01-20 23:59 New York time). */
async function fork(netid, name, date, beforeCommit) {
  process.env.GIT_AUTHOR_DATE = process.env.GIT_COMMITTER_DATE = date;
  const f = await makeExampleFork(path.join(work, 'forks', netid), { netid, name, beforeCommit });
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

const roster = path.join(work, 'roster.csv');
const row = (id, name, f, canvas, ext = '') => `${id},"${name}",${id}@georgetown.edu,${f ? f.origin : path.join(work, 'forks', id, 'origin.git')},${canvas},${ext}`;
await writeFile(roster, [
  'NetID,Name,Email,Repo,Canvas User ID,Extension',
  row('ab123', 'Byron, Ada', strong, 101),
  row('cd456', 'Dunn, Carl', partial, 102),
  row('ef789', 'Fox, Eve', late, 103),
  row('gh012', 'Hart, Gil', leaky, 104),
  row('ij345', 'Ito, Ivy', undefined, 105), // no fork at all
].join('\r\n') + '\r\n');

// A Canvas download: each student's `harness submit` zip, renamed the way Canvas names uploads.
const dl = path.join(work, 'canvas-download');
await mkdir(dl, { recursive: true });
const uploads = [[strong, 'byronada', 101, 5001, ''], [partial, 'dunncarl', 102, 5002, ''], [late, 'foxeve', 103, 5003, '_LATE']];
for (const [f, lastfirst, id, att, lateMark] of uploads) {
  const netid = path.basename(path.dirname(f.fork));
  spawnSync(process.execPath, [harness, 'submit', 'A1', '--offline'], { cwd: f.fork, env: quietEnv, stdio: 'ignore' });
  const zip = path.join(f.assignment, `${netid}-A1.zip`);
  if (existsSync(zip)) await copyFile(zip, path.join(dl, `${lastfirst}${lateMark}_${id}_${att}_${netid}-A1.zip`));
}
const dlZip = path.join(work, 'submissions.zip');
execFileSync('zip', ['-q', '-j', '-X', dlZip, ...uploads.map(([, lf, id, att, lm]) => path.join(dl, `${lf}${lm}_${id}_${att}_${path.basename(path.dirname(uploads.find((u) => u[2] === id)[0].fork))}-A1.zip`)).filter(existsSync)]);
await rm(dl, { recursive: true, force: true });

const out = path.join(work, 'grades');
// At the deadline a scheduled job would run collect; here it pins everyone but the late student.
const atDeadline = path.join(work, 'roster-at-deadline.csv');
const { readFile } = await import('node:fs/promises');
await writeFile(atDeadline, (await readFile(roster, 'utf8')).split('\r\n').filter((l) => !l.startsWith('ef789')).join('\r\n'));
run(REPO, 'collect', 'A1', '--roster', atDeadline, '--out', path.join(out, 'forks'));
run(REPO, 'grade', 'A1', '--roster', roster, '--out', path.join(out, 'forks'), '--offline', '--canvas-id', '123456');
run(REPO, 'grade', 'A1', '--zips', dlZip, '--roster', roster, '--out', path.join(out, 'zips'), '--offline', '--canvas-id', '123456');

console.log(`
Outputs (open report.html in a browser):
  forks: ${path.join(out, 'forks')}
  zips:  ${path.join(out, 'zips')}
Each holds grades.csv, canvas.csv, report.html, feedback/<NetID>.md and gradescope/<NetID>/results.json.
The sample class (forks, roster.csv, submissions.zip) stays in ${work}; delete it when done.`);
