// A student's fork of the course repository for CLI end-to-end tests: the real course.yaml and A1
// spec, the example answers, a user.cfg, and a real git history pushed to a bare origin.
import { rm } from 'node:fs/promises';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { tempDir, writeFiles, type FileMap } from './fixture.js';
import { makeExampleFork, REPO } from '../../scripts/lib/fork.mjs';

export { REPO };
export const CLI = path.join(REPO, 'bin', 'harness.mjs');

export interface StudentRepo {
  root: string;
  a1: string;
  origin: string;
}

/** A complete, passing A1 fork; `edit`/`remove` change files before the commit, `after` after the push. */
export async function studentRepo(opts: { edit?: FileMap; remove?: string[]; email?: string; after?: FileMap } = {}): Promise<StudentRepo> {
  const base = await tempDir({}, 'harness-student-');
  const { fork, origin, assignment } = await makeExampleFork(base, {
    name: 'Test Student',
    email: opts.email,
    beforeCommit: async (dir) => {
      if (opts.edit) await writeFiles(dir, opts.edit);
      for (const f of opts.remove ?? []) await rm(path.join(dir, f), { recursive: true, force: true });
    },
  });
  if (opts.after) await writeFiles(assignment, opts.after);
  return { root: fork, a1: assignment, origin };
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a child process, as a student would. */
export function harness(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', INIT_CWD: '', npm_lifecycle_event: '', GIT_CONFIG_GLOBAL: '/dev/null', ...env },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Like `harness`, but without blocking this process: needed when a server in this process (the stand-in) must answer the child. */
export function harnessAsync(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', INIT_CWD: '', npm_lifecycle_event: '', GIT_CONFIG_GLOBAL: '/dev/null', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
