// The batch exporters: grades.csv and canvas.csv read back with a CSV parser, results.json checked
// against our JSON Schema of Gradescope's format, feedback that keeps hidden checks hidden, and a
// report.html that loads nothing from outside and escapes what students typed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { feedbackMd, writeOutputs } from '../grader/export/index.js';
import { lateText } from '../grader/export/common.js';
import { histogram } from '../grader/export/html.js';
import type { CheckResult } from '../lib/types.js';
import type { BatchResult, StudentResult } from '../grader/types.js';
import { tempDir } from './helpers/fixture.js';

const SECRET_TITLE = 'bucket policy denies s3:DeleteObject';

function check(id: string, status: CheckResult['status'], points: number, max: number, extra: Partial<CheckResult> = {}): CheckResult {
  return {
    id,
    kind: 'file-exists',
    title: `Title of ${id}`,
    status,
    points,
    maxPoints: max,
    extraCredit: false,
    doc: `docs/${id}.md`,
    durationMs: 1,
    ...extra,
  };
}

function student(netid: string, name: string, over: Partial<StudentResult> = {}): StudentResult {
  return { netid, name, status: 'graded', results: [], total: 0, ...over };
}

function sampleBatch(): BatchResult {
  const hiddenFail = check('h1', 'fail', 0, 2, {
    title: SECRET_TITLE,
    rationale: 'The policy in policy.json allows s3:DeleteObject.',
    hint: 'Add a Deny statement for s3:DeleteObject.',
  });
  return {
    assignment: {
      id: 'A1',
      title: 'Getting started',
      points: 10,
      specHash: 'abc',
      checks: [
        { id: 'q1', title: 'q1.txt exists', maxPoints: 3 },
        { id: 'q2', title: 'q2.csv has the right columns', maxPoints: 5 },
        { id: 'h1', title: SECRET_TITLE, maxPoints: 2, hidden: true },
      ],
    },
    students: [
      student('zz999', 'Zed, "Quote", Comma', {
        results: [check('q1', 'pass', 3, 3), check('q2', 'pass', 5, 5), check('h1', 'pass', 2, 2, { title: SECRET_TITLE })],
        total: 10,
        commit: 'a'.repeat(40),
        choice: 'collected',
        commitTime: '2024-01-20T23:00:00Z',
        canvasId: '1001',
      }),
      student('qz417', "José O'Brien-Smith", {
        results: [
          check('q1', 'pass', 3, 3),
          check('q2', 'fail', 0, 5, {
            rationale: 'q2.csv has 2 columns, not 3.',
            hint: 'Add the `count` column.',
            expected: 'a,b,c',
            actual: 'a,b ```',
          }),
          hiddenFail,
        ],
        total: 2.7,
        commit: 'b'.repeat(40),
        choice: 'date-based',
        commitTime: '2024-01-21T10:00:00Z',
        late: { late: true, minutesLate: 600, penaltyPercent: 10 },
        sisLoginId: 'qz417',
        section: 'L01',
      }),
      student('ab123', '<script>alert(1)</script>', {
        status: 'clone failed',
        reason: 'repository not found <img src=x>',
        total: 0,
        canvasId: '1003',
      }),
      student('cd456', '=HYPERLINK("http://evil")', { status: 'error', reason: 'check q2 crashed', total: 0 }),
      student('ef789', 'Missing Person', { status: 'missing fork', reason: 'no fork at file:///nowhere', total: 0 }),
    ],
  };
}

async function exportSample(opts = { canvasAssignmentId: '4242' }) {
  const out = await tempDir();
  const files = await writeOutputs(sampleBatch(), out, opts);
  return { out, files, read: (rel: string) => readFile(path.join(out, rel), 'utf8') };
}

