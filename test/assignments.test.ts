// The course's assignments, end to end: every spec lints; for each assignment a fixture answer set
// passes every offline check through the built CLI, and broken sets fail each check kind for its
// intended reason. Fixture answers (test/fixtures/<A>/) solve VARIANTS of the questions, on their
// own data, so nothing here gives away an answer to a graded question.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { harness, REPO } from './helpers/student.js';
import { tempDir, writeFiles, type FileMap } from './helpers/fixture.js';
import { loadCourse } from '../lib/course.js';
import { loadSpec } from '../lib/spec/load.js';
import { runChecks } from '../lib/engine.js';
import { mergeHidden } from '../grader/hidden.js';

const FIX = path.join(REPO, 'test', 'fixtures');
const PY = realpathSync(
  execFileSync(process.env.HARNESS_PYTHON ?? 'python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim(),
);
const has = (mod: string) => spawnSync(PY, ['-c', `import ${mod}`]).status === 0;
const MRJOB = has('mrjob');
const PYSPARK = has('pyspark');
const PYTEST = has('pytest');
const NBCONVERT = spawnSync('jupyter', ['nbconvert', '--version']).status === 0;

interface Result {
  id: string;
  status: string;
  reason?: string;
  rationale?: string;
}
const EMAIL = 'fx123@georgetown.edu';

interface Fork {
  root: string;
  dir: string;
  origin: string;
}

/** A fork: course.yaml, the real assignment folder, the fixture answers, committed and pushed. */
async function fork(
  id: string,
  opts: { set?: string; edit?: FileMap; remove?: string[]; upstream?: 'other' | 'same' | 'none'; email?: string; after?: FileMap } = {},
): Promise<Fork> {
  const base = await tempDir({}, `harness-${id}-`);
  const root = path.join(base, 'fork');
  const dir = path.join(root, 'assignments', id);
  cpSync(path.join(REPO, 'course.yaml'), path.join(root, 'course.yaml'));
  cpSync(path.join(REPO, 'assignments', id), dir, { recursive: true });
  for (const set of ['pass', opts.set].filter((s): s is string => !!s)) {
    if (existsSync(path.join(FIX, id, set))) cpSync(path.join(FIX, id, set), dir, { recursive: true });
  }
  if (existsSync(path.join(FIX, id, 'data'))) cpSync(path.join(FIX, id, 'data'), path.join(dir, 'fixture-data'), { recursive: true });
  await writeFiles(dir, opts.edit ?? {});
  for (const f of opts.remove ?? []) spawnSync('rm', ['-rf', path.join(dir, f)]);
  writeFileSync(path.join(root, 'user.cfg'), `[USER]\nname: Fixture Student\nemail: ${EMAIL}\n`);
  const email = opts.email ?? EMAIL;
  const env = {
    ...process.env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'F',
    GIT_AUTHOR_EMAIL: email,
    GIT_COMMITTER_NAME: 'F',
    GIT_COMMITTER_EMAIL: email,
  };
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], { cwd, env, stdio: 'pipe' });
  const origin = path.join(base, 'origin.git');
  git(base, 'init', '-q', '--bare', origin);
  git(root, 'init', '-q');
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', `${id} (fixture)`);
  git(root, 'remote', 'add', 'origin', origin);
  git(root, 'push', '-q', '-u', 'origin', 'main');
  if (opts.upstream !== 'none') {
    const up = opts.upstream === 'same' ? origin : path.join(base, 'class.git');
    if (opts.upstream !== 'same') git(base, 'init', '-q', '--bare', up);
    git(root, 'remote', 'add', 'upstream', up);
  }
  if (opts.after) {
    await writeFiles(dir, opts.after);
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'not pushed');
  }
  return { root, dir, origin };
}

/** A home folder with an SSH key made by ssh-keygen (never a key committed to the repository). */
async function home(mode = 0o600, withKey = true): Promise<string> {
  const h = await tempDir({}, 'harness-home-');
  mkdirSync(path.join(h, '.ssh'), { mode: 0o700 });
  if (withKey) {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'fixture', '-f', path.join(h, '.ssh', 'id_ed25519')]);
    chmodSync(path.join(h, '.ssh', 'id_ed25519'), mode);
  }
  return h;
}

