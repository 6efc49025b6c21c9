// Grades you can trust, end to end through the built CLI: a fault on the grader's side never lowers
// a grade (the student is incomplete, their Canvas cell blank, and the next run retries exactly the
// checks that could not run); collecting after the deadline grades what not collecting grades; a
// key in the pushed history is flagged; hostile dates and a damaged mirror are that student's
// problem; one grader holds an output folder at a time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { parseDocument } from 'yaml';
import { CLI, harnessAsync, REPO } from './helpers/student.js';
import { tempDir } from './helpers/fixture.js';
import { offlineCourse } from '../scripts/lib/offline-course.mjs';
import { writeFork } from '../scripts/lib/synth-forks.mjs';
import { startStandin, type Standin } from '../standin/index.js';

/** A1 is due 2017-01-20 23:59 America/New_York (04:59 UTC the next day); grace 5 minutes. */
const DUE = Date.parse('2017-01-21T04:59:00Z') / 1000;
const H = 3600;
const EXAMPLE = path.join(REPO, 'examples', 'A1-student');

const rows = (out: string) => parse(readFileSync(path.join(out, 'grades.csv')), { columns: true, bom: true }) as Record<string, string>[];
const canvas = (out: string) => parse(readFileSync(path.join(out, 'canvas.csv'))) as string[][];
const batch = (out: string) =>
  JSON.parse(readFileSync(path.join(out, 'batch.json'), 'utf8')) as {
    students: {
      netid: string;
      status: string;
      total: number;
      reason?: string;
      commit?: string;
      choice?: string;
      leak?: string;
      attempts?: { commit: string; total: number; chosen: boolean }[];
      results: { id: string; status: string; fault?: string }[];
    }[];
  };

interface Step {
  files: Record<string, string | Buffer | null>;
  at: number;
}

/** A student's fork: `steps` committed in order with the given dates (unix seconds), pushed to a bare origin. */
function fork(dir: string, netid: string, steps: Step[]): string {
  const work = path.join(dir, `${netid}-work`);
  const origin = path.join(dir, `${netid}.git`);
  const email = `${netid}@georgetown.edu`;
  const git = (at: number, ...args: string[]) =>
    execFileSync('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], {
      cwd: work,
      stdio: 'pipe',
      env: {
        ...process.env,
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_AUTHOR_NAME: netid,
        GIT_AUTHOR_EMAIL: email,
        GIT_COMMITTER_NAME: netid,
        GIT_COMMITTER_EMAIL: email,
        GIT_AUTHOR_DATE: `@${at} +0000`,
        GIT_COMMITTER_DATE: `@${at} +0000`,
      },
    });
  mkdirSync(work, { recursive: true });
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', origin]);
  git(0, 'init', '-q');
  cpSync(path.join(REPO, 'course.yaml'), path.join(work, 'course.yaml'));
  cpSync(path.join(REPO, 'assignments', 'A1'), path.join(work, 'assignments', 'A1'), { recursive: true });
  writeFileSync(path.join(work, 'user.cfg'), `[USER]\nname: ${netid}\nemail: ${email}\n`);
  for (const s of steps) {
    for (const [rel, body] of Object.entries(s.files)) {
      const f = path.join(work, 'assignments', 'A1', rel);
      if (body === null) rmSync(f, { force: true });
      else writeFileSync(f, body);
    }
    git(s.at, 'add', '-A');
    git(s.at, 'commit', '-q', '--allow-empty', '-m', `step at ${s.at}`);
  }
  git(0, 'remote', 'add', 'origin', origin);
  git(0, 'push', '-q', '-u', 'origin', 'main');
  return origin;
}

/** The example's complete answers, q1.txt pointing where the test says. */
function complete(q1 = 'git@bitbucket.org:someone/anly502.git\n'): Record<string, string | Buffer> {
  const out: Record<string, string | Buffer> = {};
  for (const f of readdirSync(EXAMPLE)) if (f !== 'README.md') out[f] = readFileSync(path.join(EXAMPLE, f));
  out['q1.txt'] = q1;
  return out;
}