describe('grades.csv and canvas.csv', () => {
  it('grades.csv reads back: one row per student sorted by NetID, points per check, status', async () => {
    const { read } = await exportSample();
    const text = await read('grades.csv');
    expect(text).toContain('\r\n');
    const rows: string[][] = parse(text);
    expect(rows[0]).toEqual([
      'NetID',
      'Name',
      'Commit',
      'Chosen by',
      'Commit time',
      'Late',
      'Minutes late',
      'Penalty %',
      'q1 (3)',
      'q2 (5)',
      'h1 (2)',
      'Total',
      'Status',
      'Reason',
      'Leaked secret',
    ]);
    expect(rows.slice(1).map((r) => r[0])).toEqual(['ab123', 'cd456', 'ef789', 'qz417', 'zz999']);
    const lw = rows.find((r) => r[0] === 'qz417')!;
    expect(lw.slice(1, 13)).toEqual([
      "José O'Brien-Smith",
      'b'.repeat(40),
      'last commit at or before the deadline',
      '2024-01-21T10:00:00Z',
      'yes',
      '600',
      '10',
      '3',
      '0',
      '0',
      '2.7',
      'graded',
    ]);
    expect(rows.find((r) => r[0] === 'zz999')![1]).toBe('Zed, "Quote", Comma');
    expect(rows.find((r) => r[0] === 'ab123')!.slice(11)).toEqual(['0', 'clone failed', 'repository not found <img src=x>', '']);
    expect(rows.find((r) => r[0] === 'cd456')![12]).toBe('error: check q2 crashed');
    // A name that a spreadsheet would run as a formula stays text.
    expect(rows.find((r) => r[0] === 'cd456')![1]).toBe('\'=HYPERLINK("http://evil")');
  });

  it("canvas.csv is Canvas's import layout with a Points Possible row", async () => {
    const { read } = await exportSample();
    const rows: string[][] = parse(await read('canvas.csv'));
    expect(rows[0]).toEqual(['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section', 'Getting started (4242)']);
    expect(rows[1]).toEqual(['Points Possible', '', '', '', '', '10']);
    const by = Object.fromEntries(rows.slice(2).map((r) => [r[3], r]));
    expect(by.zz999).toEqual(['Zed, "Quote", Comma', '1001', '', 'zz999', '', '10']);
    expect(by.qz417).toEqual(["José O'Brien-Smith", '', '', 'qz417', 'L01', '2.7']);
    // By default a student without work is left blank (an excused or hand-entered grade in Canvas
    // survives), and so is a student we failed to grade: never a silent zero.
    expect(by.ef789[5]).toBe('');
    expect(by.ab123[5]).toBe('');
    expect(by.cd456[5]).toBe('');
  });

  it('the missing-work policy zero writes 0 for students without work, and only for them', async () => {
    for (const status of ['missing fork', 'no upload'] as const) {
      const batch = sampleBatch();
      batch.students.find((s) => s.netid === 'ef789')!.status = status;
      const out = await tempDir();
      await writeOutputs(batch, out, { canvasAssignmentId: '4242', missing: 'zero' });
      const by = Object.fromEntries(
        (parse(await readFile(path.join(out, 'canvas.csv'), 'utf8')) as string[][]).slice(2).map((r) => [r[3], r[5]]),
      );
      expect(by, status).toEqual({ zz999: '10', qz417: '2.7', ab123: '', cd456: '', ef789: '0' });
    }
  });

  it('without an assignment id the column is the bare title', async () => {
    const out = await tempDir();
    await writeOutputs(sampleBatch(), out, { title: 'A1, part one' });
    const rows: string[][] = parse(await readFile(path.join(out, 'canvas.csv'), 'utf8'));
    expect(rows[0][5]).toBe('A1, part one');
  });
});

