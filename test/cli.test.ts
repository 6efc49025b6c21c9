// The built CLI, run as a child process over complete and broken A1 answer sets in real git forks.
import { describe, expect, it } from 'vitest';
import { referenceSchema } from './helpers/schemas.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, symlink, writeFile, truncate } from 'node:fs/promises';
import path from 'node:path';
import { studentRepo, harness, REPO } from './helpers/student.js';
import { tempDir } from './helpers/fixture.js';

interface JsonReport {
  results: { id: string; status: string; points: number }[];
  summary: { points: number; maxPoints: number };
}
const json = (stdout: string) => JSON.parse(stdout) as JsonReport;
const statusOf = (r: JsonReport) => Object.fromEntries(r.results.map((x) => [x.id, x.status]));
const oneLineError = (stderr: string) => stderr.trim().split('\n')[0];

describe('harness check (CLI, end to end)', () => {
  it('passes a complete A1 answer set offline: exit 0, every offline check passes', async () => {
    const s = await studentRepo();
    const r = harness(s.root, ['check', '--offline', 'A1', '--reporter', 'json']);
    expect(r.stderr).toBe('');
    const rep = json(r.stdout);
    const bad = rep.results.filter(
      (x) => x.status !== 'pass' && !(x.status === 'skip' && /offline/.test((x as { reason?: string }).reason ?? '')),
    );
    expect(bad).toEqual([]);
    expect(r.status).toBe(0);
    expect(rep.summary).toMatchObject({ points: 18, maxPoints: 20 }); // offline: the live checks' 2 points are not earned
  });

  it('pretty output: a line per check and a summary; no colour under NO_COLOR', async () => {
    const s = await studentRepo();
    const r = harness(s.root, ['check', '--offline', 'A1']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('q1.txt');
    expect(r.stdout).toMatch(/18\/20/);
    expect(r.stdout).not.toContain('\x1b[');
  });

  it('fails a broken answer set for the intended reasons: exit 1', async () => {
    const s = await studentRepo({
      edit: {
        'q1.txt': 'https://bitbucket.org/ex123/anly502.git\r\n',
        'q3.txt': 'source: s3://example-course-data/x.txt\ndate: 2017-01-14\nmode: download\ndownload: 1.5\nsearch: 2\n',
        'q7.txt': 's3: s3://ex123-example-a1/q6-malfunctions.txt\n',
        'streaming-time.py': 'def f(:\n    pass\n',
      },
      remove: ['q2.txt'],
    });
    const r = harness(s.root, ['check', '--offline', 'A1', '--reporter', 'json']);
    expect(r.status).toBe(1);
    const st = statusOf(json(r.stdout));
    expect(st).toMatchObject({
      // A Windows line ending costs the format check only: the URL itself is judged, and is fine.
      'q1-present': 'pass',
      'q1-text': 'fail',
      'q1-url': 'pass',
      'q2-present': 'fail',
      'q2-text': 'skip',
      'q2-traceroute': 'skip',
      'q3-report': 'fail',
      'q4-report': 'pass',
      'q7-urls': 'fail',
      'streaming-time-syntax': 'fail',
      'git-committed': 'fail',
    });
  });

  it('skips the optional extra-credit file when it is absent', async () => {
    const s = await studentRepo({ remove: ['streaming-time.py'] });
    const r = harness(s.root, ['check', '--offline', 'A1', '--reporter', 'json']);
    const st = statusOf(json(r.stdout));
    expect(st['streaming-time-present']).toBe('skip');
    expect(st['streaming-time-syntax']).toBe('skip');
    expect(r.status).toBe(0);
  });

  it('infers the assignment from where npm was run (INIT_CWD)', async () => {
    const s = await studentRepo();
    const r = harness(s.root, ['check', '--offline', '--reporter', 'json'], { INIT_CWD: s.a1, npm_lifecycle_event: 'check' });
    expect(r.status).toBe(0);
    expect(json(r.stdout).results.length).toBeGreaterThan(10);
  });

  it('with no id and nothing to infer it from, lists the assignments and exits 2', async () => {
    const s = await studentRepo();
    const r = harness(s.root, ['check', '--offline']);
    expect(r.status).toBe(2);
    expect(oneLineError(r.stderr)).toMatch(/^error: which assignment\?/);
    expect(r.stderr).toMatch(/assignments: A1/);
  });

  it('make check in the assignment folder runs the same command', async () => {
    const s = await studentRepo();
    // The Makefile points at ../../bin/harness.mjs; give the fork the real entry point.
    await mkdir(path.join(s.root, 'bin'), { recursive: true });
    await writeFile(path.join(s.root, 'bin', 'harness.mjs'), `await import(${JSON.stringify(path.join(REPO, 'dist', 'harness.mjs'))});\n`);
    const r = spawnSync('make', ['-s', 'check', 'ARGS=--offline'], {
      cwd: s.a1,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/18\/20/);
  });

  it('writes a JUnit report that the XSD accepts', async () => {
    const s = await studentRepo({ edit: { 'q7.txt': 'nope\n' } });
    const out = path.join(s.root, 'test-results', 'harness.xml');
    const r = harness(s.root, ['check', '--offline', 'A1', '--reporter', 'junit', '--output', out]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/q7/); // the pretty report still reaches the screen
    const xsd = referenceSchema('JUnit.xsd');
    const v = spawnSync('xmllint', ['--noout', '--schema', xsd, out], { encoding: 'utf8' });
    expect(v.stderr).toMatch(/validates/);
    expect(v.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/<failure/);
  });
});

describe('bad input: one line, the right exit code', () => {
  it('the untouched user.cfg template', async () => {
    const s = await studentRepo();
    writeFileSync(path.join(s.root, 'user.cfg'), '[USER]\nname: Pat Student\nemail: pat@georgetown.edu\n');
    const r = harness(s.root, ['check', '--offline', 'A1']);
    expect(r.status).toBe(2);
    expect(oneLineError(r.stderr)).toMatch(/^error: .*user\.cfg/);
    expect(r.stderr).toMatch(/fix: /);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack without --debug
  });

  it('a malformed spec reports file:line:col', async () => {
    const s = await studentRepo();
    const spec = path.join(s.a1, 'assignment.yaml');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('kind: file.lines', 'kind: file.line'));
    const r = harness(s.root, ['check', '--offline', 'A1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/assignment\.yaml:\d+:\d+: unknown check kind "file.line" \(did you mean "file.lines"\?\)/);
  });

  it('an unknown command or option', async () => {
    const s = await studentRepo();
    const chek = harness(s.root, ['chek']);
    expect(chek.status).toBe(2);
    expect(oneLineError(chek.stderr)).toBe('error: unknown command "chek"; did you mean "check"?');
    const r = harness(s.root, ['check', '--offline', 'A1', '--frobnicate']);
    expect(r.status).toBe(2);
    expect(oneLineError(r.stderr)).toBe('error: check has no option --frobnicate');
    // A typo gets the nearest option; another command's option says whose it is.
    expect(oneLineError(harness(s.root, ['check', 'A1', '--ofline']).stderr)).toBe(
      'error: check has no option --ofline; did you mean --offline?',
    );
    const collect = harness(s.root, ['collect', 'A1', '--shard', '1/2', '--zips', '/nonexistent']);
    expect(collect.status).toBe(2);
    expect(oneLineError(collect.stderr)).toBe('error: collect has no option --shard (that is an option of grade)');
  });

  it('an unknown check id for --only', async () => {
    const s = await studentRepo();
    const r = harness(s.root, ['check', 'A1', '--offline', '--only', 'q1-presnt']);
    expect(r.status).toBe(2);
    expect(oneLineError(r.stderr)).toBe('error: A1 has no check "q1-presnt"; did you mean "q1-present"?');
  });

  it('the command reference in docs/commands.md is the help itself', () => {
    const r = spawnSync(process.execPath, [path.join(REPO, 'scripts', 'gen-commands-doc.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it("help is made from each command's own options", () => {
    const s = harness(process.cwd(), ['help', 'check']);
    expect(s.status).toBe(0);
    expect(s.stdout).toContain('--offline');
    expect(harness(process.cwd(), ['help', 'collect']).stdout).not.toContain('--zips');
    expect(harness(process.cwd(), ['help', 'grade']).stdout).not.toMatch(/work tree/);
    expect(harness(process.cwd(), ['help', 'submit']).stdout).toContain('--offline');
  });

  it('an unknown assignment', async () => {
    const s = await studentRepo();
    const r = harness(s.root, ['check', '--offline', 'A9']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no assignment "A9"/);
  });

  it('outside any course repository', async () => {
    const dir = await tempDir();
    const r = harness(dir, ['check', '--offline', 'A1']);
    expect(r.status).toBe(2);
    expect(oneLineError(r.stderr)).toMatch(/no course repository found/);
  });

  it('--help and --version', async () => {
    const s = await studentRepo();
    expect(harness(s.root, ['--help']).stdout).toMatch(/Usage: harness/);
    expect(harness(s.root, ['check', '--offline', '--help']).stdout).toMatch(/Usage: harness check/);
    expect(harness(s.root, ['--version']).stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('non-UTF-8, a folder instead of a file, a huge file, names with spaces: results, not crashes', async () => {
    const s = await studentRepo({ edit: { 'q4.txt': Buffer.from([0x6d, 0x6f, 0x64, 0x65, 0x3a, 0x20, 0xe9, 0x0a]) } });
    execFileSync('rm', [path.join(s.a1, 'q5.txt')]);
    await mkdir(path.join(s.a1, 'q5.txt'));
    await writeFile(path.join(s.a1, 'q6-malfunctions.txt'), '');
    await truncate(path.join(s.a1, 'q6-malfunctions.txt'), 100 * 1024 * 1024);
    const r = harness(s.root, ['check', '--offline', 'A1', '--reporter', 'json']);
    expect(r.status).toBe(1);
    const rep = json(r.stdout);
    const st = statusOf(rep);
    expect(st['q4-text']).toBe('fail');
    expect(st['q5-present']).toBe('fail');
    expect(st['q6-text']).toBe('fail');
    expect(rep.results.every((x) => x.status !== 'error')).toBe(true);
  });
});

describe('harness submit', () => {
  it('writes <NetID>-A1.zip that unzip and python accept, deterministically', async () => {
    const s = await studentRepo();
    const r1 = harness(s.root, ['submit', '--offline', 'A1']);
    expect(r1.status).toBe(0);
    const zip = path.join(s.a1, 'ex123-A1.zip');
    expect(r1.stdout).toMatch(/sha256\s+[0-9a-f]{64}/);
    expect(r1.stdout).toContain('ex123-A1/q1.txt');
    const bytes1 = readFileSync(zip);
    expect(spawnSync('unzip', ['-t', '-q', zip]).status).toBe(0);
    const py = spawnSync(
      'python3',
      [
        '-c',
        `import zipfile,sys,json
z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None
print(json.dumps(z.namelist())); print(z.read('ex123-A1/submission.json').decode())`,
        zip,
      ],
      { encoding: 'utf8' },
    );
    expect(py.status).toBe(0);
    const [names, ...rest] = py.stdout.split('\n');
    expect(JSON.parse(names)).toEqual([...JSON.parse(names)].sort());
    expect(JSON.parse(names)).toEqual(
      expect.arrayContaining(['ex123-A1/q1.txt', 'ex123-A1/q7.txt', 'ex123-A1/streaming-time.py', 'ex123-A1/submission.json']),
    );
    expect(JSON.parse(names).every((n: string) => n.startsWith('ex123-A1/'))).toBe(true);
    const record = JSON.parse(rest.join('\n'));
    expect(record).toMatchObject({ assignment: 'A1', student: { netid: 'ex123' }, git: { dirty: false } });
    expect(record.files.find((f: { path: string }) => f.path === 'q1.txt').sha256).toMatch(/^[0-9a-f]{64}$/);
    // Same inputs, same bytes.
    const r2 = harness(s.root, ['submit', '--offline', 'A1']);
    expect(r2.status).toBe(0);
    expect(readFileSync(zip).equals(bytes1)).toBe(true);
  });

  it('packs partial work, lists the missing files loudly, exits 1', async () => {
    const s = await studentRepo({ remove: ['q5.txt', 'q2.txt'] });
    const r = harness(s.root, ['submit', '--offline', 'A1']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/REQUIRED FILES MISSING \(2\)[^\n]*\n\s+q2\.txt\n\s+q5\.txt/);
    expect(existsSync(path.join(s.a1, 'ex123-A1.zip'))).toBe(true);
  });

  it('refuses to pack a secret, masking it, and writes no zip', async () => {
    const key = 'AKIA' + 'QWERTYUIOPASDFGH';
    const s = await studentRepo({ after: { 'q4.txt': `# ${key}\ndate: 2017-01-14\nmode: streaming\nstreaming: 1\nmalfunctions: 3\n` } });
    const r = harness(s.root, ['submit', '--offline', 'A1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/q4\.txt:1/);
    expect(r.stdout + r.stderr).not.toContain(key);
    expect(existsSync(path.join(s.a1, 'ex123-A1.zip'))).toBe(false);
  });

  it('refuses a link leading outside the folder', async () => {
    const s = await studentRepo({ remove: ['q2.txt'] });
    const outside = path.join(s.root, '..', 'elsewhere.txt');
    writeFileSync(outside, 'traceroute to x\n');
    await symlink(outside, path.join(s.a1, 'q2.txt'));
    const r = harness(s.root, ['submit', '--offline', 'A1']);
    expect(r.status).toBe(2);
    expect(oneLineError(r.stderr)).toMatch(/q2\.txt is a link to a file outside the assignment folder/);
    expect(existsSync(path.join(s.a1, 'ex123-A1.zip'))).toBe(false);
  });

  it('never packs junk, and an invalid user.cfg means no zip', async () => {
    const s = await studentRepo({ after: { '.DS_Store': 'x', 'q1.txt~': 'x', '__pycache__/a.pyc': 'x' } });
    harness(s.root, ['submit', '--offline', 'A1']);
    const list = execFileSync('unzip', ['-Z1', path.join(s.a1, 'ex123-A1.zip')], { encoding: 'utf8' });
    expect(list).not.toMatch(/DS_Store|~|pycache/);
    writeFileSync(path.join(s.root, 'user.cfg'), '[USER]\nemail: 123abc@georgetown.edu\n');
    const r = harness(s.root, ['submit', '--offline', 'A1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/must begin with a letter/);
  });
});

describe('harness lint', () => {
  it('every spec in the repository is valid', () => {
    const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'harness.mjs'), 'lint'], { cwd: REPO, encoding: 'utf8' });
    expect(r.stdout).toMatch(/all \d+ specs valid/);
    expect(r.status).toBe(0);
  });
});

describe('names with spaces and non-ASCII letters', () => {
  it('are checked and packed intact', async () => {
    const dir = await tempDir({
      'course.yaml': readFileSync(path.join(REPO, 'course.yaml')),
      'user.cfg': '[USER]\nname: Zoë Ñúñez\nemail: zn42@georgetown.edu\n',
      'assignments/T1/assignment.yaml': `id: T1
title: Names
points: 2
files:
  required: [my answer.txt, réponse.txt]
checks:
  - { id: a, kind: file.text, file: my answer.txt, points: 1 }
  - { id: b, kind: file.lines, file: réponse.txt, count: 1, each: { pattern: '^\\p{Lu}', flags: u }, points: 1 }
`,
      'assignments/T1/my answer.txt': 'forty-two\n',
      'assignments/T1/réponse.txt': 'Ça va\n',
    });
    const r = harness(dir, ['submit', '--offline', 'T1', '--offline']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const zip = path.join(dir, 'assignments/T1/zn42-T1.zip');
    const py = spawnSync(
      'python3',
      [
        '-c',
        'import zipfile,sys,json; z=zipfile.ZipFile(sys.argv[1]); print(json.dumps([[i.filename, z.read(i).decode()] for i in z.infolist() if not i.filename.endswith(".json")]))',
        zip,
      ],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(py.stdout)).toEqual([
      ['zn42-T1/my answer.txt', 'forty-two\n'],
      ['zn42-T1/réponse.txt', 'Ça va\n'],
    ]);
    expect(spawnSync('unzip', ['-t', '-q', zip]).status).toBe(0);
  });
});