describe('collecting after the deadline', () => {
  it('grades the same commit, and the same total, as not collecting; the later commit is recorded and explained', async () => {
    const dir = await tempDir({}, 'trust-collect-');
    const course = offlineCourse(mkdtempSync(path.join(tmpdir(), 'trust-course-')));
    // Complete but one slip, on time; the slip fixed three days late.
    const slip = complete();
    slip['q4.txt'] = String(slip['q4.txt']).replace('mode: streaming', 'mode: stream');
    const origin = fork(dir, 'sl123', [
      { files: slip, at: DUE - 5 * H },
      { files: { 'q4.txt': complete()['q4.txt'] }, at: DUE + 72 * H },
    ]);
    const roster = path.join(dir, 'roster.csv');
    writeFileSync(roster, `NetID,name,email,repo\nsl123,Slip Late,sl123@georgetown.edu,${origin}\n`);
    const plain = await harnessAsync(course, ['grade', 'A1', '--roster', roster, '--out', path.join(dir, 'plain'), '--quiet']);
    expect(plain.status, plain.stderr).toBe(0);
    const c = await harnessAsync(course, ['collect', 'A1', '--roster', roster, '--out', path.join(dir, 'collected'), '--quiet']);
    expect(c.status, c.stderr).toBe(0);
    const led = JSON.parse(readFileSync(path.join(dir, 'collected', 'ledger.jsonl'), 'utf8').trim());
    expect(led.commit).not.toBe(led.tip); // the rule's commit, and the later tip
    const g = await harnessAsync(course, ['grade', 'A1', '--roster', roster, '--out', path.join(dir, 'collected'), '--quiet']);
    expect(g.status, g.stderr).toBe(0);
    const [a] = rows(path.join(dir, 'plain'));
    const [b] = rows(path.join(dir, 'collected'));
    expect([b.Total, b.Commit, b.Late]).toEqual([a.Total, a.Commit, a.Late]);
    expect(b.Commit).toBe(led.commit);
    expect(b['Chosen by']).toBe('last commit at or before the deadline (collected)');
    // Both commits were graded: the on-time one counts (the late fix, at 30% off, scores less).
    const s = batch(path.join(dir, 'collected')).students[0];
    expect(s.attempts!.map((x) => [x.commit, x.chosen])).toEqual([
      [led.commit, true],
      [led.tip, false],
    ]);
    expect(s.attempts![1].total).toBeLessThan(s.attempts![0].total);
  }, 120_000);
});

