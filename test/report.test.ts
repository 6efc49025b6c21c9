// Reporters: pretty (wording, layout, colour), json (shape and key order), junit (validated with
// the real xmllint against the strict JUnit.xsd, vendored in test/fixtures/schemas), and loading a user's own.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UserError } from '../lib/errors.js';
import { loadReporter, reporters, shouldColor, type ReporterOptions } from '../lib/report/index.js';
import { stripAnsi } from '../lib/report/color.js';
import { SCHEMA_VERSION } from '../lib/report/json.js';
import { cut, junitSuites, FIELD_LIMIT } from '../lib/report/junit.js';
import { WIDTH } from '../lib/report/pretty.js';
import type { CheckResult, RunReport, Summary } from '../lib/types.js';
import { tempDir } from './helpers/fixture.js';
import { referenceSchema } from './helpers/schemas.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const XSD = referenceSchema('JUnit.xsd');

const plain: ReporterOptions = { color: false, debug: false };

// ---- a realistic A1 run ------------------------------------------------------------------------

function result(r: Partial<CheckResult> & Pick<CheckResult, 'id' | 'kind' | 'title' | 'status'>): CheckResult {
  return { points: 0, maxPoints: 0, extraCredit: false, doc: `docs/checks/${r.kind}.md`, durationMs: 4, ...r };
}

function summarize(results: CheckResult[]): Summary {
  const s: Summary = { pass: 0, fail: 0, warn: 0, skip: 0, error: 0, points: 0, maxPoints: 0, extraCreditPoints: 0 };
  for (const r of results) {
    s[r.status]++;
    if (r.extraCredit) s.extraCreditPoints += r.points;
    else {
      s.points += r.points;
      s.maxPoints += r.maxPoints;
    }
  }
  return s;
}

const STACK = [
  "TypeError: Cannot read properties of undefined (reading 'Body')",
  '    at run (lib/checks/aws-s3-public.ts:41:22)',
  '    at runOne (lib/engine.ts:88:24)',
].join('\n');

function sampleResults(): CheckResult[] {
  return [
    result({ id: 'q1-present', kind: 'file.present', title: 'q1.txt is present', status: 'pass', points: 1, maxPoints: 1 }),
    result({
      id: 'q1-format',
      kind: 'file.text',
      title: 'q1.txt holds the URL of your git remote',
      status: 'fail',
      points: 0,
      maxPoints: 2,
      file: 'q1.txt',
      line: 1,
      rationale: 'q1.txt does not hold a git remote URL.',
      expected: 'git@bitbucket.org:<you>/<repository>.git',
      actual: 'my repo',
      hint: 'Run `git config --get remote.origin.url` in your clone and paste its output into q1.txt.',
    }),
    result({
      id: 'q2-text',
      kind: 'file.text',
      title: 'q2.txt holds a traceroute run on EC2',
      status: 'warn',
      file: 'q2.txt',
      line: 1,
      rationale: 'q2.txt looks like it was run on a home network, not on an EC2 instance.',
      hint: 'Run traceroute on your t2.micro instance and paste that output instead.',
    }),
    result({ id: 'q3-yaml', kind: 'file.yaml', title: 'q3.txt is YAML with the required keys', status: 'pass', points: 3, maxPoints: 3 }),
    result({
      id: 'streaming-syntax',
      kind: 'python.syntax',
      title: 'streaming-time.py is valid Python',
      status: 'skip',
      maxPoints: 1,
      reason: 'python3 was not found on this computer, so this is checked when graded.',
    }),
    result({
      id: 'q7-bucket',
      kind: 'aws.s3.public',
      title: 'The q7 bucket serves q6-malfunctions.txt',
      status: 'error',
      maxPoints: 2,
      reason: "the check crashed: Cannot read properties of undefined (reading 'Body')",
      stack: STACK,
    }),
    result({
      id: 'q5-present',
      kind: 'file.present',
      title: 'q5.txt is present (extra credit)',
      status: 'pass',
      points: 1,
      maxPoints: 1,
      extraCredit: true,
    }),
  ];
}

