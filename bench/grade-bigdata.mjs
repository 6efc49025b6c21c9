// Grading forks that carry a committed data set: memory and time follow what the checks read, not
// what a fork holds. Two batches of the same 200 synthetic forks (the A1 answer set of
// scripts/lib/synth-forks.mjs), one of them with a 100 MB data set committed in assignments/A1/data/
// (scripts/lib/data-set.mjs: CSV text, compressed about 4:1 as git packs it; each fork its own blob
// and its own pack, as a class that each took their own sample would have; BENCH_DATA=random for
// data that does not compress). Measured, as bench/grade.mjs does:
//   floor   plain `git clone` of every fork, best of 4 and 8 at once, for each batch (a clone of a
//           data fork writes its 100 MB checkout: that is what the data costs anyone who fetches it);
//   grade   `harness grade A1` over each batch, with peak memory (/usr/bin/time), on A1 without its
//           internet checks (scripts/lib/offline-course.mjs), as bench/grade.mjs grades it.
// Bars: the data batch's peak RSS ≤ 300 MB; its time ≤ 1.5 × the batch without data + the extra
// clone time (its floor − the other's floor).
// Disk: forks hold BENCH_FORKS × the compressed data (200 × ~25 MB text, 200 × 100 MB random); the
// grader's mirrors of local forks are hard links; each data floor run writes BENCH_FORKS × the data
// (20 GB), removed right after. The bench checks free space first and says what to scale.
// Run: npm run build && node bench/grade-bigdata.mjs
//   BENCH_FORKS (200), BENCH_DATA_MB (100), BENCH_DATA=text|random, BENCH_ROUNDS (1),
//   BENCH_HARNESS=path/to/bin/harness.mjs to measure another build (an older reader, say),
//   BENCH_FLOOR=0 to skip the floors (and the time bar): grading times and memory only.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, readFile, readdir, statfs } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeForks } from '../scripts/lib/synth-forks.mjs';
import { makeDataSet } from '../scripts/lib/data-set.mjs';
import { REPO } from '../scripts/lib/fork.mjs';
import { offlineCourse } from '../scripts/lib/offline-course.mjs';

const N = Number(process.env.BENCH_FORKS ?? 200);
const MB = Number(process.env.BENCH_DATA_MB ?? 100);
const KIND = process.env.BENCH_DATA === 'random' ? 'random' : 'text';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const CLI = path.resolve(process.env.BENCH_HARNESS ?? path.join(REPO, 'bin', 'harness.mjs'));
const PARS = [4, 8];
const FLOOR = process.env.BENCH_FLOOR !== '0';
const env = { ...process.env, CI: '1', INIT_CWD: '', GIT_CONFIG_GLOBAL: '/dev/null' };
// `grade --offline` would leave every student incomplete (their internet checks not judged).
const COURSE = offlineCourse(await mkdtemp(path.join(tmpdir(), 'harness-bench-course-')));
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const work = await mkdtemp(path.join(tmpdir(), 'harness-bench-bigdata-'));

// Disk first: the forks, one floor run's checkouts, and a margin of 5 GB.
const packMb = KIND === 'random' ? MB : MB / 3.5;
const needGb = (N * packMb + (FLOOR ? N * MB : 0)) / 1000 + 5;
const fs = await statfs(work);
const freeGb = (fs.bavail * fs.bsize) / 1e9;
if (freeGb < needGb) {
  await rm(work, { recursive: true, force: true });
  console.error(
    `grade-bigdata needs about ${needGb.toFixed(0)} GB free in ${tmpdir()} and has ${freeGb.toFixed(0)} GB: set BENCH_FORKS or BENCH_DATA_MB lower (the bars hold per fork).`,
  );
  process.exit(2);
}

const t0 = performance.now();
const data = makeDataSet({ mb: MB, kind: KIND });
const made = (performance.now() - t0) / 1000;
async function batch(name, withData) {
  const dir = path.join(work, name);
  const roster = path.join(work, `${name}.csv`);
  await writeFile(roster, await writeForks(dir, N, { par: 4 }));
  if (withData) {
    const ids = (await readdir(dir)).sort();
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < ids.length) {
          const id = ids[next++];
          // An hour after the last answer, before the deadline: the graded commit holds the data.
          await data.write(path.join(dir, id), { netid: id.replace(/\.git$/, ''), time: 1484400000 + 5 * 3600 });
        }
      }),
    );
  }
  return { dir, roster };
}
const plain = await batch('plain', false);
const big = await batch('data', true);
const setup = (performance.now() - t0) / 1000;