describe('a key in the pushed history', () => {
  it('is reported by check and flagged by the grader, masked, though the file is gone', async () => {
    const dir = await tempDir({}, 'trust-history-');
    const course = offlineCourse(mkdtempSync(path.join(tmpdir(), 'trust-course-')));
    const key = ['AKIA', 'Q7LEAKED', 'HISTORY1'].join(''); // built at run time: this file holds no key
    const origin = fork(dir, 'hk123', [
      { files: { ...complete(), 'keys.txt': `aws_access_key_id = ${key}\n` }, at: DUE - 10 * H },
      { files: { 'keys.txt': null }, at: DUE - 9 * H },
    ]);
    const clone = path.join(dir, 'clone');
    execFileSync('git', ['clone', '-q', origin, clone], { env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } });
    const c = await harnessAsync(clone, ['check', 'A1', '--offline', '--only', 'no-secrets', '--reporter', 'json']);
    const r = (
      JSON.parse(c.stdout) as { results: { id: string; status: string; rationale: string; hint: string; actual?: string }[] }
    ).results.find((x) => x.id === 'no-secrets')!;
    expect(r.status).toBe('fail');
    expect(r.rationale).toMatch(/keys\.txt \(commit [0-9a-f]{7}\):1 looks like an AWS access key id/);
    expect(r.rationale).toMatch(/in the history you pushed/);
    expect(r.hint).toMatch(/^Deactivate this key now/);
    expect(JSON.stringify(r)).not.toContain(key);
    const roster = path.join(dir, 'roster.csv');
    writeFileSync(roster, `NetID,name,email,repo\nhk123,History Key,hk123@georgetown.edu,${origin}\n`);
    const out = path.join(dir, 'out');
    const g = await harnessAsync(course, ['grade', 'A1', '--roster', roster, '--out', out, '--quiet']);
    expect(g.status, g.stderr).toBe(0);
    const [row] = rows(out);
    expect(row['Leaked secret']).toMatch(/keys\.txt.*AKIA\*+.*deactivate this key now/);
    for (const f of ['grades.csv', 'canvas.csv', 'batch.json', 'report.html', 'feedback/hk123.md'])
      expect(readFileSync(path.join(out, f), 'utf8')).not.toContain(key);
  }, 120_000);

  it('is found at the end of large files, in the commit and in the history, as git streams them to the grader', async () => {
    const dir = await tempDir({}, 'trust-big-');
    const course = offlineCourse(mkdtempSync(path.join(tmpdir(), 'trust-course-')));
    const now = ['AKIA', 'Q7LEAKED', 'BIGFILE1'].join('');
    const past = ['AKIA', 'Q7LEAKED', 'BIGPAST1'].join('');
    const filler = 'timestamp,reading\n' + '2017-01-01 00:00:00,1.0\n'.repeat(400_000); // ~10 MB: streamed, not read whole
    const origin = fork(dir, 'bg123', [
      { files: { ...complete(), 'old.csv': `${filler}aws_access_key_id = ${past}\n` }, at: DUE - 10 * H },
      { files: { 'old.csv': null, 'now.csv': `${filler}aws_access_key_id = ${now}\n` }, at: DUE - 9 * H },
    ]);
    const roster = path.join(dir, 'roster.csv');
    writeFileSync(roster, `NetID,name,email,repo\nbg123,Big Files,bg123@georgetown.edu,${origin}\n`);
    const out = path.join(dir, 'out');
    const g = await harnessAsync(course, ['grade', 'A1', '--roster', roster, '--out', out, '--quiet']);
    expect(g.status, g.stderr).toBe(0);
    expect(rows(out)[0]['Leaked secret']).toMatch(/now\.csv:400002: an AWS access key id/);
    // The feedback names every hit: the file now, and the one a later commit removed.
    const feedback = readFileSync(path.join(out, 'feedback', 'bg123.md'), 'utf8');
    expect(feedback).toMatch(/now\.csv:400002/);
    expect(feedback).toMatch(/old\.csv \(commit [0-9a-f]{7}\):400002/);
    for (const f of ['grades.csv', 'batch.json', 'feedback/bg123.md']) {
      const text = readFileSync(path.join(out, f), 'utf8');
      expect(text).not.toContain(now);
      expect(text).not.toContain(past);
    }
  }, 120_000);
});

