import { describe, expect, it } from 'vitest';
import { runChecks, summarize } from '../lib/engine.js';
import { Semaphore } from '../lib/util/semaphore.js';
import { Advice, Failure, Skip } from '../lib/errors.js';
import { defineKind, type CheckKind } from '../lib/checks/kind.js';
import type { CheckSpec, Spec } from '../lib/types.js';
import { tempDir, testCourse } from './helpers/fixture.js';

// Fake kinds: the engine's behaviour, apart from any real check.
const events: string[] = [];
const fake = (kind: string, run: CheckKind['run'], extra: Partial<CheckKind> = {}) =>
  defineKind({ kind, title: () => `fake ${kind}`, params: {}, run, ...extra });
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- kinds of any params, as the registry holds them
const kinds = new Map<string, CheckKind<any>>([
  [
    'ok',
    fake('ok', async (ctx) => {
      events.push(`start ${ctx.check.id}`);
      await new Promise((r) => setTimeout(r, 20));
      events.push(`end ${ctx.check.id}`);
    }),
  ],
  [
    'fail',
    fake('fail', async () => {
      throw new Failure({ rationale: 'wrong', hint: 'fix it', partial: 0.5 });
    }),
  ],
  [
    'advice',
    fake('advice', async () => {
      throw new Advice({ rationale: 'consider this' });
    }),
  ],
  [
    'skip',
    fake('skip', async () => {
      throw new Skip('python3 was not found');
    }),
  ],
  [
    'crash',
    fake('crash', async () => {
      throw new TypeError('boom');
    }),
  ],
  ['hang', fake('hang', () => new Promise(() => {}))],
  ['who', fake('who', async () => {}, { needsIdentity: true })],
]);

function spec(checks: Partial<CheckSpec>[]): Spec {
  return {
    id: 'T1',
    title: 'T',
    timezone: 'UTC',
    points: 0,
    files: { required: [], optional: [] },
    dir: '/tmp',
    file: '/tmp/assignment.yaml',
    hash: 'h',
    checks: checks.map((c, i) => ({
      id: `c${i}`,
      kind: 'ok',
      points: 1,
      dependsOn: [],
      severity: 'error',
      timeout: 5,
      extraCredit: false,
      params: {},
      ...c,
    })),
  };
}
const run = (s: Spec, extra = {}) => runChecks(s, { course: testCourse(), kinds, ...extra });
const statuses = (rs: { id: string; status: string }[]) => rs.map((r) => [r.id, r.status]);

describe('engine', () => {
  it('keeps the five statuses apart and scores partial credit', async () => {
    const rs = await run(
      spec([
        { id: 'a' },
        { id: 'b', kind: 'fail', points: 4 },
        { id: 'c', kind: 'advice', points: 2 },
        { id: 'd', kind: 'skip' },
        { id: 'e', kind: 'crash' },
      ]),
    );
    expect(statuses(rs)).toEqual([
      ['a', 'pass'],
      ['b', 'fail'],
      ['c', 'warn'],
      ['d', 'skip'],
      ['e', 'error'],
    ]);
    expect(rs.map((r) => r.points)).toEqual([1, 2, 2, 0, 0]);
    expect(rs[1]).toMatchObject({ rationale: 'wrong', hint: 'fix it' });
    expect(rs[3].reason).toBe('python3 was not found');
    expect(rs[4].reason).toContain('boom');
    expect(rs[4].stack).toContain('TypeError');
    expect(summarize(rs)).toMatchObject({ pass: 1, fail: 1, warn: 1, skip: 1, error: 1, points: 5, maxPoints: 9 });
  });

  it('skips dependents of a failed check, with the reason, and propagates skip causes', async () => {
    const rs = await run(
      spec([
        { id: 'a', kind: 'fail' },
        { id: 'b', dependsOn: ['a'] },
        { id: 's', kind: 'skip' },
        { id: 't', dependsOn: ['s'] },
        { id: 'u', dependsOn: ['t'] },
      ]),
    );
    expect(statuses(rs)).toEqual([
      ['a', 'fail'],
      ['b', 'skip'],
      ['s', 'skip'],
      ['t', 'skip'],
      ['u', 'skip'],
    ]);
    expect(rs[1].reason).toMatch(/needs "fake fail" \(a\), which did not pass/);
    expect(rs[4].reason).toBe('python3 was not found');
  });

  it('a severity-warn failure costs nothing and does not block dependents', async () => {
    const rs = await run(
      spec([
        { id: 'w', kind: 'fail', severity: 'warn', points: 0 },
        { id: 'x', dependsOn: ['w'] },
      ]),
    );
    expect(statuses(rs)).toEqual([
      ['w', 'warn'],
      ['x', 'pass'],
    ]);
    expect(rs[0]).toMatchObject({ points: 0, maxPoints: 0 });
  });

  it('runs independent checks concurrently and dependents after their dependencies', async () => {
    events.length = 0;
    await run(spec([{ id: 'a' }, { id: 'b' }, { id: 'c', dependsOn: ['a', 'b'] }]));
    expect(events.slice(0, 2).sort()).toEqual(['start a', 'start b']);
    expect(events.indexOf('start c')).toBeGreaterThan(events.indexOf('end a'));
    expect(events.indexOf('start c')).toBeGreaterThan(events.indexOf('end b'));
  });

  it('times out a hanging check as an error without stopping the run', async () => {
    const t0 = Date.now();
    const rs = await run(spec([{ id: 'h', kind: 'hang', timeout: 0.2 }, { id: 'a' }]));
    expect(statuses(rs)).toEqual([
      ['h', 'error'],
      ['a', 'pass'],
    ]);
    expect(rs[0].reason).toMatch(/0.2s time limit/);
    // The watchdog waits 2 s past the limit, for kinds that stop themselves to say why first.
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('skips identity checks when user.cfg is unusable', async () => {
    const rs = await run(spec([{ id: 'w', kind: 'who' }]), { identityProblem: 'user.cfg not found' });
    expect(rs[0]).toMatchObject({ status: 'skip', reason: 'needs a valid user.cfg (user.cfg not found)' });
  });

  it('--only runs the named checks and what they depend on', async () => {
    const rs = await run(spec([{ id: 'a' }, { id: 'b', dependsOn: ['a'] }, { id: 'c' }]), { only: ['b'] });
    expect(rs.map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('extra credit counts apart from the total', async () => {
    const rs = await run(
      spec([
        { id: 'a', points: 3 },
        { id: 'x', points: 1, extraCredit: true },
      ]),
    );
    expect(summarize(rs)).toMatchObject({ points: 3, maxPoints: 3, extraCreditPoints: 1 });
  });

  it('the semaphore never runs more than its limit', async () => {
    const sem = new Semaphore(2);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        sem.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 5));
          active--;
        }),
      ),
    );
    expect(peak).toBe(2);
  });

  it('real kinds run against a real folder', async () => {
    const dir = await tempDir({ 'q1.txt': 'hello\n' });
    const s = spec([
      { id: 'p', kind: 'file.present', params: { file: 'q1.txt' } },
      { id: 'm', kind: 'file.present', params: { file: 'q2.txt' } },
    ]);
    s.dir = dir;
    s.files.required = ['q1.txt', 'q2.txt'];
    const rs = await runChecks(s, { course: testCourse() });
    expect(statuses(rs)).toEqual([
      ['p', 'pass'],
      ['m', 'fail'],
    ]);
    expect(rs[1].rationale).toMatch(/q2\.txt/);
  });
});