function check(f: Fork, id: string, env: NodeJS.ProcessEnv = {}): { status: number | null; results: Result[]; stderr: string } {
  const r = harness(f.root, ['check', id, '--offline', '--reporter', 'json'], { HARNESS_PYTHON: PY, ...env });
  if (!r.stdout) throw new Error(`no report (exit ${r.status}): ${r.stderr}`);
  return { status: r.status, results: (JSON.parse(r.stdout) as { results: Result[] }).results, stderr: r.stderr };
}

/** Checks that may be skipped in a passing run: live ones offline, and mrjob/pyspark/pytest/nbconvert where missing. */
const acceptableSkip = (r: Result) =>
  /offline/.test(r.reason ?? '') ||
  /not handed in|optional/.test(r.reason ?? '') ||
  (!MRJOB && /mrjob/i.test(r.reason ?? '')) ||
  (!PYSPARK && /pyspark|spark/i.test(r.reason ?? '')) ||
  (!PYTEST && /pytest is not installed/.test(r.reason ?? '')) ||
  (!NBCONVERT && /nbconvert is not installed|kernel here/.test(r.reason ?? ''));

const notPassing = (rs: Result[]) =>
  rs
    .filter((r) => r.status !== 'pass' && !(r.status === 'skip' && acceptableSkip(r)))
    .map((r) => [r.id, r.status, r.reason ?? r.rationale]);
const pick = (rs: Result[], ids: string[]) => ids.map((id) => [id, rs.find((r) => r.id === id)?.status]);

