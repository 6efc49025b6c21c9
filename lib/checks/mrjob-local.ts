// mrjob.local: runs an mrjob job on the sample input in mrjob's own local mode (`-r inline`, one
// process, or `-r local`, which starts subprocesses like Hadoop tasks), in a sandboxed temporary
// copy, and judges its output. Skipped, never passed, when mrjob is not installed for python3.
// See docs/checks/mrjob.local.md.
import { defineKind } from './kind.js';
import { runSandboxed } from '../run/sandbox.js';
import { programArgv, shownArgv, withWorkdir } from '../run/workdir.js';
import { frameworkEnv, requireModule } from '../run/framework.js';
import { assertParams, expectSchema, judgeOutput, judgeRun, validateExpect, type ExpectParams } from '../run/judge.js';

export interface MrjobParams extends ExpectParams {
  job: string;
  input: string | string[];
  files?: string[];
  runner?: 'inline' | 'local';
  args?: string[];
  maxOutputBytes?: number;
}

const inputsOf = (p: MrjobParams) => (Array.isArray(p.input) ? p.input : [p.input]);

export default defineKind<MrjobParams>({
  kind: 'mrjob.local',
  spawns: true,
  runsStudentCode: true,
  title: (p) =>
    `the mrjob job ${p.job} ${p.expected !== undefined || p.expectedText !== undefined ? 'gives the expected output' : 'runs'} on ${inputsOf(p).join(', ')}`,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['job', 'input'],
    properties: {
      job: {
        type: 'string',
        pattern: '\\.py$',
        description: 'The job (a Python file with an MRJob class), relative to the assignment folder.',
      },
      input: {
        description: 'Sample input file(s), relative to the assignment folder.',
        anyOf: [
          { type: 'string', minLength: 1 },
          { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
        ],
      },
      files: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'Other files the job needs (its own modules), copied alongside.',
      },
      runner: {
        enum: ['inline', 'local'],
        description: '`inline` (default): the whole job in one process; `local`: each task in its own process, closer to Hadoop.',
      },
      args: {
        type: 'array',
        items: { type: 'string' },
        description: 'More command-line arguments for the job (its own options), before the input files.',
      },
      maxOutputBytes: { type: 'integer', minimum: 1, description: 'Most output the job may write; default 64 MB.' },
      ...expectSchema,
    },
  },
  files: (p) => [p.job, ...inputsOf(p), ...(p.files ?? []), ...(p.expected ? [p.expected] : [])],
  validate: (p) => validateExpect(p),
  async run(ctx, p) {
    assertParams(ctx, validateExpect(p));
    await requireModule(ctx, 'mrjob', 'mrjob');
    const inputs = inputsOf(p);
    return withWorkdir(ctx, [p.job, ...inputs, ...(p.files ?? [])], async (dir, copied) => {
      // --no-conf: an ~/.mrjob.conf (EMR settings, keys) must not change a local run.
      const argv = [...(await programArgv(ctx, copied.get(p.job)!)), '-r', p.runner ?? 'inline', '--no-conf', ...(p.args ?? []), ...inputs];
      const rerun = shownArgv(argv, ctx);
      const maxOutputBytes = p.maxOutputBytes ?? 64 * 1024 * 1024;
      const timeoutMs = Math.max(1, ctx.check.timeout * 1000 - 250);
      const res = await runSandboxed(argv[0], argv.slice(1), {
        cwd: dir,
        timeoutMs,
        maxOutputBytes,
        signal: ctx.signal,
        env: frameworkEnv(ctx),
        python: ctx.python,
      });
      judgeRun(ctx, `The job ${p.job}`, res, rerun, p.job);
      return judgeOutput(ctx, p, res.stdout, "the job's output", rerun);
    });
  },
});
