// A pipeline of sandboxed processes (mapper | sort | reducer), all running at once as in a shell:
// each stage's stdout is forwarded by us to the next stage's stdin, so every stage's output is
// counted against the cap, and each stage keeps its own exit status and stderr. When the stages
// are done they are judged in order; the first stage with a problem is the one blamed (a mapper
// that hangs makes sort and the reducer wait too, but the mapper is named).
import { PassThrough } from 'node:stream';
import { INSIDE } from './bwrap.js';
import { startSandboxedGroup } from './group.js';
import { startSandboxed, type SandboxHandle, type SandboxResult, type StartOptions } from './sandbox.js';

export interface Stage {
  /** How the student reads the stage: "The mapper q4_mapper.py". */
  label: string;
  argv: string[];
  /** The student's file, for the finding. */
  file?: string;
  opts?: Partial<StartOptions>;
}

/** Runs the stages; `judge` throws for a stage that went wrong. Returns the last stage's stdout. */
export async function runChain(
  stages: Stage[],
  stdin: Buffer | { file: string },
  base: StartOptions,
  judge: (s: Stage, r: SandboxResult) => void,
): Promise<Buffer> {
  // The stages share one sandbox (group.ts), sort included. Each stage's output goes through a
  // PassThrough that is joined to the next stage's stdin.
  const nexts = stages.map((_, i) => (i < stages.length - 1 ? new PassThrough({ highWaterMark: 1 << 20 }) : undefined));
  const grouped =
    stages.length > 1
      ? await startSandboxedGroup(
          stages.map((s, i) => ({
            cmd: s.argv[0],
            args: s.argv.slice(1),
            // Our sort spills a large input to temporary files: in the run's folder on disk (under
            // the disk limit), not the sandbox's small /tmp.
            env: s.opts?.trusted ? { ...s.opts.env, TMPDIR: `${INSIDE}/.tmp` } : s.opts?.env,
            stdin: i === 0 ? stdin : 'pipe',
            pipeTo: nexts[i],
          })),
          base,
        )
      : undefined;
  // Otherwise each stage is started on its own, in order, the mapper first (it is the critical
  // path): the student's each in a sandbox, ours (sort) outside.
  const handles: SandboxHandle[] = [];
  for (let i = 0; i < stages.length; i++) {
    const s = stages[i];
    const h =
      grouped?.[i] ??
      (await startSandboxed(s.argv[0], s.argv.slice(1), {
        ...base,
        ...s.opts,
        env: { ...base.env, ...s.opts?.env },
        stdin: i === 0 ? stdin : 'pipe',
        pipeTo: nexts[i],
      }));
    const from = nexts[i - 1];
    if (from) {
      if (h.stdin) {
        // A stage that stops reading (crashed, or never reads) must not stall the one before it.
        h.stdin.on('error', () => {
          from.unpipe();
          from.resume();
        });
        from.pipe(h.stdin);
      } else from.resume();
    }
    handles.push(h);
  }
  const results = await Promise.all(handles.map((h) => h.done));
  // A stage stopped only because another went over a limit is not blamed for it.
  stages.forEach((s, i) => results[i].collateral || judge(s, results[i]));
  stages.forEach((s, i) => judge(s, results[i]));
  return results[results.length - 1].stdout;
}
