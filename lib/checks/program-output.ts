// program.output: regenerates an output from the student's program on the sample data (in a
// sandboxed temporary copy, so the student's own copy of the output is never what is judged) and
// compares it with the expected output, or checks its shape. See docs/checks/program.output.md.
import { defineKind } from './kind.js';
import type { CheckContext } from './kind.js';
import { Failure } from '../errors.js';
import { runSandboxed } from '../run/sandbox.js';
import { programArgv, pythonEnv, readOutput, shownArgv, withWorkdir, type Copied } from '../run/workdir.js';
import { assertParams, expectSchema, judgeOutput, judgeRun, validateExpect, type ExpectParams } from '../run/judge.js';
import { shellQuote } from '../util/text.js';

export interface ProgramOutputParams extends ExpectParams {
  command: string[];
  files?: string[];
  stdin?: string;
  output?: string;
  maxOutputBytes?: number;
}

const DEFAULT_MAX_OUT = 64 * 1024 * 1024;

export default defineKind<ProgramOutputParams>({
  kind: 'program.output',
  spawns: true,
  runsStudentCode: true,
  title: (p) =>
    `${p.command.join(' ')} ${p.expected !== undefined || p.expectedText !== undefined ? 'gives the expected' : 'writes its'} ${p.output ?? 'output'}`,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['command'],
    properties: {
      command: {
        type: 'array',
        minItems: 1,
        items: { type: 'string' },
        description:
          "The command as a list of words, run in the temporary copy; `python3` first means the student's python3. Words that name files in the assignment folder are copied.",
      },
      files: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'Other files the program needs (modules, sample data), copied alongside.',
      },
      stdin: { type: 'string', minLength: 1, description: 'A file fed to the program on stdin; default none (stdin closed).' },
      output: {
        type: 'string',
        minLength: 1,
        description:
          "The file (or folder of part files) the program writes, relative to the copy; default its stdout. Never copied from the student's folder: it is regenerated.",
      },
      maxOutputBytes: { type: 'integer', minimum: 1, description: 'Most output the program may write; default 64 MB.' },
      ...expectSchema,
    },
  },
  files: (p) => [...(p.files ?? []), ...(p.stdin ? [p.stdin] : []), ...(p.expected ? [p.expected] : [])],
  validate: (p) => validateExpect(p),
  async run(ctx, p) {
    assertParams(ctx, validateExpect(p));
    const named = await namedFiles(ctx, p.command);
    const toCopy = [...named, ...(p.files ?? []), ...(p.stdin ? [p.stdin] : [])].filter((f) => f !== p.output);
    return withWorkdir(ctx, toCopy, async (dir, copied) => {
      const argv = await commandArgv(ctx, p.command, copied);
      const rerun = `${shownArgv(argv, ctx)}${p.stdin ? ` < ${shellQuote(p.stdin)}` : ''}${p.output ? ` && cat ${shellQuote(p.output)}` : ''}`;
      const maxOutputBytes = p.maxOutputBytes ?? DEFAULT_MAX_OUT;
      const timeoutMs = Math.max(1, ctx.check.timeout * 1000 - 250);
      const res = await runSandboxed(argv[0], argv.slice(1), {
        cwd: dir,
        timeoutMs,
        maxOutputBytes,
        signal: ctx.signal,
        env: pythonEnv(ctx),
        python: ctx.python,
        stdin: p.stdin ? { file: copied.get(p.stdin)!.abs } : undefined,
      });
      const label = `The program (${shownArgv(argv, ctx)})`;
      judgeRun(ctx, label, res, rerun, undefined, argv[0]);
      let out = res.stdout;
      if (p.output) {
        const written = await readOutput(dir, p.output, res.limits.maxOutputBytes);
        if (!written) {
          throw new Failure({
            code: 'no-output',
            rationale: `${label} ran, but did not write ${p.output}.`,
            hint: `Make the program write its results to ${p.output} (relative to the folder it runs in); try it yourself: ${rerun}`,
          });
        }
        out = written;
      }
      return judgeOutput(ctx, p, out, p.output ?? "the program's output", rerun);
    });
  },
});

/** Words of the command that name regular files in the assignment folder (the script, its data). */
async function namedFiles(ctx: CheckContext, command: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const w of command) {
    if (!w || w.startsWith('-') || /^(\/|\.\.\/)/.test(w)) continue;
    const info = await ctx.files.info(w);
    if (info.type === 'file' && !info.outside) out.push(w);
  }
  return out;
}

/** The argv to spawn: `python3` becomes ctx.python (-B), a copied program runs as ./name, other words stay. */
export async function commandArgv(ctx: CheckContext, command: string[], copied: Map<string, Copied>): Promise<string[]> {
  const [first, ...rest] = command;
  if (first === 'python3' || first === 'python') return [ctx.python, '-B', ...rest];
  const c = copied.get(first);
  if (c) return [...(await programArgv(ctx, c)), ...rest];
  return command;
}