describe("faults on the grader's side never lower a grade", () => {
  let standin: Standin;
  let git: http.Server;
  let gitCalls = 0;
  let dir: string;
  let course: string;
  let roster: string;

  beforeAll(async () => {
    dir = await tempDir({}, 'trust-faults-');
    // The course as it is, with short time limits on the live checks so a hang is quick to see.
    course = mkdtempSync(path.join(tmpdir(), 'trust-live-course-'));
    cpSync(path.join(REPO, 'course.yaml'), path.join(course, 'course.yaml'));
    cpSync(path.join(REPO, 'assignments', 'A1'), path.join(course, 'assignments', 'A1'), { recursive: true });
    const spec = path.join(course, 'assignments', 'A1', 'assignment.yaml');
    const doc = parseDocument(readFileSync(spec, 'utf8'));
    for (const c of (doc.get('checks') as { items: { get(k: string): unknown; set(k: string, v: unknown): void }[] }).items) {
      if (['git.private', 'aws.s3.public', 'aws.s3.website'].includes(String(c.get('kind')))) c.set('timeout', 4);
    }
    writeFileSync(spec, doc.toString());
    git = http.createServer((_q, r) => {
      gitCalls++;
      r.writeHead(401, { 'WWW-Authenticate': 'Basic realm="t"' }).end();
    });
    await new Promise<void>((r) => git.listen(0, '127.0.0.1', r));
    const gitUrl = `http://127.0.0.1:${(git.address() as { port: number }).port}`;
    const lines = ['NetID,name,email,repo,canvas id'];
    for (const [i, netid] of ['fa111', 'fb222', 'fc333'].entries()) {
      const origin = fork(dir, netid, [{ files: complete(`${gitUrl}/${netid}/anly502.git\n`), at: DUE - 20 * H }]);
      lines.push(`${netid},Student ${netid},${netid}@georgetown.edu,${origin},${1001 + i}`);
    }
    roster = path.join(dir, 'roster.csv');
    writeFileSync(roster, lines.join('\n') + '\n');
  });

  afterAll(async () => {
    await standin?.stop();
    await new Promise((r) => git?.close(r));
  });

  const world = () => ({
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
            objects: [{ key: 'q6-malfunctions.txt', body: readFileSync(path.join(EXAMPLE, 'q6-malfunctions.txt'), 'utf8') }],
          },
        ],
      },
    ],
  });
  const grade = (env: Record<string, string>, out = path.join(dir, 'out')) =>
    harnessAsync(course, ['grade', 'A1', '--roster', roster, '--out', out, '--quiet', '--canvas-id', '77'], {
      ...env,
      HARNESS_LOOPBACK_ONLY: '1',
      HARNESS_GIT_HOSTS: '127.0.0.1',
    });

  it('throttled, hung or refused: incomplete, a blank Canvas cell, exit 1; answered again: graded, retrying only what could not run', async () => {
    const out = path.join(dir, 'out');
    standin = await startStandin({ ...world(), faults: [{ kind: 'throttle', service: 's3-website' }] });
    let r = await grade(standin.env);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /3 students are incomplete \(no grade written for them\): 3 × the network or service could not be reached; run the same command again/,
    );
    let b = batch(out);
    expect(b.students.map((s) => [s.netid, s.status])).toEqual([
      ['fa111', 'incomplete'],
      ['fb222', 'incomplete'],
      ['fc333', 'incomplete'],
    ]);
    expect(b.students[0].reason).toMatch(/^1 check could not run: q7-website/);
    expect(
      canvas(out)
        .slice(2)
        .map((row) => row[5]),
    ).toEqual(['', '', '']);
    expect(rows(out).map((x) => x.Status)).toEqual(['incomplete', 'incomplete', 'incomplete']);
    expect(existsSync(path.join(out, 'gradescope'))).toBe(false);

    // A hang: the check's own time limit, then incomplete again. Only q7-website is tried again
    // (q7-public was judged the first time, and S3 is not asked again).
    standin.world = { ...world(), faults: [{ kind: 'hang', service: 's3-website' }] };
    const s3Calls = standin.calls.filter((c) => c.service === 's3').length;
    r = await grade(standin.env);
    expect(r.status, r.stderr).toBe(1);
    b = batch(out);
    // The check gives up within its own time limit, before the engine has to stop it: a network fault.
    expect(b.students.map((s) => [s.status, s.reason])).toEqual(
      b.students.map(() => [
        'incomplete',
        '1 check could not run: q7-website (the network or service could not be reached); grade again to retry them',
      ]),
    );
    expect(standin.calls.filter((c) => c.service === 's3').length).toBe(s3Calls);

    // Refused: nothing listens there any more.
    await standin.stop();
    r = await grade(standin.env);
    expect(r.status, r.stderr).toBe(1);
    expect(
      canvas(out)
        .slice(2)
        .map((row) => row[5]),
    ).toEqual(['', '', '']);

    // Answered again: graded, and only the checks that could not run were run again (the git host,
    // which always answered, is not asked again).
    standin = await startStandin(world());
    const before = gitCalls;
    r = await grade(standin.env);
    expect(r.status, r.stderr).toBe(0);
    expect(gitCalls).toBe(before);
    expect(new Set(standin.calls.map((c) => c.service))).toEqual(new Set(['s3-website']));
    b = batch(out);
    expect(b.students.map((s) => [s.status, s.total])).toEqual([
      ['graded', 21],
      ['graded', 21],
      ['graded', 21],
    ]);
    expect(
      canvas(out)
        .slice(2)
        .map((row) => row[5]),
    ).toEqual(['21', '21', '21']);
  }, 180_000);

  it('--offline judges no live check: every such student is incomplete, never a lowered number', async () => {
    const out = path.join(dir, 'offline');
    const r = await harnessAsync(course, ['grade', 'A1', '--roster', roster, '--out', out, '--quiet', '--offline']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/3 × not judged: graded with --offline/);
    expect(
      canvas(out)
        .slice(2)
        .map((row) => row[5]),
    ).toEqual(['', '', '']);
  }, 60_000);
});

