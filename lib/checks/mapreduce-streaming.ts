// mapreduce.streaming: runs a Hadoop Streaming job locally, the way `hadoop jar hadoop-streaming.jar
// -mapper … -combiner … -reducer …` would on one machine: one map task per input file (input on
// stdin, `mapreduce_map_input_file` set), the combiner over each map task's sorted output, then
// the shuffle (`LC_ALL=C sort`, byte order, whole lines) and one reducer. Each stage is its own
// sandboxed process in a temporary copy (lib/run/sandbox.ts); the stages of a pipeline run at once,
// as in a shell, joined by lib/run/chain.ts, which blames the first stage that went wrong.
// See docs/checks/mapreduce.streaming.md.
import { defineKind } from './kind.js';
import { Failure } from '../errors.js';
import { runChain, type Stage } from '../run/chain.js';
import { programArgv, pythonEnv, shownArgv, withWorkdir } from '../run/workdir.js';
import { assertParams, expectSchema, fmtSeconds, judgeOutput, judgeRun, validateExpect, type ExpectParams } from '../run/judge.js';

export interface StreamingParams extends ExpectParams {
  mapper: string;
  reducer?: string;
  combiner?: string;
  input: string | string[];
  /** Seconds a pipeline run may take; default: whatever is left of the check's timeout. */
  stageTimeout?: number;
  maxOutputBytes?: number;
}

const inputsOf = (p: StreamingParams) => (Array.isArray(p.input) ? p.input : [p.input]);
const DEFAULT_MAX_OUT = 64 * 1024 * 1024;

export default defineKind<StreamingParams>({
  kind: 'mapreduce.streaming',
  spawns: true,
  runsStudentCode: true,
  title: (p) =>
    `${[p.mapper, p.combiner, p.reducer].filter(Boolean).join(', ')} ${p.expected !== undefined || p.expectedText !== undefined ? 'give the expected output' : 'run as a streaming job'} on ${inputsOf(p).join(', ')}`,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['mapper', 'input'],
    properties: {
      mapper: {
        type: 'string',
        minLength: 1,
        description: 'The mapper, relative to the assignment folder: a .py file (run with python3) or an executable with a #! line.',
      },
      reducer: {
        type: 'string',
        minLength: 1,
        description: "The reducer; without one the output is the sorted map output (Hadoop's identity reducer).",
      },
      combiner: { type: 'string', minLength: 1, description: "The combiner, run over each map task's sorted output before the shuffle." },
      input: {
        description: 'Sample input file(s), relative to the assignment folder; one map task per file.',
        anyOf: [
          { type: 'string', minLength: 1 },
          { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
        ],
      },
      stageTimeout: {
        type: 'number',
        exclusiveMinimum: 0,
        description: "Seconds one pipeline (the stages run together) may take; default what is left of the check's timeout.",
      },
      maxOutputBytes: { type: 'integer', minimum: 1, description: 'Most output a stage may write before it is stopped; default 64 MB.' },
      ...expectSchema,
    },
  },
  files: (p) => [p.mapper, p.combiner, p.reducer, ...inputsOf(p), p.expected].filter((f): f is string => f !== undefined),
  validate: (p) => validateExpect(p),
  async run(ctx, p) {
    assertParams(ctx, validateExpect(p));
    const inputs = inputsOf(p);
    const programs = [p.mapper, p.combiner, p.reducer].filter((f): f is string => f !== undefined);
    return withWorkdir(ctx, [...programs, ...inputs], async (dir, copied) => {
      const argv = async (f: string) => programArgv(ctx, copied.get(f)!);
      const mapArgv = await argv(p.mapper);
      const combArgv = p.combiner ? await argv(p.combiner) : undefined;
      const redArgv = p.reducer ? await argv(p.reducer) : undefined;
      const rerun = (input: string) =>
        [
          `${shownArgv(mapArgv, ctx)} < ${input}`,
          'LC_ALL=C sort',
          combArgv && `${shownArgv(combArgv, ctx)} | LC_ALL=C sort`,
          redArgv && shownArgv(redArgv, ctx),
        ]
          .filter(Boolean)
          .join(' | ');
      const maxOutputBytes = p.maxOutputBytes ?? DEFAULT_MAX_OUT;
      const deadline = Date.now() + ctx.check.timeout * 1000 - 250; // end before the engine's timeout
      // sort is ours, not the student's: it runs in the job's sandbox with the student's stages (one
      // sandbox for the pipeline, lib/run/group.ts), or outside it where stages start one by one.
      const sort: Stage = { label: 'sort', argv: ['sort'], opts: { trusted: true } };
      const student = (role: string, file: string, a: string[], env?: Record<string, string>): Stage => ({
        label: `The ${role} ${file}`,
        argv: a,
        file,
        opts: env ? { env } : {},
      });
      const mapper = (input: string) =>
        student('mapper', p.mapper, mapArgv, { ...pythonEnv(ctx), mapreduce_map_input_file: input, map_input_file: input });
      const combiner = combArgv ? student('combiner', p.combiner!, combArgv) : undefined;
      const reducer = redArgv ? student('reducer', p.reducer!, redArgv) : undefined;
      const chain = async (stages: (Stage | undefined)[], stdin: Buffer | { file: string }, input: string): Promise<Buffer> => {
        const left = deadline - Date.now();
        const timeoutMs = Math.max(1, Math.min(p.stageTimeout ? p.stageTimeout * 1000 : Infinity, left));
        if (left <= 0)
          throw new Failure({
            code: 'timeout',
            rationale: `The job did not finish within the check's ${fmtSeconds(ctx.check.timeout * 1000)}.`,
            hint: `Make the mapper and reducer faster; try it yourself: ${rerun(input)}`,
          });
        return runChain(
          stages.filter((s): s is Stage => s !== undefined),
          stdin,
          { cwd: dir, timeoutMs, maxOutputBytes, signal: ctx.signal, env: pythonEnv(ctx), python: ctx.python },
          (st, res) => judgeRun(ctx, st.label, res, rerun(input), st.file, st.argv[0]),
        );
      };

      let output: Buffer;
      const shown = inputs.length === 1 ? inputs[0] : `<(cat ${inputs.join(' ')})`;
      if (inputs.length === 1) {
        // One map task: one pipeline, all stages at once, as a shell would run it.
        output = await chain(
          [mapper(inputs[0]), sort, combiner, combiner && sort, reducer],
          { file: copied.get(inputs[0])!.abs },
          inputs[0],
        );
      } else {
        const mapped: Buffer[] = [];
        for (const input of inputs)
          mapped.push(await chain([mapper(input), ...(combiner ? [sort, combiner] : [])], { file: copied.get(input)!.abs }, input));
        output = await chain([sort, reducer], Buffer.concat(mapped), shown);
      }
      return judgeOutput(ctx, p, output, p.reducer ? "the reducer's output" : 'the sorted map output', rerun(shown));
    });
  },
});
