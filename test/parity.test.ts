// One verdict everywhere. The same work, per check, gets the same status and points from:
//   1. `check` in the student's clone;
//   2. `grade` from the fork (the commit read from git objects);
//   3. `grade` from a Canvas download holding the zip `submit` wrote in that clone.
// The only exceptions are the checks a mode cannot judge (a grader never sees the student's
// computer or AWS account; a zip has no git history): those are skipped there and carry no points.
// Every assignment A0–A5, on a complete and a partial answer set, with the internet checks answered
// by a stand-in and a git host on loopback (nothing leaves this machine).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { harnessAsync, REPO } from './helpers/student.js';
import { tempDir } from './helpers/fixture.js';
import { startStandin, type Standin } from '../standin/index.js';

const PY = realpathSync(
  execFileSync(process.env.HARNESS_PYTHON ?? 'python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim(),
);
const NETID = 'pq123';
const EMAIL = `${NETID}@georgetown.edu`;

interface Result {
  id: string;
  kind: string;
  status: string;
  points: number;
  maxPoints: number;
  notJudged?: boolean;
  reason?: string;
}

let standin: Standin;
let git: http.Server;
let gitUrl = '';
let env: NodeJS.ProcessEnv = {};

beforeAll(async () => {
  const q6 = readFileSync(path.join(REPO, 'examples/A1-student/q6-malfunctions.txt'), 'utf8');
  standin = await startStandin({
    accounts: [
      {
        id: '123456789012',
        credentials: [],
        keyPairs: [],
        instances: [],
        emrClusters: [],
        dynamoTables: [],
        alarms: [],
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
  });
  // A git host that refuses anonymous reads: the fork is private.
  git = http.createServer((_q, r) => r.writeHead(401, { 'WWW-Authenticate': 'Basic realm="parity"' }).end());
  await new Promise<void>((r) => git.listen(0, '127.0.0.1', r));
  gitUrl = `http://127.0.0.1:${(git.address() as { port: number }).port}/${NETID}/anly502.git`;
  const home = await tempDir({}, 'parity-home-');
  env = {
    ...standin.env,
    HOME: home,
    HARNESS_PYTHON: PY,
    HARNESS_LOOPBACK_ONLY: '1',
    HARNESS_GIT_HOSTS: '127.0.0.1',
    AWS_CONFIG_FILE: path.join(home, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
});

afterAll(async () => {
  await standin?.stop();
  await new Promise((r) => git?.close(r));
});

/** The answer files of a complete set, as [relative path, bytes]. */
function answers(id: string): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  const from = id === 'A1' ? path.join(REPO, 'examples', 'A1-student') : path.join(REPO, 'test', 'fixtures', id, 'pass');
  const walk = (dir: string, rel = '') => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(dir, e.name), r);
      else if (!(id === 'A1' && r === 'README.md')) m.set(r, readFileSync(path.join(dir, e.name)));
    }
  };
  walk(from);
  if (id === 'A1') m.set('q1.txt', Buffer.from(`${gitUrl}\n`));
  if (id === 'A0') m.set('fork.txt', Buffer.from(`${gitUrl}\n`));
  return m;
}

/** A partial set: two answer files missing, one saved with Windows line endings, one program broken. */
function partial(id: string, full: Map<string, Buffer>): Map<string, Buffer> {
  const m = new Map(full);
  const names = [...m.keys()].sort();
  const txt = names.filter((n) => n.endsWith('.txt') && !/fork|q1\.txt/.test(n));
  const py = names.filter((n) => n.endsWith('.py'));
  for (const n of txt.slice(0, 2)) m.delete(n);
  const crlf = txt[2];
  if (crlf) m.set(crlf, Buffer.from(m.get(crlf)!.toString('utf8').replace(/\n/g, '\r\n')));
  if (py[0]) m.set(py[0], Buffer.from('def broken(:\n'));
  if (id === 'A1') m.set('streaming-time.py', readFileSync(path.join(REPO, 'assignments', 'A1', 'streaming-time.py')));
  return m;
}

interface Student {
  root: string;
  dir: string;
  origin: string;
  base: string;
}

/** The student's clone: the course, their answers committed and pushed to a bare origin. */
async function clone(id: string, files: Map<string, Buffer>): Promise<Student> {
  const base = await tempDir({}, `parity-${id}-`);
  const root = path.join(base, 'clone');
  const dir = path.join(root, 'assignments', id);
  cpSync(path.join(REPO, 'course.yaml'), path.join(root, 'course.yaml'));
  cpSync(path.join(REPO, '.gitattributes'), path.join(root, '.gitattributes'));
  cpSync(path.join(REPO, 'assignments', id), dir, { recursive: true });
  for (const [rel, body] of files) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), body);
  }
  writeFileSync(path.join(root, 'user.cfg'), `[USER]\nname: Parity Student\nemail: ${EMAIL}\n`);
  const genv = {
    ...process.env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'P',
    GIT_AUTHOR_EMAIL: EMAIL,
    GIT_COMMITTER_NAME: 'P',
    GIT_COMMITTER_EMAIL: EMAIL,
  };
  const g = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', '-c', 'core.autocrlf=false', ...args], {
      cwd,
      env: genv,
      stdio: 'pipe',
    });
  const origin = path.join(base, 'origin.git');
  g(base, 'init', '-q', '--bare', origin);
  g(root, 'init', '-q');
  g(root, 'add', '-A');
  g(root, 'commit', '-q', '-m', `${id} answers`);
  g(root, 'remote', 'add', 'origin', origin);
  g(root, 'push', '-q', '-u', 'origin', 'main');
  return { root, dir, origin, base };
}

