// The red team: hostile students, each trying one escape, graded by the real `grade` (the built
// CLI, from a copy of the course repository, with its own dist/) on real forks, with fake
// instructor keys in the environment and in ~/.aws/credentials under a temporary HOME. Every
// secret carries a marker; the hostile mappers (test/fixtures/redteam/) report whatever they find
// hex-encoded on stderr, which a failing check shows in its feedback. Then: no output file holds a
// marker (plain or hex), nothing outside the runs changed (hashes of the course copy, its dist/,
// the forks, the mirrors, HOME and the user site), nothing is left running, nothing connected,
// and the two honest students' results are the same as in a batch without the hostile ones.
// Each property is checked on its own (expect.soft), so a broken sandbox shows every escape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { tempDir } from './helpers/fixture.js';
import { REPO } from './helpers/student.js';

const FIX = path.join(REPO, 'test', 'fixtures');
const RED = path.join(FIX, 'redteam');
const MARK = 'REDTEAM';
const MATERIAL = 'MATERIAL-ONLY';
const CANARY = 'CANARY-4f9e1c';
const hex = (s: string) => Buffer.from(s).toString('hex');
const HOSTILE = ['envleak', 'homeleak', 'fsscan', 'writer', 'daemon', 'netleak', 'forker', 'memhog', 'flood'];
const HONEST = ['victim1', 'honest2'];

interface World {
  tmp: string;
  course: string;
  home: string;
  userbase: string;
  forks: string;
  hidden: string;
  roster: string;
  out: string;
  flag: string;
  sock: string;
  abstract: string;
  port: number;
}

let w: World;
const servers: Server[] = [];
const connections: string[] = [];

/** Every file under `dir` (but `skip`ped names), relative path → sha256. */
function hashes(dir: string, skip: (rel: string) => boolean = () => false): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (skip(r)) continue;
      if (e.isDirectory()) walk(r);
      else if (e.isFile())
        out.set(
          r,
          createHash('sha256')
            .update(readFileSync(path.join(dir, r)))
            .digest('hex'),
        );
      else out.set(r, `(${e.isSymbolicLink() ? 'link' : 'other'})`);
    }
  };
  walk('');
  return out;
}

/** A bare fork of A2 at `dir`: the course files, the fixture's passing answers, `files` on top; one commit before the due date. */
function writeFork(dir: string, netid: string, files: Record<string, string | Buffer>): void {
  const all = new Map<string, Buffer>();
  const add = (rel: string, body: string | Buffer) => all.set(rel, Buffer.from(body));
  add('course.yaml', readFileSync(path.join(REPO, 'course.yaml')));
  for (const f of ['assignment.yaml', 'data/access-sample.log', 'data/sensor-sample.txt'])
    add(`assignments/A2/${f}`, readFileSync(path.join(REPO, 'assignments', 'A2', f)));
  for (const f of readdirSync(path.join(FIX, 'A2', 'pass'))) add(`assignments/A2/${f}`, readFileSync(path.join(FIX, 'A2', 'pass', f)));
  add('user.cfg', `[USER]\nname: Student ${netid}\nemail: ${netid}@georgetown.edu\n`);
  for (const [rel, body] of Object.entries(files)) add(rel, body);
  const who = `Student ${netid} <${netid}@georgetown.edu> ${Date.parse('2017-02-01T12:00:00Z') / 1000} +0000`;
  const chunks: Buffer[] = [Buffer.from(`commit refs/heads/main\nauthor ${who}\ncommitter ${who}\ndata 8\nanswers\n`)];
  for (const [rel, body] of all) chunks.push(Buffer.from(`M 100644 inline ${rel}\ndata ${body.length}\n`), body, Buffer.from('\n'));
  mkdirSync(dir, { recursive: true });
  const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  spawnSync('git', ['init', '-q', '--bare', '-b', 'main', dir], { env });
  const r = spawnSync('git', ['fast-import', '--quiet'], { cwd: dir, env: { ...env, GIT_DIR: dir }, input: Buffer.concat(chunks) });
  if (r.status !== 0) throw new Error(`fast-import: ${r.stderr}`);
}

/** A hostile mapper: the prelude with what the attacker knows (encoded), then one attack. */
function hostile(name: string): string {
  const enc = (s: string) => Buffer.from([...s].reverse().join('')).toString('base64');
  const params = {
    mark: MARK,
    material: MATERIAL,
    canary: CANARY,
    tmp: w.tmp,
    course: w.course,
    home: w.home,
    userbase: w.userbase,
    forks: w.forks,
    hidden: w.hidden,
    roster: w.roster,
    out: w.out,
    flag: w.flag,
    sock: w.sock,
    abstract: w.abstract,
    port: String(w.port),
  };
  const encoded = Buffer.from(JSON.stringify(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, enc(v)])))).toString('base64');
  return (
    readFileSync(path.join(RED, 'common.py'), 'utf8').replace('@PARAMS@', encoded) + readFileSync(path.join(RED, `${name}.py`), 'utf8')
  );
}

