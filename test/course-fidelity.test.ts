// Faithful to the real course: its data's format, its file names. Each test runs the course's own
// specs (assignments/*/assignment.yaml) on answers in the shape real students handed in.
import { describe, expect, it } from 'vitest';
import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './helpers/student.js';
import { tempDir, type FileMap } from './helpers/fixture.js';
import { loadCourse } from '../lib/course.js';
import { loadSpec } from '../lib/spec/load.js';
import { runChecks } from '../lib/engine.js';

/** Runs the listed checks of a course spec (and what they depend on) on `files`, offline. */
async function run(id: string, files: FileMap, only: string[]) {
  const course = await loadCourse(REPO);
  const spec = await loadSpec(path.join(REPO, 'assignments', id, 'assignment.yaml'), course);
  const dir = await tempDir(files, `harness-${id}-`);
  const results = await runChecks({ ...spec, dir, file: path.join(dir, 'assignment.yaml') }, { course, offline: true, only });
  return Object.fromEntries(results.filter((r) => only.includes(r.id)).map((r) => [r.id, r]));
}

// Real readings, as the course handed them out and as real answers copied them.
const REAL = '2000-01-28 03:07:44 fnard:-1 fnok:-1 cark:-1 gnuck:-1\n2000-02-03 11:20:08 fnard:-1 fnok:-1 cark:-1 gnuck:-1\n';

describe("the quazyilx readings have the real data's format (a space, no T…Z)", () => {
  it('A1 q6: real malfunction lines pass; lines reformatted to T…Z are not "exactly as in the data file"', async () => {
    expect((await run('A1', { 'q6-malfunctions.txt': REAL }, ['q6-lines']))['q6-lines'].status).toBe('pass');
    const iso = REAL.replace(/^(\S+) (\S+)/gm, '$1T$2Z');
    const r = (await run('A1', { 'q6-malfunctions.txt': iso }, ['q6-lines']))['q6-lines'];
    expect([r.status, r.rationale]).toEqual([
      'fail',
      expect.stringMatching(/^Line 1 of q6-malfunctions.txt does not look like .*: 2000-01-28 03:07:44 fnard:-1/),
    ]);
  });

  it('A5: answers 3 and 4 may be written as the data writes times or as ISO 8601', async () => {
    for (const t of ['2000-01-28 03:07:44', '2000-01-28T03:07:44', '2000-01-28T03:07:44Z']) {
      const r = await run('A5', { 'quazyilx_run.txt': `1: 1000\n2: 12\n3: ${t}\n4: ${t}\n` }, ['quazyilx-answers']);
      expect([t, r['quazyilx-answers'].status]).toEqual([t, 'pass']);
    }
    const bad = await run('A5', { 'quazyilx_run.txt': '1: 1000\n2: 12\n3: Jan 28 2000\n4: 2000-01-28 03:07:44\n' }, ['quazyilx-answers']);
    expect(bad['quazyilx-answers'].status).toBe('fail');
  });

  it('the sample data, READMEs and starters show readings in the real format only', () => {
    const real = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d fnard:-?\d+ fnok:-?\d+ cark:-?\d+ gnuck:-?\d+$/;
    for (const f of [
      'assignments/A2/data/sensor-sample.txt',
      'assignments/A5/data/quazyilx-sample.txt',
      'test/fixtures/A2/data/sensor.txt',
      'test/fixtures/A5/data/readings.txt',
    ]) {
      const lines = readFileSync(path.join(REPO, f), 'utf8').trimEnd().split('\n');
      expect(
        lines.filter((l) => !real.test(l)),
        f,
      ).toEqual([]);
    }
    for (const f of [
      'assignments/A1/README.md',
      'assignments/A2/q2_mapper.py',
      'assignments/A5/quazyilx.py',
      'assignments/A5/quazyilx_test.py',
      'examples/A1-student/q6-malfunctions.txt',
    ]) {
      const text = readFileSync(path.join(REPO, f), 'utf8');
      expect(text, f).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d fnard:/);
      expect(text, f).not.toMatch(/\d\dZ fnard:/);
    }
  });
});

