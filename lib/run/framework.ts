// mrjob and PySpark jobs run only where the library is importable by the student's python3. The
// import is probed once per process (per python3 and PYTHONPATH) in an empty sandboxed folder; a
// missing library makes the check `skip` with the reason, never a pass.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CannotJudge } from '../errors.js';
import type { CheckContext } from '../context.js';
import { runSandboxed } from './sandbox.js';
import { pythonEnv } from './workdir.js';

/**
 * PYTHONPATH is passed on to these jobs deliberately (a library installed there, or a stand-in in
 * the tests); the other kinds drop it, like every PYTHON* variable.
 */
export const frameworkEnv = (ctx: CheckContext): Record<string, string | undefined> => ({
  ...pythonEnv(ctx),
  PYTHONPATH: process.env.PYTHONPATH,
});

const probes = new Map<string, Promise<{ version?: string; error?: string; noPython?: boolean }>>();

/** The library's version, or a Skip saying how to install it. */
export async function requireModule(ctx: CheckContext, module: string, pipName: string): Promise<string> {
  const env = frameworkEnv(ctx);
  const key = [ctx.python, module, env.PYTHONPATH ?? '', process.env.PYTHONUSERBASE ?? ''].join('\0');
  let p = probes.get(key);
  if (!p) {
    p = (async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-probe-'));
      try {
        const code = `import ${module}; print(getattr(${module}, "__version__", "?"))`;
        const r = await runSandboxed(ctx.python, ['-B', '-c', code], {
          cwd: dir,
          timeoutMs: 20_000,
          env,
          addressSpace: false,
          python: ctx.python,
        });
        if (r.startError) return { noPython: true };
        return r.code === 0 ? { version: r.stdout.toString().trim() } : { error: r.stderr.trim().split('\n').pop() };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    })();
    probes.set(key, p);
  }
  const r = await p;
  if (r.noPython) throw new CannotJudge(`${ctx.python} was not found; install Python 3 (or set HARNESS_PYTHON) to run this check`);
  if (r.version === undefined) {
    const why = /No module named/.test(r.error ?? '') ? 'is not installed' : `cannot be imported (${r.error})`;
    throw new CannotJudge(`${module} ${why} for python3; pip install ${pipName} to run this check locally (the grader runs it)`);
  }
  return r.version;
}