/** Runs the course copy's CLI in a session of its own; resolves with its exit and its session id. */
function grade(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stderr: string; sid: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(w.course, 'bin', 'harness.mjs'), ...args], {
      cwd: w.course,
      env,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (status) => resolve({ status, stderr, sid: child.pid! }));
  });
}

/** Live processes (not zombies) of session `sid`, or whose command line holds one of `markers`. */
function leftovers(sid: number, markers: string[]): string[] {
  const out: string[] = [];
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (Number(fields[3]) === sid || markers.some((m) => cmd.includes(m))) out.push(`${p}: ${cmd}`);
    } catch {
      /* gone */
    }
  }
  return out;
}

const listen = (s: Server, where: number | string) =>
  new Promise<void>((r) => (typeof where === 'number' ? s.listen(where, '127.0.0.1', r) : s.listen(where, r)));

function graderEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NO_COLOR: '1',
    CI: '1',
    INIT_CWD: '',
    GIT_CONFIG_GLOBAL: '/dev/null',
    HOME: w.home,
    PYTHONUSERBASE: w.userbase,
    AWS_ACCESS_KEY_ID: 'AKIA' + MARK + 'ENVKEY01',
    AWS_SECRET_ACCESS_KEY: `${MARK}-secret-from-the-environment`,
    GITHUB_TOKEN: `ghp_${MARK}token`,
    INSTRUCTOR_NOTE: `${MARK}-a-variable-with-an-innocent-name`,
  };
}