describe('A4 q4: a notebook question, Spark through Jupyter', () => {
  const Q4 = ['q4-present', 'q4-notebook', 'q4-executed', 'q4-answer', 'q4-rerun'];

  it('the starter notebook is valid and earns nothing', async () => {
    const course = await loadCourse(REPO);
    const spec = await loadSpec(path.join(REPO, 'assignments', 'A4', 'assignment.yaml'), course);
    const dir = await tempDir({}, 'harness-A4-');
    cpSync(path.join(REPO, 'assignments', 'A4'), dir, { recursive: true });
    const results = await runChecks({ ...spec, dir, file: path.join(dir, 'assignment.yaml') }, { course, offline: true, only: Q4 });
    const by = Object.fromEntries(results.map((r) => [r.id, r]));
    expect(Q4.map((id) => [id, by[id].status])).toEqual([
      ['q4-present', 'pass'],
      ['q4-notebook', 'pass'],
      ['q4-executed', 'fail'],
      ['q4-answer', 'fail'],
      ['q4-rerun', 'skip'],
    ]);
    expect(results.reduce((n, r) => n + r.points, 0)).toBe(0);
    expect(by['q4-answer'].rationale).toBe('cell 3 (code) of q4.ipynb ("addresses-per-hop") shows no output: it has not been run.');
    expect(spec.checks.filter((c) => Q4.includes(c.id) && c.points > 0).every((c) => c.extraCredit)).toBe(true);
  });
});

// The 2017 Makefiles' REQUIRED_FILES (and the optional names the course's notes record), as facts.
const Y2017: Record<string, { required: string[]; optional: string[] }> = {
  A1: { required: ['q1.txt', 'q2.txt', 'q3.txt', 'q4.txt', 'q5.txt', 'q6-malfunctions.txt', 'q7.txt'], optional: ['streaming-time.py'] },
  A2: {
    required: [
      'q1.txt',
      'q2_mapper.py',
      'q2_reducer.py',
      'q2_python.py',
      'q2_results.txt',
      'q3_results.txt',
      'q4_mapper.py',
      'q4_reducer.py',
      'q4_run.py',
      'q5_mapper.py',
      'q5_reducer.py',
      'q5_combiner.py',
    ],
    optional: ['q4_monthly.txt', 'grapher.py', 'q5_explaination.txt'],
  },
  A3: {
    required: [
      'q1_ipaddresses.py',
      'q1_hostnames.py',
      'q1_hostnames.txt',
      'q2_multiple.py',
      'q2_multiple.txt',
      'q3_links.py',
      'q3_linksdev.txt',
      'q4_hop23.py',
      'q4_hop23.txt',
    ],
    optional: ['q4_grapher.py'],
  },
  A4: {
    required: [
      'mtr_fix.py',
      'q1.py',
      'q1.txt',
      'q2.py',
      'q2.txt',
      'tld.py',
      'q3.txt',
      'q3_counts.txt',
      'analytics.py',
      'top1k_analytics.py',
      'top1k_analytics.txt',
    ],
    optional: [],
  },
  A5: {
    required: [
      'quazyilx.py',
      'quazyilx_test.py',
      'quazyilx_run.py',
      'quazyilx_run.txt',
      'fwiki.py',
      'fwiki_test.py',
      'fwiki_run.py',
      'fwiki_run.txt',
      'complaints.py',
      'complaints.txt',
      'paypal.txt',
    ],
    optional: ['complaints_dd.txt', 'complaints_spark.txt'],
  },
};

describe('file names: every spec against the 2017 Makefiles', () => {
  const doc = readFileSync(path.join(REPO, 'docs', 'real-course.md'), 'utf8');
  const section = (id: string) => doc.split(/^### /m).find((s) => s.startsWith(`${id} `)) ?? '';

  it.each(Object.keys(Y2017))(
    "%s: each difference is recorded with its reason in docs/real-course.md; 2017's optional names are accepted",
    async (id) => {
      const course = await loadCourse(REPO);
      const spec = await loadSpec(path.join(REPO, 'assignments', id, 'assignment.yaml'), course);
      const old = Y2017[id];
      const differ = [
        ...spec.files.required.filter((f) => !old.required.includes(f)),
        ...old.required.filter((f) => !spec.files.required.includes(f)),
        ...spec.files.optional.filter((f) => !old.optional.includes(f) && !old.required.includes(f)),
      ];
      // A difference is recorded as a bullet that names the file and gives a reason after a colon.
      const bullets = section(id)
        .split('\n')
        .filter((l) => l.startsWith('- '));
      const unrecorded = differ.filter((f) => !bullets.some((b) => b.includes(f) && /\): |: /.test(b)));
      expect(unrecorded).toEqual([]);
      // Every name 2017 accepted is accepted (required or optional) by the spec.
      expect(
        [...old.required, ...old.optional].filter((f) => !spec.files.required.includes(f) && !spec.files.optional.includes(f)),
      ).toEqual([]);
    },
  );
});
