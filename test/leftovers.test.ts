// What a killed harness leaves behind: never anything `git add -A` would stage, and nothing the
// next run does not sweep. Real runs of the built CLI, killed with SIGKILL mid-work.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { CLI, harness, REPO } from './helpers/student.js';
import { tempDir } from './helpers/fixture.js';
import { processAlive, sweepStale, TMP_PREFIX } from '../lib/util/tmpfiles.js';
import { probeSandbox } from '../lib/run/sandbox.js';

const ENV = { NO_COLOR: '1', INIT_CWD: '', npm_lifecycle_event: '', GIT_CONFIG_GLOBAL: '/dev/null' };

/** A course repository (git, the real .gitignore) holding one assignment T1 with `files`. */
async function course(spec: string, files: Record<string, string | Buffer>): Promise<string> {
  const dir = await tempDir(
    {
      'course.yaml': readFileSync(path.join(REPO, 'course.yaml')),
      '.gitignore': readFileSync(path.join(REPO, '.gitignore')),
      'user.cfg': '[USER]\nname: Ada Byron\nemail: ab123@georgetown.edu\n',
      'assignments/T1/assignment.yaml': spec,
      ...Object.fromEntries(Object.entries(files).map(([k, v]) => [`assignments/T1/${k}`, v])),
    },
    'harness-leftover-',
  );
  execFileSync('git', ['init', '-q', dir]);
  return dir;
}

/** Starts the CLI; resolves once `ready()` holds (polled), kills it with SIGKILL, waits for it to end. */
async function killWhen(cwd: string, args: string[], env: NodeJS.ProcessEnv, ready: () => Promise<boolean>): Promise<number> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...ENV, ...env }, stdio: 'ignore' });
  const ended = new Promise((r) => child.on('exit', r));
  let seen = false;
  for (let i = 0; i < 6000 && !seen && child.exitCode === null; i++) {
    seen = await ready();
    if (!seen) await new Promise((r) => setTimeout(r, 5));
  }
  child.kill('SIGKILL');
  await ended;
  expect(seen).toBe(true);
  return child.pid!;
}

describe('a killed submit', () => {
  it('leaves a temp zip that git add -A does not stage, and the next submit sweeps it', async () => {
    // 48 MB of random bytes: deflating it keeps the temp zip open long enough to be killed mid-write.
    const root = await course(
      'id: T1\ntitle: t\npoints: 0\nfiles:\n  required: [a.txt, big.bin]\nchecks:\n  - { id: a, kind: file.present, file: a.txt, points: 0 }\n',
      {
        'a.txt': 'an answer\n',
        'big.bin': randomBytes(48 << 20),
      },
    );
    const folder = path.join(root, 'assignments/T1');
    const temps = async () => (await readdir(folder)).filter((n) => n.startsWith(TMP_PREFIX));
    const pid = await killWhen(root, ['submit', '--offline', 'T1'], {}, async () => {
      const t = await temps();
      return t.length > 0 && (await stat(path.join(folder, t[0]))).size > 1 << 20;
    });
    const left = await temps();
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(new RegExp(`^\\${TMP_PREFIX}${pid}-[0-9a-f]+-ab123-T1\\.zip$`));
    expect(existsSync(path.join(folder, 'ab123-T1.zip'))).toBe(false);
    // Nothing half-written is stageable.
    const staged = execFileSync('git', ['add', '-A', '--dry-run'], { cwd: root, encoding: 'utf8' });
    expect(staged).toContain('assignments/T1/a.txt');
    expect(staged).not.toContain(TMP_PREFIX);

    const r = harness(root, ['submit', '--offline', 'T1']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(await temps()).toEqual([]);
    expect(existsSync(path.join(folder, 'ab123-T1.zip'))).toBe(true);
  }, 120_000);
});

describe('a killed check that was running student code', () => {
  it("leaves a work folder (and its sandboxes' /etc) that the next check sweeps", async () => {
    const tmp = await tempDir({}, 'harness-tmpdir-');
    // The program says where it runs, then outlives the harness by a few seconds.
    const slow = 'import os, time\nopen("started", "w").write(str(os.getpid()))\ntime.sleep(3)\nprint("done")\n';
    const root = await course(
      'id: T1\ntitle: t\npoints: 1\nfiles:\n  required: [slow.py]\nchecks:\n  - { id: run, kind: program.output, command: [python3, slow.py], files: [], points: 1 }\n',
      { 'slow.py': slow },
    );
    const runs = async () => (await readdir(tmp)).filter((n) => n.startsWith('harness-run-'));
    const pid = await killWhen(root, ['check', '--offline', 'T1'], { TMPDIR: tmp }, async () => {
      for (const d of await runs()) if (existsSync(path.join(tmp, d, 'started'))) return true;
      return false;
    });
    expect(processAlive(pid)).toBe(false);
    // Its work folder, and (where bwrap is) the copy of /etc its sandboxes showed: named by the dead pid.
    const boxed = (await probeSandbox()).mode === 'bwrap';
    const left = (await runs()).sort();
    expect(left).toHaveLength(boxed ? 2 : 1);
    for (const d of left) expect(d.startsWith(`harness-run-${pid}-`)).toBe(true);
    expect(left.filter((d) => d.startsWith(`harness-run-${pid}-etc-`))).toHaveLength(boxed ? 1 : 0);

    // The next run, of any check that runs code, sweeps it (and removes its own folder).
    await writeFile(path.join(root, 'assignments/T1/slow.py'), 'print("done")\n');
    const r = harness(root, ['check', '--offline', 'T1'], { TMPDIR: tmp });
    expect(r.stderr).toBe('');
    expect(await runs()).toEqual([]);
  }, 60_000);
});

describe('sweepStale', () => {
  it('removes what dead processes left, keeps live ones and young names without a pid', async () => {
    const dir = await tempDir({}, 'harness-sweep-');
    const dead = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }));
    const names = [
      `${TMP_PREFIX}${dead}-ab-x.zip`,
      `${TMP_PREFIX}${process.pid}-cd-x.zip`,
      `${TMP_PREFIX}1-ef-x.zip`,
      `${TMP_PREFIX}old-style.zip`,
      'q1.txt',
    ];
    for (const n of names) await writeFile(path.join(dir, n), 'x');
    await mkdir(path.join(dir, `${TMP_PREFIX}${dead}-gh-folder`));
    const removed = await sweepStale(dir, TMP_PREFIX);
    // pid 1 is alive (init); our own pid is ours; the name without a pid is young.
    expect(removed.sort()).toEqual([`${TMP_PREFIX}${dead}-ab-x.zip`, `${TMP_PREFIX}${dead}-gh-folder`]);
    expect((await readdir(dir)).sort()).toEqual(
      [`${TMP_PREFIX}${process.pid}-cd-x.zip`, `${TMP_PREFIX}1-ef-x.zip`, `${TMP_PREFIX}old-style.zip`, 'q1.txt'].sort(),
    );
    expect(await sweepStale(dir, TMP_PREFIX, -1)).toEqual(
      expect.arrayContaining([`${TMP_PREFIX}old-style.zip`, `${TMP_PREFIX}1-ef-x.zip`]),
    );
    expect(await sweepStale(path.join(dir, 'missing'), TMP_PREFIX)).toEqual([]);
  });
});
