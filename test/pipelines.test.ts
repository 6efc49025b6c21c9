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

const files = [
  'bitbucket-pipelines.yml',
  ...readdirSync(path.join(repo, 'templates'))
    .filter((f) => f.startsWith('bitbucket-pipelines'))
    .map((f) => `templates/${f}`),
];

describe('Bitbucket Pipelines files', () => {
  it("there is the students' (the repository's own, which every fork runs) and the grading one", () => {
    expect(files).toContain('bitbucket-pipelines.yml');
    expect(files).toContain('templates/bitbucket-pipelines.grading.yml');
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

/** Every step a push can start: default, branches, tags and pull requests (not custom ones, started by hand). */
function pushSteps(doc: { pipelines: Record<string, unknown> }): { name: string; script: string[] }[] {
  const steps: { name: string; script: string[] }[] = [];
  const walk = (items: unknown) => {
    for (const item of (items as { step?: { name: string; script: string[] }; parallel?: { steps: unknown[] } | unknown[] }[]) ?? []) {
      if (item.step) steps.push(item.step);
      if (item.parallel) walk(Array.isArray(item.parallel) ? item.parallel : item.parallel.steps);
    }
  };
  const p = doc.pipelines;
  walk(p.default);
  for (const key of ['branches', 'tags', 'pull-requests'])
    for (const v of Object.values((p[key] as Record<string, unknown>) ?? {})) walk(v);
  return steps;
}

describe("the students' pipeline (the repository's bitbucket-pipelines.yml), run for real", () => {
  const rootDoc = () => parse(readFileSync(path.join(repo, 'bitbucket-pipelines.yml'), 'utf8'));

  it("no step a push starts runs the harness's own tests", () => {
    const steps = pushSteps(rootDoc());
    expect(steps.length).toBeGreaterThan(0);
    for (const st of steps)
      for (const line of st.script) expect(line, st.name).not.toMatch(/vitest|npm (run )?test|\.ci\/run|npm run (bench|typecheck|lint)/);
  });

  it('checks only the open assignments, skips what needs a laptop as not checkable in CI, writes valid JUnit, fails on a failed check, and never starts vitest', async () => {
    const { studentRepo } = await import('./helpers/student.js');
    const { spawnSync } = await import('node:child_process');
    const { mkdirSync, writeFileSync, readdirSync: ls, chmodSync, existsSync } = await import('node:fs');
    // A1 and A0 open now (released long ago, due far ahead); A2 as the course has it (closed).
    const open = (id: string) =>
      readFileSync(path.join(repo, 'assignments', id, 'assignment.yaml'), 'utf8')
        .replace(/^release: .*$/m, 'release: 2000-01-01 09:00')
        .replace(/^due: .*$/m, 'due: 2999-01-01 23:59');
    const s = await studentRepo({
      edit: {
        'q7.txt': 'not the answer\n',
        'assignment.yaml': open('A1'),
        '../A0/assignment.yaml': open('A0'),
        '../A0/hello.txt': 'name: Test Student\nbitbucket: tstudent\nvm_os: Ubuntu 22.04.3 LTS\nvm_python: 3.10.12\n',
        '../A2/assignment.yaml': readFileSync(path.join(repo, 'assignments/A2/assignment.yaml'), 'utf8'),
      },
    });
    mkdirSync(path.join(s.root, 'bin'), { recursive: true });
    writeFileSync(path.join(s.root, 'bin', 'harness.mjs'), `await import(${JSON.stringify(path.join(repo, 'dist', 'harness.mjs'))});\n`);
    // npm, npx and vitest as the pipeline's image would find them on PATH: each records that it ran.
    // npm ci has nothing to do (the harness is built in this repository); anything else is logged.
    const bin = path.join(s.root, '..', 'fake-bin');
    const log = path.join(s.root, '..', 'commands.log');
    mkdirSync(bin);
    for (const tool of ['npm', 'npx', 'vitest']) {
      writeFileSync(path.join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> ${JSON.stringify(log)}\n`);
      chmodSync(path.join(bin, tool), 0o755);
    }
    const script: string[] = pushSteps(rootDoc()).flatMap((st) => st.script);
    const r = spawnSync('bash', ['-euc', script.join('\n')], {
      cwd: s.root,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, GIT_CONFIG_GLOBAL: '/dev/null', INIT_CWD: '', NO_COLOR: '1' },
    });
    expect(r.status, r.stdout + r.stderr).toBe(1); // q7 fails, so the step fails
    expect(r.stdout).toMatch(/ci: checking A0, A1 at .*; not checked: A2 \(closed 2017-02-03 23:59 EST\)/);
    const commands = readFileSync(log, 'utf8').trim().split('\n');
    expect(commands).toEqual(['npm ci --omit=dev --no-audit --no-fund --prefer-offline']);
    expect(existsSync(path.join(s.root, 'node_modules'))).toBe(false);

    const reports = ls(path.join(s.root, 'test-results'))
      .filter((f) => f.endsWith('.xml'))
      .sort();
    expect(reports).toEqual(['harness-A0.xml', 'harness-A1.xml']);
    const xsd = referenceSchema('JUnit.xsd');
    for (const f of reports) {
      const v = spawnSync('xmllint', ['--noout', '--schema', xsd, path.join(s.root, 'test-results', f)], { encoding: 'utf8' });
      expect(v.stderr, f).toMatch(/validates/);
    }
    expect(readFileSync(path.join(s.root, 'test-results', 'harness-A1.xml'), 'utf8')).toMatch(
      /<testcase[^>]*name="[^"]*q7[^>]*>\s*<failure/,
    );
    // A0's laptop checks (an SSH key, an upstream remote, the tools) are skipped, not failed.
    const a0 = readFileSync(path.join(s.root, 'test-results', 'harness-A0.xml'), 'utf8');
    for (const id of ['ssh-key', 'git-remotes', 'aws-cli-installed', 'git-pushed', 'git-clean', 'aws-identity']) {
      expect(a0, id).toMatch(new RegExp(`<testcase[^>]*name="[^"]*${id}[^>]*>\\s*<skipped message="not checkable in CI`));
    }
    // What fails in A0 is the answer files this fork lacks, never a check of a laptop.
    const failed = [...a0.matchAll(/<testcase[^>]*name="([^"]*)"[^>]*>\s*<failure/g)].map((m) => m[1]);
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed) expect(f).not.toMatch(/ssh-key|git-remotes|installed|git-pushed|git-clean|aws-identity/);
  }, 60_000);

  it('a fork with nothing open passes and writes no report', async () => {
    const { studentRepo, harness } = await import('./helpers/student.js');
    const s = await studentRepo();
    const r = harness(s.root, ['ci', '--at', '2016-06-01 12:00']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ci: no assignment is open at 2016-06-01 12:00 EDT; not checked: A1 \(opens 2017-01-10 09:00 EST\)/);
    const after = harness(s.root, ['ci', '--at', '2017-01-21 00:03']); // inside the 5-minute grace
    expect(after.stdout).toMatch(/^ci: checking A1/);
    const closed = harness(s.root, ['ci', '--at', '2017-01-21 00:05']);
    expect(closed.stdout).toMatch(/^ci: no assignment is open .*A1 \(closed 2017-01-20 23:59 EST\)/);
  }, 60_000);
});

describe('the grading pipeline, run for real', () => {
  it('collect, four parallel shards, merge and publish give the grades of one run, canvas.csv byte for byte, and post them once', async () => {
    const { spawn, spawnSync } = await import('node:child_process');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { tempDir } = await import('./helpers/fixture.js');
    const { writeForks } = await import('../scripts/lib/synth-forks.mjs');
    const { FakeCanvas } = await import('./helpers/canvas-server.js');
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
    writeFileSync(
      path.join(dir, 'hidden', 'A1.yaml'),
      'checks:\n  - { id: h-q6-count, kind: file.lines, file: q6-malfunctions.txt, count: { min: 3 }, points: 1, dependsOn: [q6-text] }\n',
    );
    const token = 'pipeline-secret-token';
    const canvas = await new FakeCanvas({
      token,
      course: '77',
      assignment: { id: 98765, name: 'Getting started with AWS', points_possible: 19 },
      students: Array.from({ length: 12 }, (_, i) => ({
        id: 500 + i,
        name: `Student ${i}`,
        login_id: `s${String(i + 1).padStart(4, '0')}`,
      })),
    }).start();
    try {
      const doc = parse(readFileSync(path.join(repo, 'templates/bitbucket-pipelines.grading.yml'), 'utf8'));
      const steps: { name: string; script: string[]; trigger?: string }[] = [];
      for (const item of doc.pipelines.custom.grade) {
        if (item.step) steps.push(item.step);
        if (item.parallel) for (const p of item.parallel.steps) steps.push(p.step);
      }
      expect(steps.at(-1)!.trigger).toBe('manual'); // nothing is posted before someone has looked
      // The pipeline's variables, and the repository variables the set-up page names.
      const env = {
        ...process.env,
        ASSIGNMENT: 'A1',
        CANVAS_ASSIGNMENT_ID: '98765',
        MISSING_WORK: 'blank',
        INIT_CWD: '',
        GIT_CONFIG_GLOBAL: '/dev/null',
        CI: 'true',
        CANVAS_URL: canvas.url,
        CANVAS_COURSE_ID: '77',
        CANVAS_TOKEN: token,
      };
      // Run without blocking: the local Canvas answers from this process.
      const run = (script: string) =>
        new Promise<{ status: number | null; out: string }>((resolve) => {
          const c = spawn('bash', ['-euc', script], { cwd: dir, env });
          let out = '';
          c.stdout.on('data', (d) => (out += d));
          c.stderr.on('data', (d) => (out += d));
          c.on('close', (status) => resolve({ status, out }));
        });
      const outputs: string[] = [];
      for (const step of steps) {
        const r = await run(step.script.filter((l) => !l.startsWith('npm ci')).join('\n'));
        expect(r.status, `${step.name}: ${r.out}`).toBe(0);
        outputs.push(r.out);
      }
      expect(outputs.at(-2)).toMatch(/publish: dry run: would post 12 grades and 12 comments/);
      const merged = (f: string) => readFileSync(path.join(dir, 'grades/A1', f), 'utf8');
      const one = spawnSync(
        'bash',
        [
          '-euc',
          'node bin/harness.mjs collect A1 --roster roster.csv --out single && node bin/harness.mjs grade A1 --roster roster.csv --out single --hidden hidden/A1.yaml --canvas-id 98765',
        ],
        { cwd: dir, encoding: 'utf8', env },
      );
      expect(one.status, one.stderr).toBe(0);
      expect(merged('grades.csv')).toBe(readFileSync(path.join(dir, 'single/grades.csv'), 'utf8'));
      expect(merged('canvas.csv')).toBe(readFileSync(path.join(dir, 'single/canvas.csv'), 'utf8'));
      expect(merged('canvas.csv').split('\r\n')[0]).toMatch(/,Getting started with AWS \(98765\)$/);
      expect(merged('grades.csv').split('\n').filter(Boolean)).toHaveLength(13); // header + 12 students
      expect(merged('grades.csv')).toContain('h-q6-count');
      // Published: every student's grade, once.
      expect(canvas.problems).toEqual([]);
      expect(canvas.opts.students.every((s) => typeof s.score === 'number')).toBe(true);
      const posts = canvas.requests.filter((q) => q.method === 'POST').length;
      const again = await run(
        steps
          .at(-1)!
          .script.filter((l) => !l.startsWith('npm ci'))
          .join('\n'),
      );
      expect(again.status, again.out).toBe(0);
      expect(canvas.requests.filter((q) => q.method === 'POST').length).toBe(posts);
      for (const o of [...outputs, again.out]) expect(o).not.toContain(token);
    } finally {
      await canvas.stop();
    }
  }, 180_000);
});

describe('the grading pipeline, where there is no sandbox', () => {
  it('refuses an assignment that runs student code (no silent fallback), and never opts out', async () => {
    const { spawnSync } = await import('node:child_process');
    const { cpSync, mkdirSync, writeFileSync } = await import('node:fs');
    const { tempDir } = await import('./helpers/fixture.js');
    const text = readFileSync(path.join(repo, 'templates/bitbucket-pipelines.grading.yml'), 'utf8');
    const doc = parse(text);
    const gradeLine = (
      doc.pipelines.custom.grade.find((i: { parallel?: unknown }) => i.parallel).parallel.steps[0].step.script as string[]
    ).find((l) => l.includes(' grade '))!;
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
    const r = spawnSync('bash', ['-euc', `${gradeLine} --offline`], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, ASSIGNMENT: 'A2', HARNESS_SANDBOX: 'off', INIT_CWD: '', GIT_CONFIG_GLOBAL: '/dev/null' },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/run student code .*there is no sandbox here/);
  });
});
