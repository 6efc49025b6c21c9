// A pipeline of sandboxed processes (mapper | sort | reducer), all running at once as in a shell:
// each stage's stdout is forwarded by us to the next stage's stdin, so every stage's output is
// counted against the cap, and each stage keeps its own exit status and stderr. When the stages
// are done they are judged in order; the first stage with a problem is the one blamed (a mapper
// that hangs makes sort and the reducer wait too, but the mapper is named).
import { PassThrough } from 'node:stream';
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
  // Started in order, the mapper first: it is the critical path. Each stage's output goes through a
  // PassThrough that is joined to the next stage's stdin once that stage has started.
  const handles: SandboxHandle[] = [];
  let prev: PassThrough | undefined;
  for (let i = 0; i < stages.length; i++) {
    const s = stages[i];
    const next = i < stages.length - 1 ? new PassThrough({ highWaterMark: 1 << 20 }) : undefined;
    const h = await startSandboxed(s.argv[0], s.argv.slice(1), {
      ...base,
      ...s.opts,
      env: { ...base.env, ...s.opts?.env },
      stdin: i === 0 ? stdin : 'pipe',
      pipeTo: next,
    });
    if (prev) {
      const from = prev;
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
    prev = next;
  }
  const results = await Promise.all(handles.map((h) => h.done));
  stages.forEach((s, i) => judge(s, results[i]));
  return results[results.length - 1].stdout;
}