describe('gradescope results.json', () => {
  it('every file validates against our schema; hidden checks are masked and after_published', async () => {
    const { out } = await exportSample();
    const schema = JSON.parse(await readFile(path.join(__dirname, '../grader/export/gradescope.schema.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
    const dirs = (await readdir(path.join(out, 'gradescope'))).sort();
    // Graded students only: a score written for a student we could not grade would be a grade.
    expect(dirs).toEqual(['qz417', 'zz999']);
    for (const d of dirs) {
      const json = JSON.parse(await readFile(path.join(out, 'gradescope', d, 'results.json'), 'utf8'));
      expect(validate(json), `${d}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    const lw = JSON.parse(await readFile(path.join(out, 'gradescope/qz417/results.json'), 'utf8'));
    expect(lw.score).toBe(2.7);
    expect(lw.tests.map((t: { number: string }) => t.number)).toEqual(['1.1', '1.2', '2.1']);
    expect(lw.tests[2]).toMatchObject({ name: 'Hidden check 1', score: 0, max_score: 2, visibility: 'after_published' });
    expect(JSON.stringify(lw)).not.toContain('DeleteObject');
    expect(lw.tests[1].output).toContain('q2.csv has 2 columns');
    expect(lw.output).toContain(
      'Late by 10 hours, past the deadline and any grace: 10% of your score was taken off, 3 → 2.7 of 10 points.',
    );
    // Gradescope shows a test without `status` as passed when score >= max_score: every test says.
    expect(lw.tests.map((t: { status: string }) => t.status)).toEqual(['passed', 'failed', 'failed']);
    expect(lw.output_format).toBe('text');
    expect(lw.tests.every((t: { output_format: string }) => t.output_format === 'text')).toBe(true);
    expect(await readFile(path.join(out, 'feedback/ab123.md'), 'utf8')).toContain('We could not clone your fork: repository not found');
  });

  it('the schema rejects what Gradescope would not understand', async () => {
    const schema = JSON.parse(await readFile(path.join(__dirname, '../grader/export/gradescope.schema.json'), 'utf8'));
    const validate = new Ajv({ strict: true }).compile(schema);
    expect(validate({ tests: [{ score: 1, max_score: 1, number: 1 }] })).toBe(false);
    expect(validate({ tests: [{ score: 1, visibility: 'secret' }] })).toBe(false);
    expect(validate({ scroe: 3 })).toBe(false);
    expect(validate({ score: 3, tests: [{ score: 1, max_score: 2, name: 'x', number: '1.2', output: '', visibility: 'hidden' }] })).toBe(
      true,
    );
  });
});

describe('feedback', () => {
  it("shows a hidden check's outcome and points but never what it tests", async () => {
    const { read } = await exportSample();
    const md = await read('feedback/qz417.md');
    expect(md).toContain('Hidden check 1 (0/2 points)');
    expect(md).toContain('This hidden check failed');
    expect(md).not.toContain('DeleteObject');
    expect(md).not.toContain('Deny statement');
    // The visible failure: rationale, hint, points, a fence longer than the backticks inside.
    expect(md).toContain('q2.csv has 2 columns, not 3.');
    expect(md).toContain('**How to fix it:** Add the `count` column.');
    expect(md).toContain('(0/5 points)');
    expect(md).toContain('````\na,b ```\n````');
    expect(md).toContain('- Late by 10 hours, past the deadline and any grace: 10% of your score was taken off, 3 → 2.7 of 10 points.');
    expect(md).toContain('**Total: 2.7/10**');
    const zz = await read('feedback/zz999.md');
    expect(zz).toContain('- Hidden check 1: passed (2/2 points)');
    expect(zz).not.toContain('DeleteObject');
  });

  it('explains why a student could not be graded', async () => {
    const { read } = await exportSample();
    expect(await read('feedback/ab123.md')).toContain('We could not clone your fork: repository not found `<img src=x>`.');
    expect(await read('feedback/ef789.md')).toContain('We could not find your fork: no fork at file:///nowhere.');
  });
});

describe('report.html', () => {
  it('is self-contained, has the histogram and rates worst first, and escapes student strings', async () => {
    const { read } = await exportSample();
    const html = await read('report.html');
    // One inline script (sorting), allowed by its hash and by nothing else.
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts).toHaveLength(1);
    expect(html.match(/<script/g)).toHaveLength(1);
    const hash = createHash('sha256').update(scripts[0]).digest('base64');
    expect(html).toContain(`script-src 'sha256-${hash}'`);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('repository not found &lt;img src=x&gt;');
    expect(html).not.toMatch(/\s(src|href)\s*=\s*["']?(https?:|\/\/)/i);
    expect(html).not.toMatch(/<link\b|@import|url\(/i);
    expect(html).toMatch(/<svg id="histogram"[^>]*>.*<rect/s);
    expect(html).toContain("default-src 'none'");
    // q2 and h1 failed for 1 of 2 graded students, q1 for none: worst first, spec order on ties.
    const checks = html.match(/<table id="checks-table".*?<\/table>/s)![0];
    const order = [...checks.matchAll(/<tr><td>(q1|q2|h1)\b/g)].map((m) => m[1]);
    expect(order).toEqual(['q2', 'h1', 'q1']);
    expect(checks).toContain('1 × <code>file-exists/failed</code>');
    expect(html).toMatch(/Could not be graded \(3\)/);
    expect(html).toMatch(/Late submissions \(1\)/);
    // Lateness in days and hours, with a chart.
    expect(html).toContain('10 hours');
    expect(html).toMatch(/<svg id="lateness"/);
    // A row per student (qz417 is in section L01, the others in none: a table each).
    const rows = html.match(/<h2 id="students">.*?<h2 id="broken">/s)![0];
    expect([...rows.matchAll(/<tr><td>(\w+)/g)].map((m) => m[1])).toEqual(['ab123', 'cd456', 'ef789', 'zz999', 'qz417']);
    // Tags balance: a crude but real structure check.
    for (const tag of ['table', 'tr', 'svg', 'h2', 'p', 'ul', 'div'])
      expect((html.match(new RegExp(`<${tag}[ >]`, 'g')) ?? []).length, tag).toBe((html.match(new RegExp(`</${tag}>`, 'g')) ?? []).length);
  });

  it('calls out leaked keys and incomplete students at the top, lists incomplete students first, and says when a check was skipped', async () => {
    const batch = sampleBatch();
    const lw = batch.students.find((s) => s.netid === 'qz417')!;
    lw.leak = 'AKIA…MPLE';
    batch.students.push(
      student('aa000', 'Inge Complete', {
        status: 'incomplete',
        reason: '1 check could not run: q2 (a time limit passed); grade again to retry them',
        results: [check('q1', 'skip', 0, 3, { reason: 'not judged' })],
      }),
    );
    // q1 skipped for one graded student: "skipped for 1" beside its rate. A check skipped for every
    // graded student (the grader cannot judge it) is named below the table, not "0% failed".
    batch.students.find((s) => s.netid === 'zz999')!.results[0] = check('q1', 'skip', 0, 3, { reason: 'optional file not handed in' });
    batch.assignment.checks!.push({ id: 'acct', title: 'Your AWS account', maxPoints: 0 });
    for (const s of batch.students)
      if (s.status === 'graded') s.results.push(check('acct', 'skip', 0, 0, { reason: 'not judged by the grader', notJudged: true }));
    const out = await tempDir();
    await writeOutputs(batch, out);
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    const top = html.slice(0, html.indexOf('<h2'));
    expect(top).toContain('id="leaks"');
    expect(top).toContain('qz417');
    expect(top).toContain('AKIA…MPLE');
    expect(top).toContain('id="incomplete"');
    expect(top).toContain('aa000');
    const q1 = html.match(/<tr><td>q1<\/td>.*?<\/tr>/)![0];
    expect(q1).toContain('0/1');
    expect(q1).toContain('skipped for 1');
    expect(html).not.toMatch(/<tr><td>acct</);
    expect(html).toMatch(/Skipped for every graded student \(1\): <code>acct<\/code>/);
    const rows = html.match(/<h2 id="students">.*?<\/table>/s)![0];
    expect([...rows.matchAll(/<tr><td>(\w+)/g)].map((m) => m[1])[0]).toBe('aa000');
  });

  it('has a view per section when the roster has sections', async () => {
    const batch = sampleBatch();
    batch.students.forEach((s, i) => (s.section = i % 2 ? 'L02' : 'L01'));
    const out = await tempDir();
    await writeOutputs(batch, out);
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('<h2 id="sections">Sections (2)</h2>');
    expect(html).toMatch(/<h3 id="section-L01">L01 \(3\)<\/h3>/);
    expect(html).toMatch(/<h3 id="section-L02">L02 \(2\)<\/h3>/);
  });

  it('parses cleanly: the page with xmllint --html, the chart as well-formed SVG XML', async () => {
    const { out, read } = await exportSample();
    const html = await read('report.html');
    const page = spawnSync('xmllint', ['--html', '--noout', path.join(out, 'report.html')], { encoding: 'utf8' });
    // libxml2's HTML 4 parser does not know SVG element names; anything else is a real error.
    const real = page.stderr.split('\n').filter((l) => /error/.test(l) && !/Tag (svg|line|rect|text|title|nav) invalid/.test(l));
    expect(page.status).toBe(0);
    expect(real).toEqual([]);
    const svg = html.match(/<svg id="histogram".*?<\/svg>/s)![0];
    const xml = spawnSync('xmllint', ['--noout', '-'], { input: svg, encoding: 'utf8' });
    expect(xml.stderr).toBe('');
    expect(xml.status).toBe(0);
    expect(svg.match(/<rect /g)).toHaveLength(10);
  });

  it('histogram bins totals in tenths, extra credit in the last bin', () => {
    expect(histogram([0, 0.9, 1, 5, 9.99, 10, 12], 10)).toEqual([2, 1, 0, 0, 0, 1, 0, 0, 0, 3]);
  });
});

describe('determinism', () => {
  it('the same batch gives the same bytes, whatever the input order', async () => {
    const a = await exportSample();
    const b = await tempDir();
    const batch = sampleBatch();
    batch.students.reverse();
    const files = await writeOutputs(batch, b, { canvasAssignmentId: '4242' });
    expect(files.length).toBe(3 + 5 + 2); // class files, feedback for all five, Gradescope for the two graded
    for (const f of a.files) {
      const rel = path.relative(a.out, f);
      expect(await readFile(path.join(b, rel), 'utf8'), rel).toBe(await readFile(f, 'utf8'));
    }
    // No temp files left behind by the atomic writes.
    expect((await readdir(b)).filter((n) => n.startsWith('.harness-tmp-'))).toEqual([]);
  });
});

describe('hidden checks marked only on results', () => {
  it('a result marked hidden is masked even without a checks header', async () => {
    const batch = sampleBatch();
    delete batch.assignment.checks;
    for (const s of batch.students) for (const r of s.results) if (r.id === 'h1') r.hidden = true;
    const out = await tempDir();
    await writeOutputs(batch, out);
    const md = await readFile(path.join(out, 'feedback/qz417.md'), 'utf8');
    expect(md).toContain('Hidden check 1 (0/2 points)');
    expect(md).not.toContain('DeleteObject');
    expect(await readFile(path.join(out, 'gradescope/qz417/results.json'), 'utf8')).not.toContain('DeleteObject');
  });
});

describe('self-reported evidence', () => {
  it("shows what the student's own submit recorded, including checks the grader could not re-run, unscored", async () => {
    const batch = sampleBatch();
    const s = batch.students[0];
    s.results.push(check('aws-identity', 'skip', 0, 0, { reason: 'not re-run by the grader' }));
    s.selfReported = {
      harness: '0.1.0',
      git: { commit: 'c'.repeat(40), dirty: false },
      results: [
        { id: 'q1', status: 'pass' },
        { id: 'aws-identity', status: 'pass' },
      ],
      summary: { pass: 2, fail: 0, points: 3, maxPoints: 10 },
    };
    const dir = await tempDir();
    await writeOutputs(batch, dir, {});
    const md = await readFile(path.join(dir, 'feedback', 'zz999.md'), 'utf8');
    expect(md).toContain('## What your own check reported');
    expect(md).toMatch(/commit `cccccccccccc`/);
    expect(md).toMatch(/not scored/);
    expect(md).toMatch(/- aws-identity: pass/);
    expect(md).not.toMatch(/- q1: pass/); // the grader judged q1 itself
    expect(md).toMatch(/\*\*Total: 10\/10\*\*/); // unchanged by what the student reported
    const other = await readFile(path.join(dir, 'feedback', 'qz417.md'), 'utf8');
    expect(other).not.toContain('What your own check reported');
  });
});

describe('feedback as a student reads it', () => {
  function batchOf(s: StudentResult): BatchResult {
    return {
      assignment: {
        id: 'A1',
        title: 'Getting started',
        points: 10,
        specHash: 'x',
        timezone: 'America/New_York',
        checks: [
          { id: 'q3-present', title: 'q3.txt is there', maxPoints: 1 },
          { id: 'q5', title: 'q5.txt has a line per key', maxPoints: 4 },
          { id: 'committed', title: 'Your answer files are committed', maxPoints: 0 },
        ],
      },
      students: [s],
    };
  }
  const leaky = () =>
    student('qz417', 'Quinn Zhao', {
      commit: 'c'.repeat(40),
      choice: 'later',
      commitTime: '2017-01-22T15:30:00Z',
      total: 7,
      leak: 'AKIA…MPLE',
      late: { late: true, minutesLate: 2 * 1440 + 185, penaltyPercent: 30 },
      attempts: [
        { commit: 'd'.repeat(40), commitTime: '2017-01-20T20:00:00Z', score: 5, penaltyPercent: 0, total: 5, chosen: false },
        { commit: 'c'.repeat(40), commitTime: '2017-01-22T15:30:00Z', score: 10, penaltyPercent: 30, total: 7, chosen: true },
      ],
      results: [
        check('q3-present', 'fail', 0, 1, {
          kind: 'file.present',
          rationale: 'q3.txt is missing.',
          hint: 'Create q3.txt in the assignment folder and commit it.',
          file: 'q3.txt',
        }),
        check('q5', 'fail', 1, 4, {
          kind: 'file.lines',
          code: 'file.lines/blank-lines',
          rationale: 'Line 2 of q5.txt is blank; name it <NetID>-A1.zip & go.',
          hint: "Delete the blank lines: sed -i '/^$/d' q5.txt",
        }),
        check('committed', 'fail', 0, 0, {
          kind: 'git.committed',
          rationale: 'q3.txt and q5.txt are not committed to git.',
          hint: 'Commit them: git add q3.txt q5.txt && git commit -m "Add my answers" && git push',
          file: 'q3.txt',
        }),
      ],
    });

  it('puts the score and what to fix first at the top, and names the commit graded in the course time zone', () => {
    const md = feedbackMd(batchOf(leaky()), leaky());
    const lines = md.split('\n');
    expect(lines.findIndex((l) => l.startsWith('**Score: 7/10**'))).toBeLessThan(6);
    expect(md).toContain('**Score: 7/10** (after a 30% late penalty)');
    // q5 lost 3 points, q3 one: q5 first.
    expect(md).toContain("**Fix first:** Title of q5 (3 points): Delete the blank lines: `sed -i '/^$/d' q5.txt`");
    expect(md).toContain('**Deactivate this key now:** `AKIA…MPLE`');
    // 15:30 UTC on 22 January is 10:30 in New York (EST).
    expect(md).toContain(
      'Graded commit `cccccccccccc`, made 2017-01-22 10:30 EST: it is your latest commit, graded with its late penalty because that scores more.',
    );
    expect(md).toContain(
      'Your later commit `cccccccccccc` (2017-01-22 10:30 EST) scored 10 before its 30% late penalty, 7 after; your on-time commit `dddddddddddd` (2017-01-20 15:00 EST) scored 5.',
    );
    expect(md).toContain('Late by 2 days 3 hours');
    expect(md).not.toMatch(/minutes/);
  });

  it('counts the points a failure blocks (checks skipped behind it) when choosing what to fix first', () => {
    const s = leaky();
    s.results.push(
      check('q3-text', 'skip', 0, 3, { kind: 'file.text', reason: 'needs "q3.txt is there" (q3-present), which did not pass' }),
    );
    const b = batchOf(s);
    b.assignment.checks!.push({ id: 'q3-text', title: 'q3.txt is text', maxPoints: 3 });
    expect(feedbackMd(b, s)).toContain('**Fix first:** Title of q3-present (4 points): Create q3.txt');
  });

  it('writes no HTML entities, puts commands in code spans, and hints only at files that exist', () => {
    const md = feedbackMd(batchOf(leaky()), leaky());
    expect(md).not.toMatch(/&(lt|gt|amp|quot|#\d+);/);
    expect(md).toContain('`<NetID>-A1.zip`');
    // The commit hint no longer asks to add q3.txt, which was never handed in.
    expect(md).toContain('**How to fix it:** Commit them: `git add q5.txt && git commit -m "Add my answers" && git push`');
    expect(md).not.toMatch(/git add q3\.txt/);
    const only = leaky();
    only.results[2].hint = 'Commit them: git add q3.txt && git commit -m "Add my answers" && git push';
    expect(feedbackMd(batchOf(only), only)).toContain(
      '**How to fix it:** First hand in q3.txt (see its own check above); then commit and push it.',
    );
  });

  it('lateness under an hour is in minutes, else days and hours', () => {
    expect(lateText({ minutesLate: 12 })).toBe('12 minutes');
    expect(lateText({ minutesLate: 60 })).toBe('1 hour');
    expect(lateText({ minutesLate: 1441 })).toBe('1 day');
    expect(lateText({ minutesLate: 1500 })).toBe('1 day 1 hour');
    expect(lateText({ minutesLate: 2 * 1440 })).toBe('2 days');
    expect(lateText({ minutesLate: 5201195 })).toBe('3611 days 22 hours');
    // Canvas's LATE mark carries no time: the cell says so rather than a made-up duration.
    expect(lateText({ minutesLate: 1440, flagOnly: true })).toBe('marked late by Canvas');
  });
});
