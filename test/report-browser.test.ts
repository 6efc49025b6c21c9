// report.html in a real browser (Debian's headless Chromium): the sorting script runs under the
// page's own Content-Security-Policy, which allows it by its hash and nothing else; a page whose
// script was changed after the hash was taken runs no script at all.
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeOutputs } from '../grader/export/index.js';
import type { BatchResult, StudentResult } from '../grader/types.js';
import { tempDir } from './helpers/fixture.js';

const chromium = spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).stdout.trim();
// The flags that work on these machines as root with no network (no sandbox, no background calls).
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function classOf(n: number): BatchResult {
  const students: StudentResult[] = Array.from({ length: n }, (_, i) => ({
    netid: `s${String(i).padStart(4, '0')}`,
    name: `Student <${i}>`,
    status: i % 17 === 3 ? 'incomplete' : 'graded',
    section: `L0${1 + (i % 3)}`,
    total: 5 + (i % 15),
    late: i % 9 === 2 ? { late: true, minutesLate: 60 * (i % 100), penaltyPercent: 10 } : undefined,
    ...(i === 42 && { leak: 'AKIA************QQ' }),
    results: [
      {
        id: 'q1',
        kind: 'file.lines',
        title: 'q1.txt has a line per key',
        status: i % 4 ? 'pass' : 'fail',
        points: i % 4 ? 4 : 0,
        maxPoints: 4,
        extraCredit: false,
        doc: '',
        durationMs: 0,
        ...(i % 4 ? {} : { code: 'file.lines/blank-lines' }),
      },
    ],
  }));
  return {
    assignment: {
      id: 'A1',
      title: 'Getting started',
      points: 20,
      specHash: 'x',
      checks: [{ id: 'q1', title: 'q1.txt has a line per key', maxPoints: 4 }],
    },
    students,
  };
}

function dumpDom(file: string, profile: string): string {
  const r = spawnSync(chromium, [...FLAGS, `--user-data-dir=${profile}`, '--dump-dom', `file://${file}`], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe.skipIf(!chromium)('report.html in headless Chromium', () => {
  it('runs its sorting script under its own CSP for a 200-student class, and no script whose hash does not match', async () => {
    const out = await tempDir({}, 'harness-report-');
    await writeOutputs(classOf(200), out);
    const file = path.join(out, 'report.html');
    const dom = dumpDom(file, path.join(out, 'profile'));
    expect(dom).toMatch(/<body data-sortable="ready">/);
    expect(dom).toContain('Student &lt;42&gt;');
    expect((dom.match(/<table class="sortable">/g) ?? []).length).toBe(3); // a table per section

    // The same page with its script changed by one character: the CSP refuses it.
    const html = await readFile(file, 'utf8');
    const tampered = path.join(out, 'tampered.html');
    await writeFile(tampered, html.replace("dataset.sortable='ready'", "dataset.sortable='rEady'"));
    const refused = dumpDom(tampered, path.join(out, 'profile'));
    expect(refused).toMatch(/<body>/);
    expect(refused).not.toMatch(/<body data-sortable/);

    const shot = spawnSync(
      chromium,
      [
        ...FLAGS,
        `--user-data-dir=${path.join(out, 'profile')}`,
        '--window-size=1280,1600',
        `--screenshot=${path.join(out, 'report.png')}`,
        `file://${file}`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(shot.status, shot.stderr).toBe(0);
    const png = await readFile(path.join(out, 'report.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1280); // the page rendered at the width asked
  }, 120_000);
});
