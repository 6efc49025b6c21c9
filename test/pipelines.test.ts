// Every Bitbucket Pipelines file the project ships is valid against Atlassian's own schema.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { referenceSchema } from './helpers/schemas.js';

const repo = path.resolve(__dirname, '..');
const schema = JSON.parse(readFileSync(referenceSchema('bitbucket-pipelines.schema.json'), 'utf8'));
const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);

const files = ['bitbucket-pipelines.yml', ...readdirSync(path.join(repo, 'templates')).filter((f) => f.startsWith('bitbucket-pipelines')).map((f) => `templates/${f}`)];

describe('Bitbucket Pipelines files', () => {
  it('there is one for the repository and one for students at least', () => {
    expect(files).toContain('bitbucket-pipelines.yml');
    expect(files).toContain('templates/bitbucket-pipelines.student.yml');
  });

  it.each(files)('%s is valid against the pipelines schema', (f) => {
    const doc = parse(readFileSync(path.join(repo, f), 'utf8'));
    const ok = validate(doc);
    expect(validate.errors ?? [], f).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema is strict enough to catch a mistake', () => {
    expect(validate({ pipelines: { default: [{ step: { script: 'not a list', 'max-time': 'soon' } }] } })).toBe(false);
  });
});

describe('the student pipeline, run for real', () => {
  it('writes JUnit reports the XSD accepts, and fails the step when a check fails', async () => {
    const { studentRepo } = await import('./helpers/student.js');
    const { spawnSync } = await import('node:child_process');
    const { mkdirSync, writeFileSync, readdirSync: ls } = await import('node:fs');
    const s = await studentRepo({ edit: { 'q7.txt': 'not the answer\n' } });
    mkdirSync(path.join(s.root, 'bin'), { recursive: true });
    writeFileSync(path.join(s.root, 'bin', 'harness.mjs'), `await import(${JSON.stringify(path.join(repo, 'dist', 'harness.mjs'))});\n`);
    const doc = parse(readFileSync(path.join(repo, 'templates/bitbucket-pipelines.student.yml'), 'utf8'));
    const script: string[] = doc.pipelines.default[0].step.script.filter((l: string) => !l.startsWith('npm ci'));
    const r = spawnSync('bash', ['-c', script.join('\n')], { cwd: s.root, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', INIT_CWD: '' } });
    expect(r.status).not.toBe(0); // q7 fails, so the step fails
    const reports = ls(path.join(s.root, 'test-results')).filter((f) => f.endsWith('.xml'));
    expect(reports).toEqual(['harness-A1.xml']);
    const xsd = referenceSchema('JUnit.xsd');
    const v = spawnSync('xmllint', ['--noout', '--schema', xsd, path.join(s.root, 'test-results', reports[0])], { encoding: 'utf8' });
    expect(v.stderr).toMatch(/validates/);
    expect(readFileSync(path.join(s.root, 'test-results', reports[0]), 'utf8')).toMatch(/<testcase[^>]*name="[^"]*q7/);
  });
});

describe('the grading pipeline, run for real', () => {
  it('collect, four parallel shards and merge give the same grades as one run', async () => {
    const { spawnSync } = await import('node:child_process');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { tempDir } = await import('./helpers/fixture.js');
    const { writeForks } = await import('../scripts/lib/synth-forks.mjs');
    const dir = await tempDir({}, 'harness-gradingrepo-');
    // A grading repository: the course files, the harness entry point, a roster and hidden checks.
    // Tests never leave this machine: A1 without its internet checks (grading them --offline would
    // leave every student incomplete; they are tested on their own).
    const { offlineCourse } = await import('../scripts/lib/offline-course.mjs');
    offlineCourse(dir);
    mkdirSync(path.join(dir, 'bin'));
    writeFileSync(path.join(dir, 'bin', 'harness.mjs'), `await import(${JSON.stringify(path.join(repo, 'dist', 'harness.mjs'))});\n`);
    writeFileSync(path.join(dir, 'roster.csv'), await writeForks(path.join(dir, 'forks'), 12));
    mkdirSync(path.join(dir, 'hidden'));
    writeFileSync(path.join(dir, 'hidden', 'A1.yaml'), 'checks:\n  - { id: h-q6-count, kind: file.lines, file: q6-malfunctions.txt, count: { min: 3 }, points: 1, dependsOn: [q6-text] }\n');

    const doc = parse(readFileSync(path.join(repo, 'templates/bitbucket-pipelines.grading.yml'), 'utf8'));
    const steps: { name: string; script: string[] }[] = [];
    for (const item of doc.pipelines.custom.deadline) {
      if (item.step) steps.push(item.step);
      if (item.parallel) for (const p of item.parallel.steps) steps.push(p.step);
    }
    const env = { ...process.env, ASSIGNMENT: 'A1', INIT_CWD: '', GIT_CONFIG_GLOBAL: '/dev/null', CI: 'true' };
    for (const step of steps) {
      const script = step.script.filter((l) => !l.startsWith('npm ci'));
      const r = spawnSync('bash', ['-euc', script.join('\n')], { cwd: dir, encoding: 'utf8', env });
      expect(r.status, `${step.name}: ${r.stderr}`).toBe(0);
    }
    const merged = readFileSync(path.join(dir, 'grades/A1/grades.csv'), 'utf8');
    const one = spawnSync('bash', ['-euc', 'node bin/harness.mjs collect A1 --roster roster.csv --out single && node bin/harness.mjs grade A1 --roster roster.csv --out single --hidden hidden/A1.yaml'], { cwd: dir, encoding: 'utf8', env });
    expect(one.status, one.stderr).toBe(0);
    expect(merged).toBe(readFileSync(path.join(dir, 'single/grades.csv'), 'utf8'));
    expect(merged.split('\n').filter(Boolean)).toHaveLength(13); // header + 12 students
    expect(merged).toContain('h-q6-count');
  }, 120_000);
});

describe('the grading pipeline, where there is no sandbox', () => {
  it('refuses an assignment that runs student code (no silent fallback), and never opts out', async () => {
    const { spawnSync } = await import('node:child_process');
    const { cpSync, mkdirSync, writeFileSync } = await import('node:fs');
    const { tempDir } = await import('./helpers/fixture.js');
    const text = readFileSync(path.join(repo, 'templates/bitbucket-pipelines.grading.yml'), 'utf8');
    const doc = parse(text);
    const gradeLine = (doc.pipelines.custom.deadline.find((i: { parallel?: unknown }) => i.parallel).parallel.steps[0].step.script as string[]).find((l) => l.includes(' grade '))!;
    expect(gradeLine).not.toContain('--unsafe-no-sandbox');
    const dir = await tempDir({}, 'harness-gradingrepo-');
    cpSync(path.join(repo, 'course.yaml'), path.join(dir, 'course.yaml'));
    cpSync(path.join(repo, 'assignments', 'A2'), path.join(dir, 'assignments', 'A2'), { recursive: true });
    mkdirSync(path.join(dir, 'bin'));
    writeFileSync(path.join(dir, 'bin', 'harness.mjs'), `await import(${JSON.stringify(path.join(repo, 'dist', 'harness.mjs'))});\n`);
    writeFileSync(path.join(dir, 'roster.csv'), 'NetID,name,email,repo\nab123,A B,ab123@georgetown.edu,/nonexistent.git\n');
    mkdirSync(path.join(dir, 'hidden'));
    writeFileSync(path.join(dir, 'hidden', 'A2.yaml'), 'checks:\n  - { id: h-q1, kind: file.present, file: q1.txt, points: 1 }\n');
    // As on Bitbucket's own runners: no sandbox (HARNESS_SANDBOX=off stands in for the seccomp profile).
    const r = spawnSync('bash', ['-euc', `${gradeLine} --offline`], { cwd: dir, encoding: 'utf8', env: { ...process.env, ASSIGNMENT: 'A2', HARNESS_SANDBOX: 'off', INIT_CWD: '', GIT_CONFIG_GLOBAL: '/dev/null' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/run student code .*there is no sandbox here/);
  });
});
