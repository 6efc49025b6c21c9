// The Gradescope autograder end to end: `harness gradescope` writes autograder.zip, which is
// unpacked into a temporary root laid out like Gradescope's (/autograder/source, submission,
// submission_metadata.json, results/), and its own run_autograder grades the submission there.
// Every results.json is checked against the schema of Gradescope's current spec.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/fixture.js';
import { offlineCourse } from '../scripts/lib/offline-course.mjs';

const repo = path.resolve(__dirname, '..');
const schema = JSON.parse(readFileSync(path.join(repo, 'grader/export/gradescope.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
const env = { ...process.env, NO_COLOR: '1', INIT_CWD: '', GIT_CONFIG_GLOBAL: '/dev/null' };
const HIDDEN =
  'checks:\n  - { id: h-q6-count, kind: file.lines, file: q6-malfunctions.txt, count: { min: 3 }, points: 1, dependsOn: [q6-text] }\n';

let zip: string;
let course: string;

beforeAll(async () => {
  course = offlineCourse(await tempDir({}, 'harness-gs-course-'));
  writeFileSync(path.join(course, 'hidden-A1.yaml'), HIDDEN);
  zip = path.join(course, 'autograder.zip');
  const r = spawnSync(process.execPath, [path.join(repo, 'bin/harness.mjs'), 'gradescope', 'A1', '--hidden', 'hidden-A1.yaml'], {
    cwd: course,
    encoding: 'utf8',
    env,
  });
  expect(r.status, r.stderr).toBe(0);
}, 60_000);

/** A Gradescope root: the autograder unpacked into source/, the submission, its metadata. */
async function gradescopeRoot(submission: Record<string, string | Buffer>, meta?: object): Promise<string> {
  const root = await tempDir({}, 'harness-gs-root-');
  mkdirSync(path.join(root, 'source'));
  const u = spawnSync('unzip', ['-q', zip, '-d', path.join(root, 'source')], { encoding: 'utf8' });
  expect(u.status, u.stderr).toBe(0);
  for (const [f, body] of Object.entries(submission)) {
    mkdirSync(path.dirname(path.join(root, 'submission', f)), { recursive: true });
    writeFileSync(path.join(root, 'submission', f), body);
  }
  mkdirSync(path.join(root, 'submission'), { recursive: true });
  if (meta) writeFileSync(path.join(root, 'submission_metadata.json'), JSON.stringify(meta));
  return root;
}

/** Runs the autograder's own run_autograder, as Gradescope does, from the root. */
function runAutograder(root: string) {
  return spawnSync(path.join(root, 'source', 'run_autograder'), [], {
    cwd: root,
    encoding: 'utf8',
    env: { ...env, GRADESCOPE_ROOT: root },
    timeout: 60_000,
  });
}

const answers = () =>
  Object.fromEntries(
    readdirSync(path.join(repo, 'examples/A1-student'))
      .filter((f) => f !== 'README.md')
      .map((f) => [f, readFileSync(path.join(repo, 'examples/A1-student', f))]),
  );
const META = {
  id: 123,
  created_at: '2017-01-22T15:30:00.000000-05:00',
  assignment: { id: 9, title: 'A1', due_date: '2017-01-20T23:59:00.000000-05:00', late_due_date: null, total_points: '19.0' },
  users: [{ email: 'qz417@georgetown.edu', id: 4567, name: 'Quinn Zhao' }],
  submission_method: 'upload',
};

describe('the Gradescope autograder', () => {
  it('is a zip with setup.sh and an executable run_autograder at its root, the harness, the spec and the hidden checks', () => {
    const list = spawnSync('unzip', ['-Z', zip], { encoding: 'utf8' }).stdout;
    expect(list).toMatch(/^-rwxr-xr-x .* run_autograder$/m);
    expect(list).toMatch(/^-rwxr-xr-x .* setup\.sh$/m);
    for (const f of [
      'harness/bin/harness.mjs',
      'harness/dist/harness.mjs',
      'harness/package-lock.json',
      'harness/course.yaml',
      'harness/assignments/A1/assignment.yaml',
      'harness/hidden/A1.yaml',
    ])
      expect(list, f).toContain(` ${f}\n`);
    // No answers of the example student, no source maps, nothing from the instructor's disk.
    expect(list).not.toMatch(/q1\.txt|\.map$|hidden-A1\.yaml/m);
    const root = path.join(path.dirname(zip), 'syntax');
    spawnSync('unzip', ['-q', zip, 'setup.sh', 'run_autograder', '-d', root]);
    for (const f of ['setup.sh', 'run_autograder']) expect(spawnSync('bash', ['-n', path.join(root, f)]).status, f).toBe(0);
    expect(readFileSync(path.join(root, 'run_autograder'), 'utf8')).toMatch(/^UNSAFE_NO_SANDBOX=--unsafe-no-sandbox$/m);
  });

  it('grades loose files, applies the late policy to the submission time, and writes a results.json the schema accepts', async () => {
    const root = await gradescopeRoot(answers(), META);
    const r = runAutograder(root);
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(readFileSync(path.join(root, 'results/results.json'), 'utf8'));
    expect(validate(res), JSON.stringify(validate.errors)).toBe(true);
    // Every check passes (18 points, the hidden 1, 1 extra credit): 20, less 20% for two started days late.
    expect(res.score).toBe(16);
    expect(res.output).toContain(
      'Late by 1 day 15 hours, past the deadline and any grace: 20% of your score was taken off, 20 → 16 of 19 points.',
    );
    expect(res.tests.filter((t: { status: string }) => t.status === 'failed')).toEqual([]);
    expect(res.tests.at(-1)).toMatchObject({ name: 'Hidden check 1', number: '2.1', score: 1, max_score: 1 });
    expect(JSON.stringify(res)).not.toContain('h-q6-count');
    // The feedback is in the run's stdout (for the instructor), in the course's time zone.
    expect(r.stdout).toContain('Feedback for Quinn Zhao (qz417).');
    expect(r.stdout).toContain('**Score: 16/19** (after a 20% late penalty)');
  }, 60_000);

  it('grades a whole fork sent from a git host, and a zip from `npm run submit` that was not unpacked, the same as loose files', async () => {
    const fork = Object.fromEntries(Object.entries(answers()).map(([f, b]) => [`assignments/A1/${f}`, b]));
    const asFork = await gradescopeRoot(
      { ...fork, 'README.md': 'the course', 'assignments/A0/hello.txt': 'x' },
      { ...META, created_at: '2017-01-20T20:00:00-05:00' },
    );
    expect(runAutograder(asFork).status).toBe(0);
    const a = JSON.parse(readFileSync(path.join(asFork, 'results/results.json'), 'utf8'));
    expect(a.score).toBe(20);

    const stage = await tempDir(answers(), 'harness-gs-zip-');
    const z = path.join(stage, 'qz417-A1.zip');
    expect(spawnSync('zip', ['-q', '-j', z, ...Object.keys(answers()).map((f) => path.join(stage, f))]).status).toBe(0);
    const asZip = await gradescopeRoot({ 'qz417-A1.zip': readFileSync(z) }, { ...META, created_at: '2017-01-20T20:00:00-05:00' });
    expect(runAutograder(asZip).status).toBe(0);
    const b = JSON.parse(readFileSync(path.join(asZip, 'results/results.json'), 'utf8'));
    expect(b.tests).toEqual(a.tests);
    expect(validate(b)).toBe(true);
  }, 60_000);

  it('fails the checks a broken answer fails, and gives an empty submission 0 with what was expected', async () => {
    const broken = await gradescopeRoot({ ...answers(), 'q6-malfunctions.txt': 'nothing here\n' });
    expect(runAutograder(broken).status).toBe(0);
    const res = JSON.parse(readFileSync(path.join(broken, 'results/results.json'), 'utf8'));
    expect(validate(res)).toBe(true);
    expect(res.score).toBeLessThan(20);
    expect(res.tests.some((t: { status: string; name: string }) => t.status === 'failed' && /q6/.test(t.name))).toBe(true);

    const empty = await gradescopeRoot({ 'notes.pdf': 'not an answer' });
    expect(runAutograder(empty).status).toBe(0);
    const none = JSON.parse(readFileSync(path.join(empty, 'results/results.json'), 'utf8'));
    expect(validate(none)).toBe(true);
    expect(none.score).toBe(0);
    expect(none.output).toMatch(/^We found none of A1's files in your submission/);
    expect(none.tests.find((t: { name: string }) => t.name === 'q1.txt is handed in').status).toBe('failed');
  }, 60_000);
});