describe('hostile metadata and a damaged mirror', () => {
  it("a commit dated 99999999999999999 is that student's error; collect and grade finish", async () => {
    const dir = await tempDir({}, 'trust-dates-');
    const course = offlineCourse(mkdtempSync(path.join(tmpdir(), 'trust-course-')));
    const bad = path.join(dir, 'bad.git');
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bad]);
    const tree = execFileSync('git', ['-C', bad, 'hash-object', '-w', '-t', 'tree', '--stdin'], { input: '' }).toString().trim();
    const body = `tree ${tree}\nauthor X <x@y.z> 99999999999999999 +0000\ncommitter X <x@y.z> 99999999999999999 +0000\n\nfrom the future\n`;
    const commit = execFileSync('git', ['-C', bad, 'hash-object', '-w', '-t', 'commit', '--literally', '--stdin'], { input: body })
      .toString()
      .trim();
    execFileSync('git', ['-C', bad, 'update-ref', 'refs/heads/main', commit]);
    await writeFork(path.join(dir, 'ok.git'), { netid: 'ok1', time: DUE - 10 * H });
    const roster = path.join(dir, 'roster.csv');
    writeFileSync(
      roster,
      `NetID,name,email,repo\nbad1,Bad,bad1@georgetown.edu,${bad}\nok1,Ok,ok1@georgetown.edu,${path.join(dir, 'ok.git')}\n`,
    );
    const out = path.join(dir, 'out');
    const c = await harnessAsync(course, ['collect', 'A1', '--roster', roster, '--out', out]);
    expect(c.status, c.stderr).toBe(0);
    expect(c.stderr).toMatch(/bad1 error: commit [0-9a-f]{12} has an impossible date/);
    expect(c.stderr).not.toMatch(/internal error/);
    const g = await harnessAsync(course, ['grade', 'A1', '--roster', roster, '--out', out, '--quiet']);
    expect(g.stderr).not.toMatch(/internal error/);
    expect(rows(out).map((x) => [x.NetID, x.Status.replace(/:.*/, '')])).toEqual([
      ['bad1', 'error'],
      ['ok1', 'graded'],
    ]);
  }, 60_000);

  it("a corrupt object in the grader's copy is that student's error, never a low grade; a fresh copy is graded anew", async () => {
    const dir = await tempDir({}, 'trust-damaged-');
    const course = offlineCourse(mkdtempSync(path.join(tmpdir(), 'trust-course-')));
    await writeFork(path.join(dir, 'd1.git'), { netid: 'd1', time: DUE - 10 * H });
    const roster = path.join(dir, 'roster.csv');
    writeFileSync(roster, `NetID,name,email,repo\nd1,Damaged,d1@georgetown.edu,${path.join(dir, 'd1.git')}\n`);
    const out = path.join(dir, 'out');
    expect((await harnessAsync(course, ['collect', 'A1', '--roster', roster, '--out', out, '--quiet'])).status).toBe(0);
    // Break the mirror: every loose object is garbage. (A new file, not a write into the old one:
    // a local clone shares its objects with the fork through hard links.)
    const objects = path.join(out, '.mirrors', 'd1.git', 'objects');
    let broken = 0;
    for (const d of readdirSync(objects).filter((n) => /^[0-9a-f]{2}$/.test(n))) {
      for (const o of readdirSync(path.join(objects, d))) {
        rmSync(path.join(objects, d, o));
        writeFileSync(path.join(objects, d, o), 'not zlib');
        broken++;
      }
    }
    expect(broken).toBeGreaterThan(5);
    const g = await harnessAsync(course, ['grade', 'A1', '--roster', roster, '--out', out, '--quiet']);
    expect(g.stderr).not.toMatch(/internal error/);
    const [bad] = batch(out).students;
    expect(['error', 'incomplete']).toContain(bad.status);
    expect(canvas(out)[2][5]).toBe('');
    // The instructor deletes the damaged copy, as the message says; it is fetched and graded again.
    expect(bad.reason).toMatch(/delete \.mirrors\/d1\.git/);
    rmSync(path.join(out, '.mirrors', 'd1.git'), { recursive: true, force: true });
    const again = await harnessAsync(course, ['grade', 'A1', '--roster', roster, '--out', out, '--quiet']);
    expect(again.status, again.stderr).toBe(0);
    expect(batch(out).students[0].status).toBe('graded');
    expect(Number(canvas(out)[2][5])).toBeGreaterThan(15);
  }, 60_000);

  it('a large file that cannot be read from the copy makes the student incomplete, never a clean secret scan', async () => {
    const dir = await tempDir({}, 'trust-bigdamaged-');
    const course = offlineCourse(mkdtempSync(path.join(tmpdir(), 'trust-course-')));
    const big = 'timestamp,reading\n' + '2017-01-01 00:00:00,1.0\n'.repeat(400_000); // over 8 MB: streamed from git
    const origin = fork(dir, 'bd123', [{ files: { ...complete(), 'big.csv': big }, at: DUE - 10 * H }]);
    const roster = path.join(dir, 'roster.csv');
    writeFileSync(roster, `NetID,name,email,repo\nbd123,Big Damaged,bd123@georgetown.edu,${origin}\n`);
    const out = path.join(dir, 'out');
    expect((await harnessAsync(course, ['collect', 'A1', '--roster', roster, '--out', out, '--quiet'])).status).toBe(0);
    // Only the big file's object is garbage (a new file: the copy shares objects with the fork by hard links).
    const oid = execFileSync('git', ['hash-object', '--stdin'], { input: big }).toString().trim();
    const obj = path.join(out, '.mirrors', 'bd123.git', 'objects', oid.slice(0, 2), oid.slice(2));
    expect(existsSync(obj)).toBe(true);
    rmSync(obj);
    writeFileSync(obj, 'not zlib');
    const g = await harnessAsync(course, ['grade', 'A1', '--roster', roster, '--out', out, '--quiet']);
    expect(g.stderr).not.toMatch(/internal error/);
    const [s] = batch(out).students;
    expect(['error', 'incomplete']).toContain(s.status);
    expect(canvas(out)[2][5]).toBe('');
  }, 60_000);
});