function sampleReport(results = sampleResults(), over: Partial<RunReport> = {}): RunReport {
  return {
    harness: { version: '0.1.0' },
    assignment: { id: 'A1', title: 'Getting started with AWS', specHash: 'ab12cd34', due: '2025-09-16T03:59:00.000Z' },
    student: { netid: 'qz417', name: 'Quinn Zhao', email: 'qz417@example.edu' },
    results,
    summary: summarize(results),
    startedAt: '2025-09-14T17:03:00.123Z',
    durationMs: 1234,
    ...over,
  };
}

// ---- pretty ------------------------------------------------------------------------------------

describe('pretty', () => {
  it('renders a representative run (colour off)', () => {
    expect(reporters.pretty(sampleReport(), plain)).toMatchInlineSnapshot(`
      "A1 · Getting started with AWS
      qz417 (Quinn Zhao) · due 2025-09-16 03:59 UTC

        ✓ pass    q1.txt is present                                               1/1
        ✗ FAIL    q1.txt holds the URL of your git remote                         0/2
                  q1.txt does not hold a git remote URL.
                  at q1.txt:1
                  expected: git@bitbucket.org:<you>/<repository>.git
                  actual:   my repo
                  hint: Run \`git config --get remote.origin.url\` in your clone and
                        paste its output into q1.txt.
                  see docs/checks/file.text.md
        ! warn    q2.txt holds a traceroute run on EC2
                  q2.txt looks like it was run on a home network, not on an EC2
                  instance.
                  at q2.txt:1
                  hint: Run traceroute on your t2.micro instance and paste that
                        output instead.
        ✓ pass    q3.txt is YAML with the required keys                           3/3
        - skip    streaming-time.py is valid Python                               0/1
                  python3 was not found on this computer, so this is checked when
                  graded.
        E ERROR   The q7 bucket serves q6-malfunctions.txt                        0/2
                  the check crashed: Cannot read properties of undefined (reading
                  'Body')
        ✓ pass    q5.txt is present (extra credit)                               +1/1

      3 passed · 1 failed · 1 warning · 1 skipped · 1 error
      Score: 4/9 (+1 extra credit)
      1 check failed, 1 could not run: fix them and run \`npm run check\` again.
      "
    `);
  });

  it('keeps every line within 80 columns', () => {
    const long = 'The file has a line that is not of the form key: value, which the grader needs to read it. '.repeat(4);
    const r = sampleReport([
      ...sampleResults(),
      result({ id: 'x', kind: 'file.text', title: 'A title '.repeat(15), status: 'fail', maxPoints: 10, rationale: long, hint: long }),
    ]);
    for (const line of reporters.pretty(r, plain).split('\n')) expect(Array.from(line).length).toBeLessThanOrEqual(WIDTH);
  });

  it('shows the doc link only on failure, and the stack only with debug', () => {
    const out = reporters.pretty(sampleReport(), plain);
    expect(out).toContain('see docs/checks/file.text.md');
    expect(out).not.toContain('see docs/checks/file.present.md');
    expect(out).not.toContain('see docs/checks/aws.s3.public.md');
    expect(out).not.toContain('at runOne');
    expect(reporters.pretty(sampleReport(), { ...plain, debug: true })).toContain('at runOne (lib/engine.ts:88:24)');
  });

  it('shows an absolute location relative to cwd', () => {
    const rs = [
      result({
        id: 'a',
        kind: 'file.text',
        title: 'a',
        status: 'fail',
        maxPoints: 1,
        rationale: 'r',
        file: path.join(repoRoot, 'assignments', 'A1', 'q1.txt'),
        line: 3,
      }),
    ];
    expect(reporters.pretty(sampleReport(rs), { ...plain, cwd: repoRoot })).toContain(`at ${path.join('assignments', 'A1', 'q1.txt')}:3\n`);
  });

  it('omits points for 0-point checks and marks extra credit', () => {
    const lines = reporters.pretty(sampleReport(), plain).split('\n');
    expect(lines.find((l) => l.includes('q2.txt holds'))).toMatch(/EC2$/);
    expect(lines.find((l) => l.includes('q5.txt is present'))).toMatch(/\+1\/1$/);
    expect(lines.find((l) => l.includes('q1.txt holds'))).toMatch(/ 0\/2$/);
  });

  it('colours only when asked', () => {
    const on = reporters.pretty(sampleReport(), { ...plain, color: true });
    const off = reporters.pretty(sampleReport(), plain);
    expect(on).toMatch(new RegExp(`${String.fromCharCode(27)}\\[3[1-6]m`));
    expect(off).not.toContain('\u001b[');
    expect(stripAnsi(on)).toBe(off);
  });

  it.each([
    [[], 'All checks passed.'],
    [['warn'], 'All checks passed, with 1 warning worth reading.'],
    [['skip', 'skip'], 'No check failed, but 2 checks were skipped: read why above.'],
    [['fail', 'fail'], '2 checks failed: fix them and run `npm run check` again.'],
    [['error'], '1 check could not run: read the messages above and run `npm run check` again.'],
    [['fail', 'error'], '1 check failed, 1 could not run: fix them and run `npm run check` again.'],
  ] as const)('ends with a verdict for %j', (statuses, verdict) => {
    const rs = [result({ id: 'ok', kind: 'file.present', title: 'ok', status: 'pass', points: 1, maxPoints: 1 })];
    statuses.forEach((status, i) =>
      rs.push(result({ id: `c${i}`, kind: 'file.text', title: `c${i}`, status, rationale: 'r', reason: 'why' })),
    );
    expect(reporters.pretty(sampleReport(rs), plain).trimEnd().split('\n').at(-1)).toBe(verdict);
  });

  it('shows the due date in the given time zone, and a header without a student', () => {
    const out = reporters.pretty(sampleReport(undefined, { student: undefined }), { ...plain, timeZone: 'America/New_York' });
    expect(out.split('\n').slice(0, 2)).toEqual(['A1 · Getting started with AWS', 'due 2025-09-15 23:59 EDT']);
  });
});