describe('the course specs', () => {
  it('harness lint passes every spec in assignments/', () => {
    const r = harness(REPO, ['lint']);
    expect(r.stdout).toMatch(/all \d+ specs valid/);
    expect(r.status).toBe(0);
    for (const a of ['A0', 'A1', 'A2', 'A3', 'A4', 'A5']) expect(r.stdout).toContain(`assignments/${a}/assignment.yaml`);
  });

  it('the bundled sample data is what scripts/gen-data.mjs writes', () => {
    const r = spawnSync(process.execPath, [path.join(REPO, 'scripts', 'gen-data.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('no spec or starter holds an answer: specs carry no expected output', () => {
    for (const a of ['A2', 'A3', 'A4', 'A5']) {
      const text = readFileSync(path.join(REPO, 'assignments', a, 'assignment.yaml'), 'utf8');
      expect(text).not.toMatch(/^\s*(expected|expectedText):/m);
    }
  });
});

describe('A0: course setup', () => {
  it('a complete setup passes every offline check', async () => {
    const f = await fork('A0');
    const r = check(f, 'A0', { HOME: await home() });
    expect(notPassing(r.results)).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('every point rests on committed evidence: the checks of a laptop and an AWS account are advice, worth nothing', async () => {
    const spec = await loadSpec(path.join(REPO, 'assignments', 'A0', 'assignment.yaml'), await loadCourse(REPO));
    const advice = spec.checks.filter(
      (c) =>
        ['tool.present', 'ssh.key', 'git.pushed', 'git.clean', 'aws.identity', 'aws.evidence.exists'].includes(c.kind) ||
        (c.kind === 'git.repo' && c.params.remotes),
    );
    expect(advice.length).toBeGreaterThanOrEqual(7);
    expect(advice.filter((c) => c.points > 0)).toEqual([]);
  });

  it('no AWS CLI, a key others can read, no upstream, a bad hello.txt: the evidence fails, the laptop checks warn', async () => {
    const bin = await tempDir({}, 'harness-bin-');
    symlinkSync(execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim(), path.join(bin, 'git'));
    const f = await fork('A0', {
      upstream: 'none',
      after: { 'hello.txt': 'name: Fixture Student\nbitbucket: fixture student\n', 'tools.txt': 'git version 2.39.5\nPython 3.11.7\n' },
    });
    const r = check(f, 'A0', { HOME: await home(0o644), PATH: bin });
    expect(
      pick(r.results, [
        'git-installed',
        'python-installed',
        'aws-cli-installed',
        'ssh-key',
        'git-remotes',
        'hello-yaml',
        'tools-versions',
        'git-pushed',
      ]),
    ).toEqual([
      ['git-installed', 'pass'],
      ['python-installed', 'pass'],
      ['aws-cli-installed', 'warn'],
      ['ssh-key', 'warn'],
      ['git-remotes', 'warn'],
      ['hello-yaml', 'fail'],
      ['tools-versions', 'fail'],
      ['git-pushed', 'warn'],
    ]);
    const why = (id: string) => r.results.find((x) => x.id === id)?.rationale ?? '';
    expect(why('aws-cli-installed')).toMatch(/aws is not installed/);
    expect(why('ssh-key')).toMatch(/can be read by other users.*mode 644/);
    expect(why('git-remotes')).toMatch(/no remote called upstream/);
    expect(why('tools-versions')).toMatch(/tools.txt has 2 answer lines, but at least 3 lines are expected/);
    expect(r.status).toBe(1);
  });

  it('an old python, no SSH key, upstream = origin, commits by another email, unpushed work: each is reported', async () => {
    const bin = await tempDir({ python3: '#!/bin/sh\necho "Python 3.4.10"\n' }, 'harness-oldpy-');
    chmodSync(path.join(bin, 'python3'), 0o755);
    const f = await fork('A0', { upstream: 'same', email: 'someone@else.example' });
    const r = check(f, 'A0', { HOME: await home(0o600, false), HARNESS_PYTHON: path.join(bin, 'python3') });
    expect(pick(r.results, ['python-installed', 'ssh-key', 'git-remotes', 'git-author'])).toEqual([
      ['python-installed', 'warn'],
      ['ssh-key', 'warn'],
      ['git-remotes', 'warn'],
      ['git-author', 'fail'],
    ]);
    expect(r.results.find((x) => x.id === 'python-installed')?.rationale).toMatch(/3\.4\.10 is too old/);
    expect(r.results.find((x) => x.id === 'git-remotes')?.rationale).toMatch(/point to the same repository/);
    const f2 = await fork('A0', {
      email: 'someone@else.example',
      after: { 'hello.txt': 'name: X\nbitbucket: x\nvm_os: Fixture OS\nvm_python: 3.9\n' },
    });
    const r2 = check(f2, 'A0', { HOME: await home() });
    expect(pick(r2.results, ['git-remotes', 'git-author', 'ssh-key', 'git-pushed'])).toEqual([
      ['git-remotes', 'pass'],
      ['git-author', 'fail'],
      ['ssh-key', 'pass'],
      ['git-pushed', 'warn'],
    ]);
  });
});

describe('A2: Hadoop Streaming', () => {
  it('the fixture variant answers pass every offline check', async () => {
    const r = check(await fork('A2'), 'A2');
    expect(notPassing(r.results)).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('broken answers fail each kind for the intended reason', async () => {
    const key = 'AKIA' + 'Q'.repeat(16);
    const f = await fork('A2', {
      remove: ['q1.txt'],
      edit: {
        'q3_results.txt': '{"nodes": 3, "copy": 1, "filter": 2}\r\n',
        'q4_monthly.txt': '2015-03\t1\n2015-02\t2\n',
        'q4_reducer.py': 'import sys\nfor line in sys.stdin:\n    print(line.replace("\\t", " "), end="")\n',
        'q2_python.py': 'def main(:\n',
        'emr-master-identity.json': readFileSync(path.join(FIX, 'A2', 'pass', 'emr-master-identity.json'), 'utf8').replace(
          'm5.xlarge',
          't2.micro',
        ),
        // Code, not only a comment: a .py file with no statements fails python.syntax as empty.
        'q5_run.py': `KEY = "${key}"\n`,
      },
    });
    const r = check(f, 'A2');
    expect(
      pick(r.results, [
        'q1-present',
        'q1-answers',
        'q2-syntax',
        'q2-streaming',
        'q3-text',
        'q4-streaming',
        'q4-monthly',
        'emr-evidence',
        'no-secrets',
        'q5-streaming',
      ]),
    ).toEqual([
      ['q1-present', 'fail'],
      ['q1-answers', 'skip'],
      ['q2-syntax', 'fail'],
      ['q2-streaming', 'skip'],
      ['q3-text', 'fail'],
      ['q4-streaming', 'fail'],
      ['q4-monthly', 'fail'],
      ['emr-evidence', 'fail'],
      ['no-secrets', 'fail'],
      ['q5-streaming', 'pass'],
    ]);
    const why = (id: string) => r.results.find((x) => x.id === id)?.rationale ?? '';
    expect(why('emr-evidence')).toMatch(/t2\.micro/);
    expect(why('q4-streaming')).toMatch(/field|tab|MONTH/i);
    expect(why('q3-text')).toMatch(/line ending|CRLF|Windows/i);
    expect(r.status).toBe(1);
  });

  it('hidden checks (fixture variant): the reference passes, a reducer that drops the last key fails', async () => {
    const course = await loadCourse(REPO);
    const run = async (f: Fork) => {
      const spec = await loadSpec(path.join(f.dir, 'assignment.yaml'), course);
      const merged = await mergeHidden(spec, path.join(FIX, 'A2', 'hidden.yaml'), course);
      const results = await runChecks(merged.spec, { course, offline: true, python: PY, only: ['hidden-q4-bytes', 'hidden-q4-file'] });
      return results;
    };
    const good = await run(await fork('A2'));
    expect(pick(good as Result[], ['hidden-q4-bytes', 'hidden-q4-file'])).toEqual([
      ['hidden-q4-bytes', 'pass'],
      ['hidden-q4-file', 'pass'],
    ]);
    const bad = await run(await fork('A2', { set: 'bug' }));
    const b = bad.find((x) => x.id === 'hidden-q4-bytes')!;
    expect(b.status).toBe('fail');
    expect(`${b.rationale} ${b.expected} ${b.actual}`).toMatch(/2015-05/);
  });
});

describe('A3, A4, A5: mrjob, Spark, unit tests, program output', () => {
  for (const id of ['A3', 'A4', 'A5']) {
    it(`${id}: the fixture variant answers pass (mrjob/pyspark runs skipped where not installed)`, async () => {
      const r = check(await fork(id), id);
      expect(notPassing(r.results)).toEqual([]);
      expect(r.status).toBe(0);
    });
  }

  it('A3: a malformed answer file and a broken program fail', async () => {
    const r = check(
      await fork('A3', { edit: { 'q3_linksdev.txt': '10.0.0.1->52.93.12.20\t4\n', 'q1_hostnames.py': 'class X(:\n' } }),
      'A3',
    );
    expect(pick(r.results, ['q3-dev-lines', 'q1-host-syntax', 'q1-host-run', 'q1-ip-run'])).toEqual([
      ['q3-dev-lines', 'fail'],
      ['q1-host-syntax', 'fail'],
      ['q1-host-run', 'skip'],
      ['q1-ip-run', MRJOB ? 'pass' : 'skip'],
    ]);
  });

  it('A4: a failing unit test and a program printing the wrong shape fail', async () => {
    const test = readFileSync(path.join(FIX, 'A4', 'pass', 'mtr_fix_test.py'), 'utf8').replace('[1, 2])', '[1, 3])');
    const prog = readFileSync(path.join(FIX, 'A4', 'pass', 'mtr_fix.py'), 'utf8').replace('words[-6], words[-2])', 'words[-6])');
    const r = check(await fork('A4', { edit: { 'mtr_fix_test.py': test, 'mtr_fix.py': prog } }), 'A4');
    expect(pick(r.results, ['mtr-fix-tests', 'mtr-fix-output'])).toEqual([
      ['mtr-fix-tests', 'fail'],
      ['mtr-fix-output', 'fail'],
    ]);
    expect(r.results.find((x) => x.id === 'mtr-fix-tests')?.rationale).toMatch(/test_counts_runs|test_fields|fail/);
  });

  it('A5: a crashing program, an unsorted answer and a bad extra-credit file fail; absent extras skip', async () => {
    const r = check(
      await fork('A5', {
        edit: {
          'complaints.py': 'import sys\nraise SystemExit("boom")\n',
          'fwiki_run.txt': '2015-03\t1\n2015-02\t1\n',
          'paypal.txt': 'about 12\n',
        },
      }),
      'A5',
    );
    expect(pick(r.results, ['complaints-run', 'fwiki-lines', 'paypal', 'complaints-dd-syntax', 'complaints-dd-table'])).toEqual([
      ['complaints-run', 'fail'],
      ['fwiki-lines', 'fail'],
      ['paypal', 'fail'],
      ['complaints-dd-syntax', 'skip'],
      ['complaints-dd-table', 'skip'],
    ]);
  });
});

describe('harness new', () => {
  it('scaffolds an assignment that lints at once, and refuses an existing folder or a bad id', async () => {
    const root = await tempDir({}, 'harness-new-');
    cpSync(path.join(REPO, 'course.yaml'), path.join(root, 'course.yaml'));
    cpSync(path.join(REPO, 'templates'), path.join(root, 'templates'), { recursive: true });
    mkdirSync(path.join(root, 'assignments'));
    const r = harness(root, ['new', 'A6', '--title', 'Streaming: at scale']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readdirSync(path.join(root, 'assignments', 'A6')).sort()).toEqual(['Makefile', 'README.md', 'assignment.yaml', 'data', 'q1.py']);
    const spec = readFileSync(path.join(root, 'assignments', 'A6', 'assignment.yaml'), 'utf8');
    expect(spec).toMatch(/^id: A6$/m);
    expect(spec).toMatch(/^title: "Streaming: at scale"$/m);
    expect(spec).toMatch(/^due: \d{4}-\d{2}-\d{2} 23:59$/m);
    const due = /^due: (\S+)/m.exec(spec)![1];
    const days = (Date.parse(due) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(5.5);
    expect(days).toBeLessThan(7.5);
    expect(spec).not.toMatch(/\{\{/);
    const lint = harness(root, ['lint']);
    expect(lint.stdout).toMatch(/ok {4}assignments\/A6\/assignment\.yaml/);
    expect(lint.status).toBe(0);
    const again = harness(root, ['new', 'A6', '--title', 'x']);
    expect([again.status, again.stderr.split('\n')[0]]).toEqual([2, 'error: assignments/A6 already exists']);
    const bad = harness(root, ['new', '6A', '--title', 'x']);
    expect([bad.status, bad.stderr.split('\n')[0]]).toEqual([2, 'error: "6A" is not a valid assignment id']);
    const untitled = harness(root, ['new', 'A7']);
    expect([untitled.status, untitled.stderr.split('\n')[0]]).toEqual([2, 'error: the new assignment needs a title']);
    expect(existsSync(path.join(root, 'assignments', 'A7'))).toBe(false);
  });
});

describe('the grader sees what the student sees', () => {
  // The grader reads a fork's commit from git objects, without a work tree; code-running checks get
  // their files written out from it. Same fixture forks, same verdicts as `check` on the checkout.
  it.each(['A2', 'A3', 'A4', 'A5'])(
    '%s: every file, Python and code-running check gets the same status from `grade` as from `check`',
    async (id) => {
      const f = await fork(id);
      const mine = check(f, id).results;
      const dir = path.dirname(f.origin);
      const roster = path.join(dir, 'roster.csv');
      writeFileSync(roster, `NetID,name,email,repo\nfx123,Fixture Student,${EMAIL},${f.origin}\n`);
      const out = path.join(dir, 'grades');
      // Pinned by collect, so the fixture's recent commit date plays no part.
      expect(harness(REPO, ['collect', id, '--roster', roster, '--out', out, '--quiet']).status).toBe(0);
      const g = harness(REPO, ['grade', id, '--roster', roster, '--out', out, '--offline', '--quiet'], { HARNESS_PYTHON: PY });
      const batch = JSON.parse(readFileSync(path.join(out, 'batch.json'), 'utf8')) as {
        students: { status: string; results: (Result & { kind: string; fault?: string })[] }[];
      };
      // mrjob and PySpark are not installed here: their checks skip for the student, and make the
      // grader's result incomplete (a tool missing on the grading machine is never the student's loss).
      const faults = batch.students[0].results.filter((r) => r.fault);
      expect(
        faults.every((r) => r.fault === 'environment' && /^(mrjob|pyspark)\./.test(r.kind)),
        JSON.stringify(faults),
      ).toBe(true);
      expect([g.status, batch.students[0].status], g.stderr).toEqual(faults.length ? [1, 'incomplete'] : [0, 'graded']);
      const theirs = batch.students[0].results.filter((r) => /^(file|python|mapreduce|program|mrjob|pyspark)\./.test(r.kind));
      expect(theirs.length).toBeGreaterThan(3);
      expect(theirs.map((r) => [r.id, r.status])).toEqual(theirs.map((r) => [r.id, mine.find((m) => m.id === r.id)?.status]));
      // Student code really ran from the commit (A3's jobs need mrjob, absent here, so they skip in both).
      if (id !== 'A3') expect(theirs.some((r) => /^(mapreduce|program|python\.unittest)/.test(r.kind) && r.status === 'pass')).toBe(true);
    },
    120_000,
  );
});