const byId = (rs: Result[]) => new Map(rs.map((r) => [r.id, r]));

async function threeModes(id: string, s: Student): Promise<{ check: Result[]; fork: Result[]; zip: Result[] }> {
  // 1. check, in the clone.
  const c = await harnessAsync(s.root, ['check', id, '--reporter', 'json'], env);
  expect(c.stdout, c.stderr).not.toBe('');
  const check = (JSON.parse(c.stdout) as { results: Result[] }).results;
  // The zip `submit` writes, in a Canvas download.
  const sub = await harnessAsync(s.root, ['submit', id], env);
  const zip = path.join(s.dir, `${NETID}-${id}.zip`);
  expect(existsSync(zip), sub.stderr).toBe(true);
  const download = path.join(s.base, 'download');
  mkdirSync(download);
  cpSync(zip, path.join(download, `studentparity_1001_2001_${NETID}-${id}.zip`));
  rmSync(zip);
  const roster = path.join(s.base, 'roster.csv');
  writeFileSync(roster, `NetID,name,email,repo,canvas id\n${NETID},"Student, Parity",${EMAIL},${s.origin},1001\n`);
  // 2. grade from the fork; 3. grade from the Canvas download.
  const out = (m: string) => path.join(s.base, `grades-${m}`);
  const gf = await harnessAsync(REPO, ['grade', id, '--roster', roster, '--out', out('fork'), '--quiet'], env);
  const gz = await harnessAsync(REPO, ['grade', id, '--roster', roster, '--zips', download, '--out', out('zip'), '--quiet'], env);
  const results = (m: string, r: { stderr: string }) => {
    const f = path.join(out(m), 'batch.json');
    expect(existsSync(f), r.stderr).toBe(true);
    const b = JSON.parse(readFileSync(f, 'utf8')) as { students: { status: string; reason?: string; results: Result[] }[] };
    expect(b.students).toHaveLength(1);
    // A tool missing on this machine (mrjob, PySpark) leaves the grade incomplete: never a lowered one.
    const st = b.students[0];
    if (st.status !== 'graded')
      expect(
        [
          st.status,
          st.results.filter((x) => (x as { fault?: string }).fault).every((x) => (x as { fault?: string }).fault === 'environment'),
        ],
        st.reason,
      ).toEqual(['incomplete', true]);
    return st.results;
  };
  return { check, fork: results('fork', gf), zip: results('zip', gz) };
}

function expectParity(mode: 'fork' | 'zip', check: Result[], graded: Result[]) {
  const mine = byId(check);
  const differences: unknown[] = [];
  for (const g of graded) {
    const c = mine.get(g.id)!;
    if (g.notJudged) {
      // Not judged here: skipped, and worth nothing in this mode.
      if (g.status !== 'skip' || g.points !== 0 || g.maxPoints !== 0)
        differences.push([g.id, 'not judged but', g.status, g.points, g.maxPoints]);
      continue;
    }
    if (c.status !== g.status || c.points !== g.points || c.maxPoints !== g.maxPoints)
      differences.push([
        g.id,
        `check: ${c.status} ${c.points}/${c.maxPoints}`,
        `${mode}: ${g.status} ${g.points}/${g.maxPoints}`,
        g.reason ?? c.reason,
      ]);
  }
  expect(differences).toEqual([]);
}