describe('shouldColor', () => {
  it.each([
    [true, {}, true],
    [false, {}, false],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '' }, true],
    [false, { FORCE_COLOR: '1' }, true],
    [false, { FORCE_COLOR: '' }, true],
    [true, { FORCE_COLOR: '0' }, false],
    [false, { NO_COLOR: '1', FORCE_COLOR: '1' }, false],
    [true, { TERM: 'dumb' }, false],
  ])('isTTY=%s env=%j → %s', (isTTY, env, want) => {
    expect(shouldColor({ isTTY }, env)).toBe(want);
  });
});

// ---- json --------------------------------------------------------------------------------------

describe('json', () => {
  it('is the report plus schemaVersion, stacks included', () => {
    const report = sampleReport();
    const parsed = JSON.parse(reporters.json(report, plain));
    expect(parsed).toEqual({ schemaVersion: SCHEMA_VERSION, ...report });
    expect(parsed.results.find((r: CheckResult) => r.status === 'error').stack).toBe(STACK);
  });

  it('writes keys in the documented order, whatever order the report was built in', () => {
    const report = sampleReport();
    const reversed = JSON.parse(JSON.stringify(report), (_k, v) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
    ) as RunReport;
    const out = reporters.json(report, plain);
    expect(reporters.json(reversed, plain)).toBe(out);
    const parsed = JSON.parse(out);
    expect(Object.keys(parsed)).toEqual([
      'schemaVersion',
      'harness',
      'assignment',
      'student',
      'startedAt',
      'durationMs',
      'summary',
      'results',
    ]);
    expect(Object.keys(parsed.results[1])).toEqual([
      'id',
      'kind',
      'title',
      'status',
      'points',
      'maxPoints',
      'extraCredit',
      'rationale',
      'file',
      'line',
      'expected',
      'actual',
      'hint',
      'doc',
      'durationMs',
    ]);
  });

  it('keeps fields it does not know, after the known ones', () => {
    const report = { zeta: 1, ...sampleReport(), alpha: 2 } as RunReport;
    expect(Object.keys(JSON.parse(reporters.json(report, plain))).slice(-2)).toEqual(['alpha', 'zeta']);
  });
});

