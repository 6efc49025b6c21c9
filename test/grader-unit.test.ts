// The grader's pieces without a batch: roster parsing, the late policy, the ledger, the sandbox
// environment, hidden checks, sharding.
import { describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadRoster, parseExtension, parseRoster } from '../grader/roster.js';
import { applyPenalty, duration, latePenalty, lateSentence } from '../grader/late.js';
import { appendLedger, latestByStudent, readLedger } from '../grader/ledger.js';
import { anonymousAwsEnv, scrubEnvironment } from '../grader/sandbox.js';
import { mergeHidden } from '../grader/hidden.js';
import { shardOf } from '../grader/shard.js';
import { sweepDeadClones } from '../grader/collect.js';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { UserError } from '../lib/errors.js';
import { loadCourse } from '../lib/course.js';
import { loadSpec } from '../lib/spec/load.js';
import { tempDir } from './helpers/fixture.js';
import { REPO } from './helpers/student.js';

const problems = (text: string): string[] => {
  try {
    parseRoster(text, 'r.csv');
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    const u = e as UserError;
    return [u.message, ...u.details];
  }
  throw new Error('expected a UserError');
};

describe('roster', () => {
  it('keeps a checked roster by its hash, so an unchanged one is not parsed again', async () => {
    const dir = await tempDir();
    const csv = path.join(dir, 'roster.csv');
    const memo = { file: path.join(dir, '.cache', 'roster.json'), salt: 'build-1' };
    await writeFile(csv, 'NetID,name\nab123,Ada\n');
    const first = await loadRoster(csv, 'roster.csv', memo);
    expect(first.map((e) => e.netid)).toEqual(['ab123']);
    // The kept copy is what a second run returns: change it behind the roster's back to see it used.
    const kept = JSON.parse(await readFile(memo.file, 'utf8'));
    kept.entries[0].name = 'from the cache';
    await writeFile(memo.file, JSON.stringify(kept));
    expect((await loadRoster(csv, 'roster.csv', memo))[0].name).toBe('from the cache');
    // Another build, or an edited roster, parses again.
    expect((await loadRoster(csv, 'roster.csv', { ...memo, salt: 'build-2' }))[0].name).toBe('Ada');
    await writeFile(csv, 'NetID,name\nab123,Ada\ncd456,Bo\n');
    expect((await loadRoster(csv, 'roster.csv', memo)).map((e) => e.netid)).toEqual(['ab123', 'cd456']);
    // A roster with problems is reported every time, never kept; a garbage cache file is ignored.
    await writeFile(csv, 'NetID,name\nab123,Ada\nab123,Ada again\n');
    await expect(loadRoster(csv, 'roster.csv', memo)).rejects.toThrow(/has 1 problem/);
    await expect(loadRoster(csv, 'roster.csv', memo)).rejects.toThrow(/has 1 problem/);
    await writeFile(memo.file, '{not json');
    await writeFile(csv, 'NetID,name\nab123,Ada\n');
    expect((await loadRoster(csv, 'roster.csv', memo))[0].name).toBe('Ada');
  });

  it('reads a BOM, CRLF, quoted fields and headers in any case, with aliases', () => {
    const text =
      '\uFEFF"NETID","Student Name",E-Mail,Fork URL,Canvas User ID,SIS Login ID,Section,Extension\r\n' +
      'ab123,"Byron, Ada",ab123@x.edu,git@bitbucket.org:ab/anly502.git,42,ab123,"Sec 1",2d\r\n' +
      '\r\n' +
      'cd456,"José ""Pepe"" Núñez",cd456@x.edu,/tmp/f.git,,,,36h\r\n';
    const r = parseRoster(text);
    expect(r.map((e) => [e.netid, e.name, e.extensionMinutes, e.line])).toEqual([
      ['ab123', 'Byron, Ada', 2880, 2],
      ['cd456', 'José "Pepe" Núñez', 2160, 4],
    ]);
    expect(r[0]).toMatchObject({ canvasId: '42', sisLoginId: 'ab123', section: 'Sec 1', repo: 'git@bitbucket.org:ab/anly502.git' });
    expect(r[1].canvasId).toBeUndefined();
  });

  it('reports every problem at once, each naming its line', () => {
    const p = problems('NetID,name,extension\nab123,A,\nab123,B,\n,C,\ncd4 56,D,soon\nef789,E,90\n');
    expect(p[0]).toBe('r.csv has 4 problems');
    expect(p.slice(1)).toEqual([
      'r.csv:3: NetID ab123 is listed twice (first on line 2)',
      'r.csv:4: the NetID is empty',
      'r.csv:5: NetID "cd4 56" may hold only letters, digits, ".", "_" and "-"',
      'r.csv:5: extension "soon" is not a duration; write minutes (90) or 36h, 2d, 1d12h',
    ]);
  });

  it('names a missing required column, and unbalanced quotes by line', () => {
    expect(problems('email,repo\nx@y,z\n')[0]).toBe('r.csv:1: the header has no NetID or name column');
    expect(problems('NetID,name\nab1,"open\n')[0]).toMatch(/^r\.csv:\d+: not valid CSV/);
  });

  it('parses extensions', () => {
    expect(['', '90', '90m', '36h', '2d', '1d12h', '1.5h', 'x', '2w', '-5'].map(parseExtension)).toEqual([
      0,
      90,
      90,
      2160,
      2880,
      2160,
      90,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('late policy', () => {
  const policy = { graceMinutes: 5, penaltyPercentPerDay: 10, maxPenaltyPercent: 50, base: 'score' as const };
  const due = new Date('2017-01-21T04:59:00Z');
  const at = (min: number) => new Date(due.getTime() + min * 60_000);
  it('is on time through the grace, then counts every started day, up to the cap', () => {
    expect(latePenalty(at(5), due, 0, policy)).toEqual({ late: false, minutesLate: 0, penaltyPercent: 0, base: 'score' });
    expect(latePenalty(at(6), due, 0, policy)).toEqual({ late: true, minutesLate: 1, penaltyPercent: 10, base: 'score' });
    expect(latePenalty(at(5 + 1440), due, 0, policy).penaltyPercent).toBe(10);
    expect(latePenalty(at(6 + 1440), due, 0, policy).penaltyPercent).toBe(20);
    expect(latePenalty(at(20 * 1440), due, 0, policy).penaltyPercent).toBe(50);
    expect(latePenalty(at(2000), due, 2880, policy).late).toBe(false); // a 2-day extension
    expect(latePenalty(at(999999), undefined, 0, policy).late).toBe(false);
  });
  it('takes a percent of the score by default, or of the possible points (late.base: points), never below zero', () => {
    // The case: 4.5 of 20, 50% off. Of the score: 2.25. Of the points (Canvas's rule): 0.
    expect(applyPenalty(4.5, 20, { late: true, minutesLate: 1, penaltyPercent: 50, base: 'score' })).toBe(2.25);
    expect(applyPenalty(4.5, 20, { late: true, minutesLate: 1, penaltyPercent: 50, base: 'points' })).toBe(0);
    expect(applyPenalty(18, 20, { late: true, minutesLate: 1, penaltyPercent: 10, base: 'points' })).toBe(16);
    expect(applyPenalty(18, 20, { late: true, minutesLate: 1, penaltyPercent: 10, base: 'score' })).toBe(16.2);
    expect(applyPenalty(0.1 + 0.2, 20, undefined)).toBe(0.3);
  });

  it('says in one sentence how late, what the percent was taken of, and the score before and after', () => {
    expect(lateSentence({ late: true, minutesLate: 1560, penaltyPercent: 50, base: 'score' }, 4.5, 2.25, 20)).toBe(
      'Late by 1 day 2 hours, past the deadline and any grace: 50% of your score was taken off, 4.5 → 2.25 of 20 points.',
    );
    expect(lateSentence({ late: true, minutesLate: 12, penaltyPercent: 50, base: 'points' }, 4.5, 0, 20)).toBe(
      "Late by 12 minutes, past the deadline and any grace: 50% of the assignment's 20 points (10 points) was taken off, 4.5 → 0 of 20 points.",
    );
    // A Canvas upload marked LATE carries no time: no made-up duration, and how it was counted.
    expect(lateSentence({ late: true, minutesLate: 1440, penaltyPercent: 10, base: 'score', flagOnly: true }, 21, 18.9, 20)).toBe(
      'Canvas marks your upload late without saying by how much, so it counts as one day late: 10% of your score was taken off, 21 → 18.9 of 20 points.',
    );
    expect([duration(1440), duration(1501), duration(61), duration(0)]).toEqual(['1 day', '1 day 1 hour', '1 hour 1 minute', '0 minutes']);
  });
});

describe('ledger', () => {
  it('appends lines, survives a torn last line, and the latest entry per student wins', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'ledger.jsonl');
    const e = (netid: string, commit: string, assignment = 'A1') => ({
      netid,
      assignment,
      repo: 'r',
      commit,
      branch: 'main',
      fetchedAt: '2017-01-21T05:00:00.000Z',
    });
    await appendLedger(file, e('ab123', 'a'.repeat(40)));
    await writeFile(file, (await readFile(file, 'utf8')) + '{"netid":"ab1'); // killed mid-append
    await appendLedger(file, e('AB123', 'b'.repeat(40)));
    await appendLedger(file, e('ab123', 'c'.repeat(40), 'A2'));
    const all = await readLedger(file);
    expect(all.map((x) => x.commit[0])).toEqual(['a', 'b', 'c']);
    expect(latestByStudent(all, 'A1').get('ab123')?.commit[0]).toBe('b');
    expect(await readLedger(path.join(dir, 'none.jsonl'))).toEqual([]);
  });
});

describe('sandbox', () => {
  it('keeps the instructor environment for fetching and scrubs it for checks', async () => {
    const dir = await tempDir();
    const key = 'AKIA' + 'Q'.repeat(16);
    const env: NodeJS.ProcessEnv = {
      HOME: '/home/prof',
      AWS_ACCESS_KEY_ID: key,
      AWS_PROFILE: 'prof',
      AWS_REGION: 'us-east-1',
      GITHUB_TOKEN: 't',
      SSH_AUTH_SOCK: '/s',
      PATH: '/bin',
    };
    const { instructor, home } = await scrubEnvironment(dir, env);
    expect(instructor.AWS_ACCESS_KEY_ID).toBe(key);
    expect(Object.keys(env).filter((k) => /^AWS_(ACCESS|SECRET|PROFILE|SESSION)|TOKEN|SSH_AUTH/.test(k))).toEqual([]);
    expect(env.HOME).toBe(home);
    expect(home.startsWith(dir)).toBe(true);
    expect(env.PATH).toBe('/bin');
    expect(anonymousAwsEnv(instructor)).toEqual({ AWS_EC2_METADATA_DISABLED: 'true', AWS_REGION: 'us-east-1' });
  });
});

describe('hidden checks', () => {
  it('merges them, counts their points, and refuses a clash or a bad check with its line', async () => {
    const course = await loadCourse(REPO);
    const spec = await loadSpec(path.join(REPO, 'assignments', 'A1', 'assignment.yaml'), course);
    const dir = await tempDir();
    const good = path.join(dir, 'hidden.yaml');
    await writeFile(
      good,
      'checks:\n  - id: h-q1\n    kind: file.lines\n    file: q1.txt\n    count: 1\n    points: 2\n    dependsOn: [q1-text]\n',
    );
    const m = await mergeHidden(spec, good, course);
    expect(m.spec.points).toBe(spec.points + 2);
    expect(m.spec.checks.at(-1)).toMatchObject({ id: 'h-q1', hidden: true, dependsOn: ['q1-text'] });
    expect(m.hash).toMatch(/^[0-9a-f]{64}$/);

    const clash = path.join(dir, 'clash.yaml');
    await writeFile(clash, 'checks:\n  - { id: q1-present, kind: file.present, file: q1.txt, points: 1 }\n');
    await expect(mergeHidden(spec, clash, course)).rejects.toThrow(UserError);
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'checks:\n  - id: h1\n    kind: file.nope\n    points: 1\n');
    const err = (await mergeHidden(spec, bad, course).then(
      () => undefined,
      (e: unknown) => e,
    )) as UserError;
    expect(err.details.join('\n')).toMatch(/bad\.yaml:3:\d+: unknown check kind "file\.nope"/);
  });
});

describe('shards', () => {
  it('splits a roster stably into non-empty parts', () => {
    const ids = Array.from({ length: 60 }, (_, i) => `s${i}`);
    const parts = [0, 1, 2].map((k) => ids.filter((id) => shardOf(id, 3) === k));
    expect(parts.every((p) => p.length > 5)).toBe(true);
    expect(parts.flat().sort()).toEqual([...ids].sort());
    expect(shardOf('AB123', 7)).toBe(shardOf('ab123', 7));
  });
});

describe('shared python compiler', () => {
  const req = (files: Record<string, string>) => {
    const bodies = Object.entries(files).map(([name, src]) => ({ name, body: Buffer.from(src) }));
    return Buffer.concat([
      Buffer.from(JSON.stringify(bodies.map((b) => ({ name: b.name, size: b.body.length }))) + '\n'),
      ...bodies.map((b) => b.body),
    ]);
  };
  it('answers many requests from one process, and survives an aborted one', async () => {
    const { PythonWorker } = await import('../grader/pyworker.js');
    const w = new PythonWorker('python3');
    const never = new AbortController().signal;
    const [a, b] = await Promise.all([w.compile(req({ 'a.py': 'x = 1\n' }), never), w.compile(req({ 'b.py': 'def f(:\n' }), never)]);
    expect(a).toEqual([{ ok: true, empty: false, stubs: [] }]);
    expect(b).toMatchObject([{ type: 'SyntaxError', line: 1 }]);
    const ac = new AbortController();
    const stuck = w.compile(req({ 'c.py': 'y = 2\n' }), ac.signal);
    ac.abort(new Error('timed out'));
    await expect(stuck).rejects.toThrow('timed out');
    expect(await w.compile(req({ 'd.py': 'z = (\n' }), never)).toMatchObject([{ line: 1 }]);
    w.close();
  });
});

describe('mirrors', () => {
  it("sweeps half-made clones of a killed run, and leaves a live run's alone", async () => {
    const out = await tempDir();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // exited: its pid names no process now
    const mine = path.join(out, '.mirrors', `ab123.git.tmp-${process.pid}`);
    const gone = path.join(out, '.mirrors', `cd456.git.tmp-${dead}`);
    const mirror = path.join(out, '.mirrors', 'ef789.git');
    for (const d of [mine, gone, mirror]) mkdirSync(path.join(d, 'objects'), { recursive: true });
    sweepDeadClones(out);
    expect([existsSync(mine), existsSync(gone), existsSync(mirror)]).toEqual([true, false, true]);
    sweepDeadClones(path.join(out, 'no-such-folder')); // nothing to sweep: no error
  });
});

describe('the build id', () => {
  it('changes when an exporter or a command changes, not only the core: a rebuilt grader rewrites its outputs', async () => {
    const { computeBuildId, BUILD_DIRS } = await import('../scripts/lib/build-id.mjs');
    const { cpSync, appendFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const root = mkdtempSync(path.join(tmpdir(), 'buildid-'));
    for (const d of BUILD_DIRS) cpSync(path.join(REPO, d), path.join(root, d), { recursive: true });
    const a = await computeBuildId(root, '1.0.0');
    expect(await computeBuildId(root, '1.0.0')).toBe(a);
    appendFileSync(path.join(root, 'grader', 'export', 'csv.ts'), '\n// changed\n');
    const b = await computeBuildId(root, '1.0.0');
    expect(b).not.toBe(a);
    appendFileSync(path.join(root, 'cli', 'commands.ts'), '\n// changed\n');
    expect(await computeBuildId(root, '1.0.0')).not.toBe(b);
  });
});