let cloneRuns = 0;
async function cloneAll(dir, par) {
  const dest = path.join(work, `clones-${cloneRuns++}`);
  const names = (await readdir(dir)).sort();
  const t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: par }, async () => {
      while (next < names.length) {
        const n = names[next++];
        await new Promise((resolve, reject) => {
          const c = spawn('git', ['clone', '-q', path.join(dir, n), path.join(dest, n)], { env, stdio: 'ignore' });
          c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`clone ${n} failed`))));
        });
      }
    }),
  );
  const s = (performance.now() - t) / 1000;
  // A data floor leaves 20 GB of checkouts: removed now, and written back before the next measurement.
  await rm(dest, { recursive: true, force: true });
  spawnSync('sync');
  return s;
}
async function floorOf(b) {
  let best = Infinity;
  for (const p of PARS) best = Math.min(best, await cloneAll(b.dir, p));
  return best;
}

function grade(roster, out) {
  const memFile = path.join(work, 'mem.txt');
  const args = [CLI, 'grade', 'A1', '--roster', roster, '--out', out, '--quiet'];
  const t = performance.now();
  const r = TIME
    ? spawnSync(TIME, ['-f', '%M', '-o', memFile, process.execPath, ...args], { cwd: COURSE, env, encoding: 'utf8' })
    : spawnSync(process.execPath, args, { cwd: COURSE, env, encoding: 'utf8' });
  const s = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`grade failed (${r.status}): ${r.stderr}`);
  return { s, summary: r.stderr.trim().split('\n').pop(), memFile };
}
const peakMb = async (f) => (TIME ? Number((await readFile(f, 'utf8')).trim().split('\n').pop()) / 1024 : NaN);

const rounds = [];
for (let r = 0; r < ROUNDS; r++) {
  // Grading first, floors after: a data floor's 20 GB of writes would slow what follows it.
  const order = r % 2 === 0 ? [plain, big] : [big, plain];
  const g = new Map();
  for (const b of order) {
    const run = grade(b.roster, path.join(work, `out-${b === big ? 'data' : 'plain'}-${r}`));
    g.set(b, { ...run, mb: await peakMb(run.memFile) });
  }
  const floors = new Map();
  for (const b of order) floors.set(b, FLOOR ? await floorOf(b) : NaN);
  const extra = floors.get(big) - floors.get(plain);
  const allowed = 1.5 * g.get(plain).s + extra;
  rounds.push({
    plain: g.get(plain).s,
    data: g.get(big).s,
    plainMb: g.get(plain).mb,
    dataMb: g.get(big).mb,
    floorPlain: floors.get(plain),
    floorData: floors.get(big),
    extraClone: extra,
    allowed,
    ratio: g.get(big).s / allowed,
    summary: g.get(big).summary,
  });
}
await rm(work, { recursive: true, force: true });
await rm(COURSE, { recursive: true, force: true });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const peak = Math.max(...rounds.map((x) => x.dataMb));
const ratio = median(rounds.map((x) => x.ratio));
const rows = [[`setup: ${N} forks × ${MB} MB ${KIND} (data set made in ${made.toFixed(1)} s)`, `${setup.toFixed(0)} s`, '']];
rounds.forEach((x, i) => {
  rows.push([
    `round ${i + 1}: grade without · with data`,
    `${x.plain.toFixed(2)} · ${x.data.toFixed(2)} s`,
    `+${(x.data - x.plain).toFixed(2)} s; peak ${x.plainMb.toFixed(0)} · ${x.dataMb.toFixed(0)} MB`,
  ]);
  if (!FLOOR) return;
  rows.push([
    `         floor without · with data (best of ${PARS.join(', ')})`,
    `${x.floorPlain.toFixed(2)} · ${x.floorData.toFixed(2)} s`,
    `extra clone time ${x.extraClone.toFixed(2)} s`,
  ]);
  rows.push([
    '         with data / (1.5 × without + extra clone)',
    `${x.data.toFixed(2)} / ${x.allowed.toFixed(2)} s`,
    `${x.ratio.toFixed(2)} (target ≤ 1)`,
  ]);
});
rows.push(['peak memory, grade with data', `${peak.toFixed(0)} MB`, 'target ≤ 300 MB']);
const missed = [];
if (peak > 300) missed.push('peak memory ≤ 300 MB');
if (FLOOR && !(ratio <= 1)) missed.push('time ≤ 1.5 × without data + extra clone time');
if (rounds.some((x) => !new RegExp(`\\b${N} graded\\b|\\(${N} checked`).test(x.summary)))
  missed.push(`not every fork graded: ${rounds[0].summary}`);
const w = Math.max(...rows.map((r) => r[0].length));
console.log(rows.map(([a, b, c]) => `${a.padEnd(w)}  ${b.padStart(18)}  ${c}`).join('\n'));
console.log(
  JSON.stringify({
    bench: 'grade-bigdata',
    forks: N,
    dataMb: MB,
    kind: KIND,
    rounds: rounds.map(({ summary: _, ...x }) => x),
    peakMb: peak,
    ratio,
    missed,
  }),
);
process.exit(missed.length ? 1 : 0);