describe('one grader per output folder', () => {
  it('a second run exits 2 naming the holder; a lock left by a dead process is taken over with a note', async () => {
    const dir = await tempDir({}, 'trust-lock-');
    const course = offlineCourse(mkdtempSync(path.join(tmpdir(), 'trust-course-')));
    const roster = path.join(dir, 'roster.csv');
    const { writeForks } = await import('../scripts/lib/synth-forks.mjs');
    writeFileSync(roster, await writeForks(path.join(dir, 'forks'), 40));
    const out = path.join(dir, 'out');
    const first = spawn(process.execPath, [CLI, 'grade', 'A1', '--roster', roster, '--out', out, '--quiet'], {
      cwd: course,
      env: { ...process.env, INIT_CWD: '' },
    });
    const firstDone = new Promise<number | null>((r) => first.on('close', r));
    // Wait until the first run holds the lock.
    for (let i = 0; i < 200 && !existsSync(path.join(out, '.lock')); i++) await new Promise((r) => setTimeout(r, 25));
    const second = await harnessAsync(course, ['grade', 'A1', '--roster', roster, '--out', out, '--quiet']);
    expect(second.status).toBe(2);
    expect(second.stderr.split('\n')[0]).toMatch(
      new RegExp(`^error: another harness run is using .*: harness grade A1 \\(pid ${first.pid} on `),
    );
    expect(await firstDone).toBe(0);
    expect(existsSync(path.join(out, '.lock'))).toBe(false);
    expect(batch(out).students.filter((s) => s.status !== 'graded')).toEqual([]);
    // A lock from a process that is gone.
    writeFileSync(
      path.join(out, '.lock'),
      JSON.stringify({
        pid: 2 ** 22 + 12345,
        host: (await import('node:os')).hostname(),
        command: 'harness grade A1',
        started: '2017-01-21T05:00:00Z',
      }),
    );
    const third = await harnessAsync(course, ['grade', 'A1', '--roster', roster, '--out', out, '--quiet']);
    expect(third.status, third.stderr).toBe(0);
    expect(third.stderr).toMatch(
      /^note: taking over .*\.lock, left by harness grade A1 \(pid \d+, started 2017-01-21T05:00:00Z\), which is no longer running/m,
    );
  }, 120_000);
});