beforeAll(async () => {
  // Everything secret lives under a folder whose name carries the marker, so a leaked path is a
  // leaked marker too. The forks and the user site do not: their paths are not secrets.
  const tmp = await tempDir({}, `harness-${MARK}-`);
  const forks = await tempDir({}, 'harness-forks-');
  const userbase = await tempDir({}, 'harness-userbase-');
  w = {
    tmp,
    forks,
    userbase,
    course: path.join(tmp, 'course'),
    home: path.join(tmp, 'home'),
    hidden: path.join(tmp, 'secret', 'hidden-A2.yaml'),
    roster: path.join(tmp, 'roster.csv'),
    out: path.join(tmp, 'out'),
    flag: path.join(tmp, 'daemon-was-here'),
    sock: path.join(tmp, 'grader.sock'),
    abstract: `harness-redteam-${process.pid}`,
    port: 0,
  };
  // The instructor's course repository: the built CLI, the course, a note only they have.
  for (const f of ['course.yaml', 'bin', 'dist', 'assignments/A2']) cpSync(path.join(REPO, f), path.join(w.course, f), { recursive: true });
  writeFileSync(path.join(w.course, 'INSTRUCTOR-ONLY.txt'), `${MARK}: the answers to A2\n`);
  mkdirSync(path.join(w.home, '.aws'), { recursive: true });
  writeFileSync(
    path.join(w.home, '.aws', 'credentials'),
    `[default]\naws_access_key_id = AKIA${MARK}CREDFILE\naws_secret_access_key = ${MARK}-secret-from-the-credentials-file\n`,
  );
  writeFileSync(path.join(w.home, '.bashrc'), "# the instructor's\n");
  mkdirSync(path.join(userbase, 'lib', 'python3.11', 'site-packages'), { recursive: true });
  // The hidden checks, with the instructor's own test file and data (the material).
  mkdirSync(path.join(tmp, 'secret', 'data'), { recursive: true });
  writeFileSync(w.hidden, readFileSync(path.join(RED, 'hidden.yaml'), 'utf8').replace('@MARK@', MARK));
  cpSync(path.join(RED, 'test_hidden_q4.py'), path.join(tmp, 'secret', 'test_hidden_q4.py'));
  const log = readFileSync(path.join(FIX, 'A2', 'data', 'access.log'), 'utf8')
    .split('\n')
    .filter((l) => /\/(Feb|Mar)\/2015/.test(l));
  writeFileSync(path.join(tmp, 'secret', 'data', 'secret.log'), log.slice(0, 40).concat(log.slice(-40)).join('\n') + '\n');
  // Listeners a student should never reach: TCP on the loopback, a unix socket, an abstract one.
  for (const where of [0, w.sock, `\0${w.abstract}`]) {
    const s = createServer((c) => {
      connections.push(String(where));
      c.destroy();
    });
    await listen(s, where);
    servers.push(s);
  }
  w.port = (servers[0].address() as { port: number }).port;
  // The forks: the honest ones (one with a note no check reads), then one per attack.
  writeFork(path.join(forks, 'victim1.git'), 'victim1', { 'assignments/A2/private-notes.txt': `${MARK}: victim1's private notes\n` });
  writeFork(path.join(forks, 'honest2.git'), 'honest2', {});
  for (const h of HOSTILE) writeFork(path.join(forks, `${h}1.git`), `${h}1`, { 'assignments/A2/q4_mapper.py': hostile(h) });
  // Hostile students first: with --jobs 1 the honest ones are graded after them.
  const line = (id: string) => `${id},Student ${id},${id}@georgetown.edu,${path.join(forks, `${id}.git`)}`;
  writeFileSync(w.roster, ['NetID,name,email,repo', ...HOSTILE.map((h) => line(`${h}1`)), ...HONEST.map(line)].join('\n') + '\n');
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** Per student: check id → status and points. */
function resultsOf(batchFile: string): Record<string, Record<string, string>> {
  const b = JSON.parse(readFileSync(batchFile, 'utf8')) as {
    students: { netid: string; results: { id: string; status: string; points: number }[] }[];
  };
  return Object.fromEntries(b.students.map((s) => [s.netid, Object.fromEntries(s.results.map((r) => [r.id, `${r.status} ${r.points}`]))]));
}

describe('red team: hostile student code through the real grade', () => {
  it('leaks nothing, changes nothing outside its copy, leaves nothing running and moves no other grade', async () => {
    const env = graderEnv();
    const common = ['--offline', '--jobs', '1', '--hidden', w.hidden];
    // Control: the honest students alone.
    const controlRoster = path.join(w.tmp, 'control.csv');
    writeFileSync(
      controlRoster,
      readFileSync(w.roster, 'utf8')
        .split('\n')
        .filter((l) => !HOSTILE.some((h) => l.startsWith(`${h}1,`)))
        .join('\n'),
    );
    const control = await grade(['grade', 'A2', '--roster', controlRoster, '--out', path.join(w.tmp, 'control'), ...common], env);
    expect(control.status, control.stderr).toBe(0);

    expect((await grade(['collect', 'A2', '--roster', w.roster, '--out', w.out], env)).status).toBe(0);
    const before = {
      course: hashes(w.course),
      home: hashes(w.home),
      userbase: hashes(w.userbase),
      forks: hashes(w.forks),
      mirrors: hashes(path.join(w.out, '.mirrors')),
      secret: hashes(path.join(w.tmp, 'secret')),
    };
    const t0 = Date.now();
    const r = await grade(['grade', 'A2', '--roster', w.roster, '--out', w.out, ...common], env);
    expect(r.status, r.stderr).toBe(0);
    // The daemon's helper would act 2.7 s after its start: give it time to, had it survived.
    await new Promise((res) => setTimeout(res, Math.max(500, 4000 - (Date.now() - t0))));

    // Nothing left running: no process of grade's session, none of the hostile ones' markers.
    expect.soft(leftovers(r.sid, ['2.71828', '30.27182', 'bytearray(600'])).toEqual([]);
    expect.soft(existsSync(w.flag)).toBe(false);
    expect.soft(connections).toEqual([]);

    // Nothing written outside the runs' own copies.
    expect.soft(hashes(w.course)).toEqual(before.course);
    expect.soft(hashes(w.home)).toEqual(before.home);
    expect.soft(hashes(w.userbase)).toEqual(before.userbase);
    expect.soft(hashes(w.forks)).toEqual(before.forks);
    expect.soft(hashes(path.join(w.out, '.mirrors'))).toEqual(before.mirrors);
    expect.soft(hashes(path.join(w.tmp, 'secret'))).toEqual(before.secret);

    // No marker in any output: grades.csv, canvas.csv, feedback, results.json, report.html,
    // batch.json, the caches; the instructor's material not in anything a student reads.
    const outputs = hashes(w.out, (rel) => rel === '.mirrors');
    expect([...outputs.keys()]).toEqual(
      expect.arrayContaining([
        'grades.csv',
        'canvas.csv',
        'batch.json',
        'report.html',
        'feedback/victim1.md',
        'gradescope/victim1/results.json',
      ]),
    );
    const studentFacing = (rel: string) => /^(grades\.csv|canvas\.csv|feedback\/|gradescope\/)/.test(rel);
    for (const rel of outputs.keys()) {
      const text = readFileSync(path.join(w.out, rel), 'latin1');
      for (const m of [MARK, hex(MARK), ...(studentFacing(rel) ? [MATERIAL, hex(MATERIAL)] : [])])
        expect.soft(text.includes(m), `${rel} holds ${m}`).toBe(false);
    }

    // Each attack ran, and reached its student's feedback (the canary), or was stopped by a limit.
    const feedback = (id: string) => readFileSync(path.join(w.out, 'feedback', `${id}1.md`), 'utf8');
    for (const h of ['envleak', 'homeleak', 'fsscan', 'writer', 'netleak']) expect.soft(feedback(h), h).toContain(hex(CANARY));
    expect.soft(feedback('memhog')).toContain('used more than 1 GiB of memory');
    expect.soft(feedback('flood')).toContain('wrote more than 8 MB of output');
    expect.soft(feedback('forker')).toContain('started more than 128 processes');

    // The honest students: the same results as without the hostile ones.
    const got = resultsOf(path.join(w.out, 'batch.json'));
    const want = resultsOf(path.join(w.tmp, 'control', 'batch.json'));
    for (const id of HONEST) expect.soft(got[id], id).toEqual(want[id]);
    expect.soft(want.victim1['hidden-q4-tests']).toBe('pass 2');
    expect.soft(want.victim1['q4-streaming']).toMatch(/^pass/);
  }, 600_000);
});
