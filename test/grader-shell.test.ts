// grader/shell.ts starts every clone and fetch of a batch (decision 0012): quoting, exit codes,
// output, errors, time limits (the whole process group killed) and the pool's size, against real shells.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ShellPool } from '../grader/shell.js';
import { tempDir } from './helpers/fixture.js';

const env = () => ({ PATH: process.env.PATH, LC_ALL: 'C' });

describe('ShellPool', () => {
  it('passes any argument through unchanged, and returns exit codes, output and errors', async () => {
    const pool = new ShellPool(2, env);
    try {
      const odd = ["it's", 'a "b"', '$HOME', '`id`', '$(id)', 'new\nline', '*', ''];
      expect(await pool.run(['printf', '%s|', ...odd])).toEqual({ code: 0, stdout: `${odd.join('|')}|`, stderr: '' });
      expect(await pool.run(['sh', '-c', 'echo partial; echo oops >&2; exit 3'])).toEqual({
        code: 3,
        stdout: 'partial\n',
        stderr: 'oops\n',
      });
      expect(await pool.run(['no-such-command-xyz'])).toMatchObject({ code: 127, stderr: expect.stringMatching(/not found/) });
      // Commands never read the pool's own input: a command that reads stdin gets nothing.
      expect(await pool.run(['cat'])).toEqual({ code: 0, stdout: '', stderr: '' });
    } finally {
      pool.close();
    }
  });

  it('kills a command past its time limit with everything it started, and goes on with a fresh shell', async () => {
    const dir = await tempDir();
    const pidFile = path.join(dir, 'child.pid');
    const pool = new ShellPool(1, env);
    try {
      const t = performance.now();
      const r = await pool.run(['sh', '-c', `sleep 30 & echo $! > '${pidFile}'; wait`], 300);
      expect(r.code).toBe(124);
      expect(performance.now() - t).toBeLessThan(10_000);
      const pid = readFileSync(pidFile, 'utf8').trim();
      // The background sleep is gone too (or a zombie waiting to be reaped), not left running.
      await new Promise((res) => setTimeout(res, 200));
      const stat = path.join('/proc', pid, 'stat');
      if (existsSync(stat)) expect(readFileSync(stat, 'utf8').split(') ')[1][0]).toBe('Z');
      expect(await pool.run(['echo', 'after'])).toEqual({ code: 0, stdout: 'after\n', stderr: '' });
    } finally {
      pool.close();
    }
  });

  it('runs at most its size at once', async () => {
    const dir = await tempDir();
    const running = path.join(dir, 'running');
    mkdirSync(running);
    const pool = new ShellPool(3, env);
    try {
      // Each command marks itself running, stays a moment, counts the others running, and leaves:
      // commands that run side by side see each other whatever order they started in.
      const script = `touch '${running}'/$$; sleep 0.3; n=$(ls '${running}' | wc -l); sleep 0.1; rm '${running}'/$$; echo $((n - 1))`;
      const seen = await Promise.all(Array.from({ length: 9 }, () => pool.run(['sh', '-c', script])));
      const most = Math.max(...seen.map((r) => Number(r.stdout.trim())));
      expect(most).toBeLessThanOrEqual(2);
      expect(most).toBeGreaterThanOrEqual(1); // and they did run side by side
    } finally {
      pool.close();
    }
  });
});