describe('starter code earns nothing', () => {
  it('a fork with no A1 work gets 0', async () => {
    const dir = await tempDir({}, 'trust-starter-');
    const origin = fork(dir, 'st123', [{ files: {}, at: DUE - 10 * H }]);
    const roster = path.join(dir, 'roster.csv');
    writeFileSync(roster, `NetID,name,email,repo\nst123,Starter,st123@georgetown.edu,${origin}\n`);
    const out = path.join(dir, 'out');
    const course = offlineCourse(mkdtempSync(path.join(tmpdir(), 'trust-course-')));
    const g = await harnessAsync(course, ['grade', 'A1', '--roster', roster, '--out', out, '--quiet']);
    expect(g.status, g.stderr).toBe(0);
    expect(rows(out)[0].Total).toBe('0');
  }, 60_000);
});

describe('a full disk', () => {
  const canMount = (() => {
    try {
      execFileSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!canMount)(
    'is one line and exit 2; nothing is marked graded that was not; the next run, with room, finishes the job',
    async () => {
      const dir = await tempDir({}, 'trust-disk-');
      const course = offlineCourse(mkdtempSync(path.join(tmpdir(), 'trust-course-')));
      const { writeForks } = await import('../scripts/lib/synth-forks.mjs');
      const roster = path.join(dir, 'roster.csv');
      writeFileSync(roster, await writeForks(path.join(dir, 'forks'), 30));
      const out = path.join(dir, 'out');
      mkdirSync(out);
      // In a mount namespace of its own: the output folder on a tmpfs too small for the batch, then
      // made larger (space freed) and graded again.
      const sh = (script: string) =>
        execFileSync('unshare', ['-rm', 'sh', '-c', script], { cwd: course, encoding: 'utf8', env: { ...process.env, INIT_CWD: '' } });
      const grade = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} grade A1 --roster ${roster} --out ${out} --quiet`;
      const res = sh(
        `mount -t tmpfs -o size=400k tmpfs ${out}; ${grade} 2>err1; echo "first=$?"; cat err1; mount -o remount,size=64m ${out}; ${grade} 2>err2; echo "second=$?"; cat err2; cp ${out}/grades.csv ${dir}/grades.csv`,
      );
      expect(res).toMatch(/^first=2$/m);
      expect(res).toMatch(
        /^error: the disk holding .* is full \(ENOSPC\); the run stopped, and no student was marked graded who was not$/m,
      );
      expect(res).not.toMatch(/internal error|\n\s+at /);
      expect(res).toMatch(/^second=0$/m);
      const graded = parse(readFileSync(path.join(dir, 'grades.csv')), { columns: true }) as Record<string, string>[];
      expect(graded.map((x) => x.Status)).toEqual(graded.map(() => 'graded'));
      expect(graded).toHaveLength(30);
    },
    120_000,
  );
});