// ---- junit -------------------------------------------------------------------------------------

function xmllint(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync('xmllint', args, { encoding: 'utf8' });
  if (res.error && (res.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('xmllint is missing: install it with `apt-get install libxml2-utils` (CI installs it).');
  }
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

async function validate(xml: string): Promise<string> {
  const file = path.join(await tempDir({}, 'junit-'), 'report.xml');
  writeFileSync(file, xml);
  const res = xmllint(['--noout', '--schema', XSD, file]);
  expect(res.stderr).toContain('validates');
  expect(res.status).toBe(0);
  return file;
}

// xmllint ends its answer with a newline of its own.
const xpath = (file: string, expr: string) => xmllint(['--xpath', expr, file]).stdout.replace(/\n$/, '');

const fixed: ReporterOptions = { ...plain, hostname: 'ci-runner' };

describe('junit', () => {
  it('validates against JUnit.xsd and maps every status', async () => {
    const xml = reporters.junit(sampleReport(), fixed);
    const file = await validate(xml);
    expect(xpath(file, 'string(//testsuite/@tests)')).toBe('7');
    expect(xpath(file, 'string(//testsuite/@failures)')).toBe('1');
    expect(xpath(file, 'string(//testsuite/@errors)')).toBe('1');
    expect(xpath(file, 'string(//testsuite/@skipped)')).toBe('1');
    expect(xpath(file, 'string(//testsuite/@time)')).toBe('1.234');
    expect(xpath(file, 'string(//testsuite/@timestamp)')).toBe('2025-09-14T17:03:00');
    expect(xpath(file, 'string(//testcase[failure]/@classname)')).toBe('A1.q1-format');
    expect(xpath(file, 'string(//failure/@message)')).toBe('q1.txt does not hold a git remote URL.');
    expect(xpath(file, 'string(//failure)')).toContain('hint: Run `git config');
    expect(xpath(file, 'string(//error)')).toBe(STACK);
    expect(xpath(file, 'string(//skipped/@message)')).toContain('python3 was not found');
    expect(xpath(file, 'count(//testcase[@classname="A1.q2-text"]/*)')).toBe('0');
    expect(xpath(file, 'string(//system-out)')).toContain('warning: A1.q2-text: q2.txt looks like');
  });

  it('is deterministic when the report carries its start time', () => {
    expect(reporters.junit(sampleReport(), fixed)).toBe(reporters.junit(sampleReport(), fixed));
    const noStart = sampleReport(undefined, { startedAt: undefined });
    expect(reporters.junit(noStart, { ...fixed, now: new Date('2026-01-02T03:04:05.678Z') })).toContain('timestamp="2026-01-02T03:04:05"');
  });

  it('escapes and cleans nasty text, and cuts long fields at 2,000 characters', async () => {
    const nasty = `He said "hi" & <b>bye</b> 'x' ]]> tab\there\nnew line\r\u0000\u0007\u001b\uFFFE\uD800 café 日本 🎉`;
    const clean = `He said "hi" & <b>bye</b> 'x' ]]> tab\there\nnew line\r café 日本 🎉`;
    const huge = '🎉'.repeat(1500); // 3,000 UTF-16 units, to test the surrogate-safe cut
    const rs = [
      result({
        id: 'nasty',
        kind: 'file.text',
        title: nasty,
        status: 'fail',
        maxPoints: 1,
        rationale: nasty,
        expected: nasty,
        actual: nasty,
        hint: nasty,
      }),
      result({ id: 'long', kind: 'file.text', title: 'long', status: 'fail', maxPoints: 1, rationale: 'r'.repeat(5000), hint: huge }),
      result({ id: 'warned', kind: 'file.text', title: 'w', status: 'warn', rationale: nasty }),
      result({ id: 'crash', kind: 'x', title: 'c', status: 'error', reason: nasty, stack: `${nasty}\n${'at f\n'.repeat(1000)}` }),
      result({ id: 'skipped', kind: 'x', title: 's', status: 'skip', reason: nasty }),
    ];
    const report = sampleReport(rs, { assignment: { id: 'A1', title: nasty, specHash: '<&>' } });
    const file = await validate(reporters.junit(report, fixed));
    expect(xpath(file, 'string(//failure[../@classname="A1.nasty"]/@message)')).toBe(clean);
    expect(xpath(file, 'string(//skipped/@message)')).toBe(clean);
    expect(xpath(file, 'string(//property[@name="assignment.title"]/@value)')).toBe(clean);
    expect(xpath(file, 'string(//system-out)')).toContain(clean);
    const msg = xpath(file, 'string(//failure[../@classname="A1.long"]/@message)');
    expect(msg.length).toBe(FIELD_LIMIT);
    expect(msg).toMatch(/^r+… \[cut: \d+ more characters\]$/);
    expect(xpath(file, 'string(//failure[../@classname="A1.long"])')).toMatch(/\[cut: \d+ more characters\]$/);
    expect(xpath(file, 'string(//error)')).toMatch(/\[cut: \d+ more characters\]$/);
  });

  it('cuts without splitting a surrogate pair', () => {
    const out = cut('🎉'.repeat(1500));
    expect(out.length).toBeLessThanOrEqual(FIELD_LIMIT);
    expect(out).toMatch(/^(🎉)+… \[cut: \d+ more characters\]$/u);
    expect(cut('short')).toBe('short');
  });

  it('writes one suite per run with ids from 0, and validates with no checks or student', async () => {
    const empty = sampleReport([], { student: undefined, assignment: { id: 'A2', title: 'MapReduce', specHash: 'x' } });
    const file = await validate(junitSuites([sampleReport(), empty], fixed));
    expect(xpath(file, 'count(//testsuite)')).toBe('2');
    expect(xpath(file, 'string(//testsuite[2]/@id)')).toBe('1');
    expect(xpath(file, 'string(//testsuite[2]/@tests)')).toBe('0');
  });
});

// ---- loading reporters -------------------------------------------------------------------------

describe('loadReporter', () => {
  it('returns built-in reporters by name and rejects unknown names', async () => {
    expect(await loadReporter('junit')).toBe(reporters.junit);
    await expect(loadReporter('xml')).rejects.toThrow(UserError);
    await expect(loadReporter('toString')).rejects.toThrow(/no reporter called/);
  });

  it("loads a user's module by path relative to cwd", async () => {
    const dir = await tempDir({
      'my-reporter.mjs':
        'export default (report, opts) => `${report.assignment.id}: ${report.summary.fail} failed, color=${opts.color}\\n`;',
      'nodefault.mjs': 'export const x = 1;',
      'broken.mjs': 'export default (',
      'async.mjs': 'export default async () => "late";',
    });
    const mine = await loadReporter('./my-reporter.mjs', dir);
    expect(mine(sampleReport(), plain)).toBe('A1: 1 failed, color=false\n');
    await expect(loadReporter('./missing.mjs', dir)).rejects.toThrow(/was not found/);
    await expect(loadReporter('./nodefault.mjs', dir)).rejects.toThrow(/no default export/);
    await expect(loadReporter('./broken.mjs', dir)).rejects.toThrow(/could not be loaded/);
    const late = await loadReporter(path.join(dir, 'async.mjs'));
    expect(() => late(sampleReport(), plain)).toThrow(/returned a Promise, not a string/);
  });
});
