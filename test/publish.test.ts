// `harness publish` against a local Canvas written from Canvas's API documentation
// (test/helpers/canvas-server.ts): grades and feedback comments posted through the bulk grade
// update, pages followed, throttling waited out, a dry run that posts nothing, a re-run that posts
// nothing already posted, and what must be left alone left alone. The built CLI runs as a child
// process, with the token only in its environment.
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeOutputs } from '../grader/export/index.js';
import { feedbackMd } from '../grader/export/feedback.js';
import { linkNext } from '../grader/canvas-api.js';
import type { BatchResult, StudentResult } from '../grader/types.js';
import { tempDir } from './helpers/fixture.js';
import { harnessAsync } from './helpers/student.js';
import { FakeCanvas, type FakeStudent } from './helpers/canvas-server.js';

const TOKEN = '7~SECRETtokenVALUE0123456789';
const N = 120;
let canvas: FakeCanvas | undefined;
afterEach(async () => {
  await canvas?.stop();
  canvas = undefined;
});

const netid = (i: number) => `s${String(i).padStart(4, '0')}`;

/** A graded class: most graded, one without a fork, one incomplete; Canvas ids 1000+i. */
function classBatch(): BatchResult {
  const students: StudentResult[] = Array.from({ length: N }, (_, i) => ({
    netid: netid(i),
    name: `Student ${i}`,
    status: 'graded',
    total: 10 + (i % 10),
    canvasId: String(1000 + i),
    results: [
      {
        id: 'q1',
        kind: 'file.present',
        title: 'q1.txt is handed in',
        status: i % 10 === 9 ? 'pass' : 'fail',
        points: 0,
        maxPoints: 0,
        extraCredit: false,
        doc: '',
        durationMs: 0,
        ...(i % 10 !== 9 && { rationale: 'q1.txt is missing.', file: 'q1.txt' }),
      },
    ],
  }));
  students[5] = { ...students[5], status: 'missing fork', reason: 'no repository', total: 0, results: [] };
  students[6] = { ...students[6], status: 'incomplete', reason: '1 check could not run', total: 12 };
  return { assignment: { id: 'A1', title: 'Getting started with AWS', points: 20, specHash: 'x', timezone: 'America/New_York' }, students };
}

async function gradedFolder(batch = classBatch()): Promise<string> {
  const out = await tempDir({}, 'harness-publish-');
  await writeOutputs(batch, out);
  await writeFile(path.join(out, 'batch.json'), JSON.stringify({ ...batch, exportOptions: {} }) + '\n');
  return out;
}

function fake(students: FakeStudent[] = Array.from({ length: N }, (_, i) => ({ id: 1000 + i, name: `Student ${i}`, login_id: netid(i) }))) {
  return new FakeCanvas({
    token: TOKEN,
    course: '77',
    assignment: { id: 98765, name: 'Getting started with AWS', points_possible: 20 },
    students,
    maxPerPage: 50,
  }).start();
}

const publish = (out: string, extra: string[] = [], env: NodeJS.ProcessEnv = { CANVAS_TOKEN: TOKEN }) =>
  harnessAsync(out, ['publish', 'A1', '--out', '.', '--canvas-url', canvas!.url, '--course', '77', '--assignment', '98765', ...extra], env);

const posts = () => canvas!.requests.filter((r) => r.method === 'POST');