describe.each(['A0', 'A1', 'A2', 'A3', 'A4', 'A5'])('%s: one verdict in check, grade from the fork, grade from the zip', (id) => {
  it.each(['complete', 'partial'])(
    '%s answers',
    async (set) => {
      const full = answers(id);
      const s = await clone(id, set === 'complete' ? full : partial(id, full));
      const r = await threeModes(id, s);
      expectParity('fork', r.check, r.fork);
      expectParity('zip', r.check, r.zip);
      // The modes really differ where they should: a zip has no history, the grader no laptop.
      const gradedIds = new Set(r.fork.filter((x) => !x.notJudged).map((x) => x.id));
      expect(gradedIds.size).toBeGreaterThan(5);
      if (set === 'complete') {
        // Everything the grader judges passes (or is skipped for a tool missing here, or is optional and absent).
        const bad = r.fork.filter((x) => !x.notJudged && x.status !== 'pass' && x.status !== 'skip');
        expect(bad.map((x) => [x.id, x.status, x.reason])).toEqual([]);
      } else {
        expect(r.fork.some((x) => x.status === 'fail')).toBe(true);
      }
    },
    180_000,
  );
});

describe('line endings the student never chose', () => {
  it('a clone made with core.autocrlf=true (git on Windows): check and grade agree, also after an editor saves CRLF', async () => {
    const s = await clone('A2', answers('A2'));
    const win = path.join(s.base, 'windows-clone');
    const genv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
    execFileSync('git', ['-c', 'core.autocrlf=true', 'clone', '-q', '-c', 'core.autocrlf=true', s.origin, win], {
      env: genv,
      stdio: 'pipe',
    });
    // .gitattributes keeps text LF in the working copy whatever autocrlf says.
    const q1 = path.join(win, 'assignments', 'A2', 'q1.txt');
    expect(readFileSync(q1, 'utf8')).not.toContain('\r');
    // An editor then saves CRLF: git stores LF on commit, so it costs nothing anywhere.
    writeFileSync(q1, readFileSync(q1, 'utf8').replace(/\n/g, '\r\n'));
    const c = await harnessAsync(win, ['check', 'A2', '--reporter', 'json'], env);
    const mine = (JSON.parse(c.stdout) as { results: (Result & { note?: string })[] }).results;
    const q1text = mine.find((r) => r.id === 'q1-text')!;
    expect([q1text.status, q1text.note]).toEqual(['pass', expect.stringMatching(/Windows line endings \(CRLF\); git stores them as LF/)]);
    const roster = path.join(s.base, 'roster.csv');
    writeFileSync(roster, `NetID,name,email,repo\n${NETID},Parity,${EMAIL},${s.origin}\n`);
    await harnessAsync(REPO, ['grade', 'A2', '--roster', roster, '--out', path.join(s.base, 'g'), '--quiet'], env);
    const graded = (JSON.parse(readFileSync(path.join(s.base, 'g', 'batch.json'), 'utf8')) as { students: { results: Result[] }[] })
      .students[0].results;
    expectParity('fork', mine, graded);
  }, 120_000);

  it('without the normalizing attributes, CRLF in the commit fails file.text alone, in check and in the grader', async () => {
    const files = answers('A2');
    files.set('q1.txt', Buffer.from(files.get('q1.txt')!.toString('utf8').replace(/\n/g, '\r\n')));
    const s = await clone('A2', files);
    // A repository that asks git to keep bytes as they are.
    writeFileSync(path.join(s.root, '.gitattributes'), '* -text\n');
    const genv = {
      ...process.env,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'P',
      GIT_AUTHOR_EMAIL: EMAIL,
      GIT_COMMITTER_NAME: 'P',
      GIT_COMMITTER_EMAIL: EMAIL,
    };
    execFileSync('git', ['add', '-A'], { cwd: s.root, env: genv });
    execFileSync('git', ['commit', '-q', '-m', 'keep CRLF'], { cwd: s.root, env: genv });
    execFileSync('git', ['push', '-q'], { cwd: s.root, env: genv });
    const r = await threeModes('A2', s);
    expectParity('fork', r.check, r.fork);
    expectParity('zip', r.check, r.zip);
    const q1 = r.fork.filter((x) => x.id.startsWith('q1-'));
    // The form check fails; the content checks behind it still judge the content, and pass.
    expect(q1.map((x) => [x.id, x.status])).toEqual(q1.map((x) => [x.id, x.id === 'q1-text' ? 'fail' : 'pass']));
  }, 180_000);
});
