// One missing-work policy in both modes: a student with no fork (fork mode) and one with nothing
// in the Canvas download (zip mode) are "without work"; canvas.csv leaves them blank by default
// and writes 0 with --missing-work zero, and the grade command tells them apart from a failure.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { writeForks } from '../scripts/lib/synth-forks.mjs';
import { offlineCourse } from '../scripts/lib/offline-course.mjs';
import { tempDir } from './helpers/fixture.js';
import { CLI, REPO } from './helpers/student.js';

function run(cwd: string, args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CI: '1', INIT_CWD: '', GIT_CONFIG_GLOBAL: '/dev/null' },
  });
  return { code: r.status, stderr: r.stderr };
}

const canvasColumn = (out: string) =>
  Object.fromEntries((parse(readFileSync(path.join(out, 'canvas.csv'), 'utf8')) as string[][]).slice(2).map((r) => [r[3], r[5]]));
const statuses = (out: string) =>
  Object.fromEntries(
    (JSON.parse(readFileSync(path.join(out, 'batch.json'), 'utf8')) as { students: { netid: string; status: string }[] }).students.map(
      (s) => [s.netid, s.status],
    ),
  );

describe('students without work', () => {
  it('are blank in canvas.csv by default and 0 with --missing-work zero, for a fork that is not there and an upload that is not there', async () => {
    const dir = offlineCourse(await tempDir({}, 'harness-nowork-'));
    // Fork mode: s0003's fork does not exist.
    const rows = (await writeForks(path.join(dir, 'forks'), 2)).trim().split('\n');
    rows.push(`s0003,Student s0003,s0003@georgetown.edu,${path.join(dir, 'forks', 's0003.git')}`);
    writeFileSync(path.join(dir, 'roster.csv'), rows.map((r, i) => `${r},${i ? 100 + i : 'Canvas ID'}`).join('\n') + '\n');
    for (const [policy, want] of [
      [[], ''],
      [['--missing-work', 'zero'], '0'],
    ] as const) {
      const out = path.join(dir, `forks-${want || 'blank'}`);
      const r = run(dir, ['grade', 'A1', '--roster', 'roster.csv', '--out', out, '--quiet', ...policy]);
      expect(r.code, r.stderr).toBe(0);
      expect(statuses(out).s0003).toBe('missing fork');
      expect(canvasColumn(out)).toMatchObject({ s0003: want });
      expect(Number(canvasColumn(out).s0001)).toBeGreaterThan(0);
    }

    // Zip mode: uploads (Canvas-named) from s0001 and s0002; nothing from s0003.
    const dl = path.join(dir, 'download');
    mkdirSync(dl);
    const answers = path.join(REPO, 'examples', 'A1-student');
    for (const [i, id] of ['s0001', 's0002'].entries()) {
      const z = spawnSync('zip', [
        '-q',
        '-j',
        path.join(dl, `student${id}_${101 + i}_${900 + i}_${id}-A1.zip`),
        ...['q1.txt', 'q2.txt', 'q3.txt', 'q4.txt', 'q5.txt', 'q6-malfunctions.txt', 'q7.txt'].map((f) => path.join(answers, f)),
      ]);
      expect(z.status).toBe(0);
    }
    for (const [policy, want] of [
      [[], ''],
      [['--missing-work', 'zero'], '0'],
    ] as const) {
      const out = path.join(dir, `zips-${want || 'blank'}`);
      const r = run(dir, ['grade', 'A1', '--zips', dl, '--roster', 'roster.csv', '--out', out, '--quiet', ...policy]);
      expect(r.code, r.stderr).toBe(0);
      expect(statuses(out)).toEqual({ s0001: 'graded', s0002: 'graded', s0003: 'no upload' });
      expect(canvasColumn(out)).toMatchObject({ s0003: want });
      expect(readFileSync(path.join(out, 'feedback', 's0003.md'), 'utf8')).toContain(
        'Nothing from you was in the Canvas submissions for this assignment',
      );
    }
    // A bad policy is the instructor's mistake: one line, exit 2, nothing graded.
    const bad = run(dir, ['grade', 'A1', '--roster', 'roster.csv', '--out', path.join(dir, 'bad'), '--missing-work', 'maybe']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --missing-work maybe is not blank or zero/);
  }, 120_000);
});