describe('harness publish', () => {
  it('a dry run lists what would change and posts nothing', async () => {
    canvas = await fake();
    const out = await gradedFolder();
    const r = await publish(out, ['--dry-run']);
    expect(r.status, r.stderr).toBe(0);
    expect(posts()).toEqual([]);
    expect(r.stdout).toMatch(/^s0000 +grade none → 10, comment \(\d+ bytes\)$/m);
    expect(r.stdout).toMatch(/^s0005 +no work \(missing fork\): left blank/m);
    expect(r.stdout).toMatch(/^s0006 +not graded \(incomplete\): nothing posted$/m);
    expect(r.stdout).toContain(
      'publish: dry run: would post 118 grades and 118 comments to "Getting started with AWS"; nothing was posted',
    );
    expect(existsSync(path.join(out, '.publish'))).toBe(false);
  }, 60_000);

  it('posts grades and feedback comments through the bulk update, following every page, and a re-run posts nothing', async () => {
    canvas = await fake();
    const batch = classBatch();
    const out = await gradedFolder(batch);
    const r = await publish(out);
    expect(r.status, r.stderr).toBe(0);
    // The documented shapes, and nothing else: every request authorised, no 4xx, every page read.
    expect(canvas.problems).toEqual([]);
    expect(canvas.requests.every((q) => q.authorized && q.status === 200)).toBe(true);
    const pages = canvas.requests.filter((q) => q.path.endsWith('/submissions'));
    expect(pages.map((q) => new URLSearchParams(q.query).get('page'))).toEqual([null, '2', '3']);
    expect(new URLSearchParams(pages[0].query).getAll('include[]')).toEqual(['user', 'submission_comments']);
    // 118 students in bulk requests of at most 50: three jobs, each polled until it completed.
    expect(posts().map((p) => new URLSearchParams(p.body).getAll('grade_data[1000][posted_grade]').length + 0)).toHaveLength(3);
    for (const p of posts())
      for (const k of new URLSearchParams(p.body).keys()) expect(k).toMatch(/^grade_data\[\d+\]\[(posted_grade|text_comment)\]$/);
    expect(canvas.student(1000).score).toBe(10);
    expect(canvas.student(1019).score).toBe(19);
    expect(canvas.student(1005).score ?? null).toBe(null); // no work, blank policy
    expect(canvas.student(1006).score ?? null).toBe(null); // incomplete
    expect(canvas.comments.get(1000)!.map((c) => c.comment)).toEqual([feedbackMd(batch, batch.students[0])]);
    expect(r.stdout).toMatch(/publish: posted 118 grades and 118 comments for 118 students/);
    // The token is nowhere but in the requests' headers.
    const ledger = path.join(out, '.publish', readdirSync(path.join(out, '.publish'))[0]);
    for (const text of [r.stdout, r.stderr, await readFile(ledger, 'utf8')]) expect(text).not.toContain(TOKEN);

    const before = canvas.requests.length;
    const again = await publish(out);
    expect(again.status, again.stderr).toBe(0);
    expect(canvas.requests.slice(before).filter((q) => q.method === 'POST')).toEqual([]);
    expect(again.stdout).toMatch(/^s0000 +up to date \(10\)$/m);
    expect(again.stdout).toMatch(/posted 0 grades and 0 comments/);
    expect(canvas.comments.get(1000)).toHaveLength(1);

    // A new pipeline run has no record of the last one: Canvas's own comments keep it from posting twice.
    const { rm } = await import('node:fs/promises');
    await rm(path.join(out, '.publish'), { recursive: true });
    const fresh = await publish(out);
    expect(fresh.status, fresh.stderr).toBe(0);
    expect(fresh.stdout).toMatch(/posted 0 grades and 0 comments/);
    expect(canvas.comments.get(1000)).toHaveLength(1);
  }, 60_000);

  it('after a regrade posts only what changed; leaves a grade changed by hand, and an excused student, alone unless told', async () => {
    canvas = await fake();
    const batch = classBatch();
    const out = await gradedFolder(batch);
    expect((await publish(out)).status).toBe(0);
    canvas.student(1001).score = 20; // the instructor changed s0001's grade in Canvas
    canvas.student(1002).excused = true;
    batch.students[3] = { ...batch.students[3], total: 18 }; // s0003 regraded
    batch.students[1] = { ...batch.students[1], total: 15 };
    batch.students[2] = { ...batch.students[2], total: 16 };
    await writeFile(path.join(out, 'batch.json'), JSON.stringify({ ...batch, exportOptions: {} }) + '\n');
    const before = canvas.requests.length;
    const r = await publish(out);
    expect(r.status, r.stderr).toBe(0);
    const body = new URLSearchParams(canvas.requests.slice(before).find((q) => q.method === 'POST')!.body);
    expect([...new Set([...body.keys()].map((k) => k.match(/\[(\d+)\]/)![1]))]).toEqual(['1003']);
    expect(canvas.student(1003).score).toBe(18);
    expect(canvas.student(1001).score).toBe(20);
    expect(r.stdout).toMatch(
      /^s0001 +Canvas has 20, not posted by publish \(changed there since\): left alone \(--overwrite replaces it with 15\)$/m,
    );
    expect(r.stdout).toMatch(/^s0002 +excused in Canvas: left alone$/m);
    const forced = await publish(out, ['--overwrite', '--missing-work', 'zero']);
    expect(forced.status).toBe(0);
    expect(canvas.student(1001).score).toBe(15);
    expect(canvas.student(1002).score).toBe(12); // excused: left as it was, even so
    expect(canvas.student(1005).score).toBe(0); // no work, zero policy
  }, 60_000);

  it('waits out throttling (403 Rate Limit Exceeded, then 429) and carries on', async () => {
    canvas = await fake();
    const out = await gradedFolder();
    canvas.throttle = 2;
    const r = await publish(out);
    expect(r.status, r.stderr).toBe(0);
    expect(canvas.requests.slice(0, 2).map((q) => q.status)).toEqual([403, 403]);
    expect(canvas.student(1000).score).toBe(10);
    canvas.opts.throttleStatus = 429;
    canvas.throttle = 1;
    canvas.student(1000).score = null;
    await writeFile(path.join(out, '.publish', readdirSync(path.join(out, '.publish'))[0]), '{}');
    const again = await publish(out, ['--dry-run']);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^s0000 +grade none → 10/m);
  }, 60_000);

  it('takes the token from the environment only, and says how to set it', async () => {
    canvas = await fake();
    const out = await gradedFolder();
    const none = await publish(out, [], { CANVAS_TOKEN: '' });
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/no Canvas token: set CANVAS_TOKEN in the environment/);
    const flag = await publish(out, ['--token', TOKEN], {});
    expect(flag.status).toBe(2);
    expect(flag.stderr).toMatch(/publish has no option --token/);
    expect(canvas.requests).toEqual([]);
    const wrong = await publish(out, [], { CANVAS_TOKEN: 'wrong' });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/Canvas: GET .*: 401 Invalid access token\.\n\s+fix: the token is wrong or expired/);
  }, 60_000);

  it('reads the next page from the Link header, whatever the order of its parts', () => {
    expect(
      linkNext(
        '<https://c.edu/api/v1/x?page=1>; rel="current",<https://c.edu/api/v1/x?page=2>; rel="next",<https://c.edu/api/v1/x?page=9>; rel="last"',
      ),
    ).toBe('https://c.edu/api/v1/x?page=2');
    expect(linkNext('<https://c.edu/a?page=3>; rel="next"')).toBe('https://c.edu/a?page=3');
    expect(linkNext('<https://c.edu/a?page=1>; rel="first", <https://c.edu/a?page=1>; rel="last"')).toBeUndefined();
    expect(linkNext(null)).toBeUndefined();
  });
});
