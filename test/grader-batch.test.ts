// `harness collect / grade / merge` end to end: the built CLI, real bare forks on local disk with
// controlled commit dates, and the reliability properties (resume, kill -9, shards).
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile, rm } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { writeFork, writeForks } from '../scripts/lib/synth-forks.mjs';
import { tempDir } from './helpers/fixture.js';
import { CLI } from './helpers/student.js';
import { offlineCourse } from '../scripts/lib/offline-course.mjs';

/** A1 is due 2017-01-20 23:59 America/New_York. */
const DUE = Date.parse('2017-01-21T04:59:00Z') / 1000;
const H = 3600;

// The grader's own work (deadlines, caches, resuming, shards) on A1 without its three internet
// checks, which `grade --offline` would leave unjudged (students incomplete); they have tests of
// their own. The course copy is made once for this file.
let course: string | undefined;
const COURSE = () => (course ??= offlineCourse(mkdtempSync(path.join(tmpdir(), 'grader-course-'))));

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: COURSE(),
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CI: '1', INIT_CWD: '', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every output file of a run (not the caches), path → bytes. */
async function outputs(dir: string, rel = ''): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const d of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${d.name}` : d.name;
    if (d.name.startsWith('.') || d.name === 'ledger.jsonl' || /^shard-/.test(d.name)) continue;
    if (d.isDirectory()) for (const [k, v] of await outputs(dir, p)) m.set(k, v);
    else m.set(p, await readFile(path.join(dir, p), 'utf8'));
  }
  return m;
}

const rows = async (out: string) =>
  parse(await readFile(path.join(out, 'grades.csv')), { columns: true, bom: true }) as Record<string, string>[];

describe('deadline rules, ledger and problems', () => {
  it('grades the collected commit, else the last commit by date; a late tip only when it scores more', async () => {
    const dir = await tempDir({}, 'grader-dl-');
    const f = (n: string) => path.join(dir, `${n}.git`);
    await writeFork(f('on1'), { netid: 'on1', time: DUE - 10 * H }); // all before the deadline
    await writeFork(f('late1'), { netid: 'late1', time: DUE + 30 * H }); // all after: graded late
    await writeFork(f('mix1'), { netid: 'mix1', time: DUE - 2 * H }); // 3 commits on time, 2 after
    await writeFork(f('ext1'), { netid: 'ext1', time: DUE + 30 * H }); // late, but has a 3-day extension
    await writeFork(f('pin1'), { netid: 'pin1', time: DUE + 50 * H }); // dates say late; the ledger pinned it
    await writeFork(f('bad1'), { netid: 'bad1', time: DUE - 10 * H });
    // A corrupt repository: every object's bytes overwritten.
    for (const d of await readdir(path.join(f('bad1'), 'objects'))) {
      if (!/^[0-9a-f]{2}$/.test(d)) continue;
      for (const o of await readdir(path.join(f('bad1'), 'objects', d))) await writeFile(path.join(f('bad1'), 'objects', d, o), 'not zlib');
    }
    const roster = path.join(dir, 'roster.csv');
    const line = (n: string, ext = '') => `${n},Student ${n},${n}@georgetown.edu,${f(n)},${ext}`;
    await writeFile(
      roster,
      [
        'NetID,name,email,repo,extension',
        line('on1'),
        line('late1'),
        line('mix1'),
        line('ext1', '3d'),
        line('pin1'),
        line('bad1'),
        'gone1,Gone,gone1@georgetown.edu,' + f('gone1') + ',',
      ].join('\n') + '\n',
    );
    const out = path.join(dir, 'out');

    // collect pins pin1 only (a roster of one), as a deadline job would.
    const pinRoster = path.join(dir, 'pin.csv');
    await writeFile(pinRoster, `NetID,name,email,repo\n${line('pin1')}\n`);
    expect(run(['collect', 'A1', '--roster', pinRoster, '--out', out]).code).toBe(0);
    const ledger = (await readFile(path.join(out, 'ledger.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(ledger).toMatchObject([{ netid: 'pin1', assignment: 'A1', branch: 'main' }]);
    // Every commit of pin1 is dated after the deadline: the rule chooses none, and the tip is recorded for the late policy.
    expect(ledger[0].commit).toBe('');
    expect(ledger[0].tip).toMatch(/^[0-9a-f]{40}$/);

    const r = run(['grade', 'A1', '--roster', roster, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const g = Object.fromEntries((await rows(out)).map((x) => [x.NetID, x]));
    const batch = JSON.parse(await readFile(path.join(out, 'batch.json'), 'utf8'));
    const on1 = batch.students.find((s: { netid: string }) => s.netid === 'on1');
    // Everything the grader can judge passes for on1; checks of the student's own machine and AWS account are not judged, and worth nothing here.
    expect(on1.results.filter((x: { status: string }) => x.status !== 'pass' && x.status !== 'skip')).toEqual([]);
    expect(on1.results.filter((x: { status: string; notJudged?: boolean }) => x.status === 'skip' && !x.notJudged)).toEqual([]);
    const F = on1.total as number;
    // The course's late.base is score: the percent is of the score earned (decision 0014).
    const off = (pct: number) => String(Math.round(F * (1 - pct / 100) * 100) / 100);
    const pick = (n: string) => [g[n].Status, g[n]['Chosen by'] !== '', g[n].Late, g[n]['Penalty %'], g[n].Total];
    expect(pick('ext1')).toEqual(['graded', true, 'no', '0', String(F)]);
    expect(pick('late1')).toEqual(['graded', true, 'yes', '20', off(20)]); // 30 h late: two started days
    expect(g.pin1.Commit).toBe(ledger[0].tip);
    // Its date stands (collected after it): 50 h late, three started days.
    expect(pick('pin1')).toEqual(['graded', true, 'yes', '30', off(30)]);
    // mix1: the on-time commit has 4 of the 8 answer files; the tip has all, at 10% off, and scores more.
    expect(pick('mix1')).toEqual(['graded', true, 'yes', '10', off(10)]);
    const mix = batch.students.find((s: { netid: string }) => s.netid === 'mix1');
    expect(mix.commitTime).toBe(new Date((DUE + 2 * H) * 1000).toISOString());
    expect(g.gone1.Status).toBe('missing fork');
    expect(g.bad1.Status).toMatch(/^(error|clone failed)/);
    expect(r.stderr).toMatch(/7 students, 5 graded, 0 incomplete, 2 not graded/);
  }, 60_000);
});

describe('resume, kill -9 and shards', () => {
  it('a re-run does no checking work; killed runs resume to the same bytes; shards merge to the same bytes', async () => {
    const dir = await tempDir({}, 'grader-kill-');
    // A 200-fork batch, as the issue asks; every 7th has a broken Python file, so results differ.
    const N = 200;
    const csv = await writeForks(path.join(dir, 'forks'), N, {
      mutate: (i, ans) =>
        i % 7 === 0 ? ans.map(([p, b]) => [p, p.endsWith('.py') ? Buffer.from('def broken(:\n') : b] as [string, Buffer]) : ans,
    });
    const roster = path.join(dir, 'roster.csv');
    await writeFile(roster, csv);
    const ref = path.join(dir, 'ref');
    const first = run(['grade', 'A1', '--roster', roster, '--out', ref]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(new RegExp(`\\(${N} checked, 0 from cache\\)`));
    const again = run(['grade', 'A1', '--roster', roster, '--out', ref]);
    expect(again.stderr).toMatch(new RegExp(`\\(0 checked, ${N} from cache\\)`));
    const want = await outputs(ref);
    expect(want.size).toBe(1 + 3 + 2 * N); // batch.json, grades/canvas/report, and 2 files a student (all graded)
    expect([...want.values()].join('')).not.toContain(dir); // no paths of this machine

    // Kill at several points: early, mid-batch, near the end.
    for (const after of [0, 30, 110, N - 1]) {
      const out = path.join(dir, `kill-${after}`);
      await new Promise<void>((resolve) => {
        const c = spawn(process.execPath, [CLI, 'grade', 'A1', '--roster', roster, '--out', out], {
          cwd: COURSE(),
          env: { ...process.env, CI: '1', INIT_CWD: '' },
        });
        let done = 0;
        const kill = () => c.kill('SIGKILL');
        if (after === 0) setTimeout(kill, 150);
        c.stderr.on('data', (d: Buffer) => {
          done += (d.toString().match(/^\[\d+\/\d+\]/gm) ?? []).length;
          if (after > 0 && done >= after) kill();
        });
        c.on('close', () => resolve());
      });
      const resumed = run(['grade', 'A1', '--roster', roster, '--out', out]);
      expect(resumed.code, resumed.stderr).toBe(0);
      const got = await outputs(out);
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [k, v] of want) expect(got.get(k), `${k} after a kill at ${after}`).toBe(v);
    }

    // Three shards in folders of their own, merged elsewhere: the same bytes as one run.
    const shards = [1, 2, 3].map((k) => path.join(dir, `shard${k}`));
    for (const [i, s] of shards.entries())
      expect(run(['grade', 'A1', '--roster', roster, '--out', s, '--shard', `${i + 1}/3`]).code).toBe(0);
    expect(run(['merge', shards[0], shards[1], '--out', path.join(dir, 'm0')]).stderr).toMatch(/shard 3 of 3 missing/);
    const merged = path.join(dir, 'merged');
    const m = run(['merge', ...shards, '--out', merged]);
    expect(m.code, m.stderr).toBe(0);
    const got = await outputs(merged);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [k, v] of want) expect(got.get(k), k).toBe(v);
    await rm(path.join(dir, 'forks'), { recursive: true, force: true });
  }, 180_000);
});

describe('a re-run with nothing changed', () => {
  it('does nothing; a new commit collected, a roster edit or a missing mirror each mean real work again', async () => {
    const dir = await tempDir({}, 'grader-uptodate-');
    const roster = path.join(dir, 'roster.csv');
    await writeFile(roster, await writeForks(path.join(dir, 'forks'), 3));
    const out = path.join(dir, 'out');
    const grade = () => run(['grade', 'A1', '--roster', roster, '--out', out]);
    expect(grade().stderr).toMatch(/\(3 checked, 0 from cache\)/);
    expect(grade().stderr).toMatch(/\(0 checked, 3 from cache\); nothing changed since the last run/);

    // A student pushes again (here, history rewritten) and the instructor collects: that student is graded again, no one else.
    await rm(path.join(dir, 'forks', 's0002.git'), { recursive: true, force: true });
    await writeFork(path.join(dir, 'forks', 's0002.git'), { netid: 's0002', time: 1484400000 + 7200 });
    expect(run(['collect', 'A1', '--roster', roster, '--out', out]).code).toBe(0);
    const after = grade();
    expect(after.stderr).toMatch(/\(1 checked, 2 from cache\)/);
    expect(after.stderr).not.toMatch(/nothing changed/);
    expect(grade().stderr).toMatch(/nothing changed/);

    // A roster edit shows in the outputs.
    await writeFile(roster, (await readFile(roster, 'utf8')).replace('Student s0003', 'Stu Dent'));
    const edited = grade();
    expect(edited.stderr).not.toMatch(/nothing changed/);
    expect((await rows(out)).map((r) => r.Name)).toContain('Stu Dent');

    // A mirror gone (or a fork that could not be cloned last time): cloned again.
    await rm(path.join(out, '.mirrors', 's0001.git'), { recursive: true, force: true });
    expect(grade().stderr).not.toMatch(/nothing changed/);
    // Outputs removed: written again.
    await rm(path.join(out, 'batch.json'));
    expect(grade().stderr).not.toMatch(/nothing changed/);
    expect(await readFile(path.join(out, 'batch.json'), 'utf8')).toContain('Stu Dent');
  }, 60_000);
});

describe('secrets across a class', () => {
  it('a file the same in two forks is scanned once, and each student is told of the file by its own name', async () => {
    const dir = await tempDir({}, 'grader-secrets-');
    // Built at run time so this file never holds a key-shaped string.
    const leak = Buffer.from(`aws_access_key_id = ${['AKIA', 'IOSFODNN7', 'TESTQQQ'].join('')}\n`);
    const roster = path.join(dir, 'roster.csv');
    await writeFile(
      roster,
      await writeForks(path.join(dir, 'forks'), 3, {
        mutate: (i, ans) =>
          i === 1 ? ans : ([...ans, [`assignments/A1/${i === 0 ? 'notes.txt' : 'keys.txt'}`, leak]] as [string, Buffer][]),
      }),
    );
    const out = path.join(dir, 'out');
    // One at a time, so the third student's scan surely finds the first's in the cache.
    expect(run(['grade', 'A1', '--roster', roster, '--out', out, '--jobs', '1']).code).toBe(0);
    const batch = JSON.parse(await readFile(path.join(out, 'batch.json'), 'utf8')) as {
      students: { netid: string; results: { id: string; status: string; rationale?: string }[] }[];
    };
    const verdict = (netid: string) => batch.students.find((s) => s.netid === netid)!.results.find((r) => r.id === 'no-secrets')!;
    expect(verdict('s0001')).toMatchObject({
      status: 'fail',
      rationale: expect.stringMatching(/^notes\.txt:1 looks like an AWS access key id/),
    });
    expect(verdict('s0002').status).toBe('pass');
    expect(verdict('s0003')).toMatchObject({ status: 'fail', rationale: expect.stringMatching(/^keys\.txt:1 looks like/) });
  }, 60_000);
});

describe('bad --zips input', () => {
  it('a missing path or a file that is not a zip is a one-line error with exit 2', async () => {
    const dir = await tempDir({ 'notes.csv': 'a,b\n' }, 'grader-badzips-');
    for (const [p, msg] of [
      [path.join(dir, 'nope.zip'), /does not exist/],
      [path.join(dir, 'notes.csv'), /is not a zip file/],
    ] as const) {
      const r = run(['grade', 'A1', '--zips', p, '--out', path.join(dir, 'out')]);
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(msg);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    }
  });
});

describe('an output folder the grader cannot use', () => {
  it('stops with a one-line error and exit 2, leaves no clone running or half made, and loses no result', async () => {
    const dir = await tempDir({}, 'grader-badout-');
    const roster = path.join(dir, 'roster.csv');
    await writeFile(roster, await writeForks(path.join(dir, 'forks'), 12, { par: 4 }));
    const out = path.join(dir, 'out');
    // A file where the feedback folder goes: the first student's feedback cannot be written.
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'feedback'), 'not a folder');
    let r = run(['grade', 'A1', '--roster', roster, '--out', out, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^error: cannot write feedback\/s\d+\.md in the output folder: ENOTDIR$/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect((await readdir(path.join(out, '.mirrors'))).filter((n) => n.includes('.tmp-'))).toEqual([]);
    // Fixed, the run finishes, reusing what was checked before it stopped.
    await rm(path.join(out, 'feedback'));
    r = run(['grade', 'A1', '--roster', roster, '--out', out, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/12 students, 12 graded/);
    expect(r.stderr).toMatch(/\b[1-9]\d* from cache/);
    // A file where the grader keeps its copies of the forks.
    const out2 = path.join(dir, 'out2');
    await mkdir(out2, { recursive: true });
    await writeFile(path.join(out2, '.mirrors'), '');
    r = run(['grade', 'A1', '--roster', roster, '--out', out2, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^error: the output folder's \.mirrors .* cannot be read: ENOTDIR$/);
    expect(r.stderr.split('\n')[1]).toMatch(/fix: remove .*\.mirrors/);
  }, 60_000);
});
