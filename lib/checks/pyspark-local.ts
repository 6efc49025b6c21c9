// pyspark.local: runs a PySpark script on the sample data with a local master (`local[*]`), in a
// sandboxed temporary copy whose network is only its own loopback (Spark talks to itself over
// 127.0.0.1), and judges its output: stdout, or a file or folder of part files it writes.
// Skipped, never passed, when pyspark is not installed for python3. See docs/checks/pyspark.local.md.
import { defineKind } from './kind.js';
import { Failure } from '../errors.js';
import { runSandboxed, which } from '../run/sandbox.js';
import { CannotJudge } from '../errors.js';
import { programArgv, readOutput, shownArgv, withWorkdir } from '../run/workdir.js';
import { frameworkEnv, requireModule } from '../run/framework.js';
import { assertParams, expectSchema, judgeOutput, judgeRun, validateExpect, type ExpectParams } from '../run/judge.js';

export interface PysparkParams extends ExpectParams {
  script: string;
  files?: string[];
  args?: string[];
  output?: string;
  maxOutputBytes?: number;
}

export default defineKind<PysparkParams>({
  kind: 'pyspark.local',
  spawns: true,
  runsStudentCode: true,
  title: (p) =>
    `the PySpark script ${p.script} ${p.expected !== undefined || p.expectedText !== undefined ? 'gives the expected output' : 'runs'} locally`,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['script'],
    properties: {
      script: { type: 'string', pattern: '\\.py$', description: 'The PySpark script, relative to the assignment folder.' },
      files: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'Sample data and modules the script needs, copied alongside.',
      },
      args: {
        type: 'array',
        items: { type: 'string' },
        description: 'Command-line arguments for the script (input and output paths, relative to the copy).',
      },
      output: { type: 'string', minLength: 1, description: 'The file or folder of part files the script writes; default its stdout.' },
      maxOutputBytes: { type: 'integer', minimum: 1, description: 'Most output the script may write; default 64 MB.' },
      ...expectSchema,
    },
  },
  files: (p) => [p.script, ...(p.files ?? []), ...(p.expected ? [p.expected] : [])],
  validate: (p) => validateExpect(p),
  async run(ctx, p) {
    assertParams(ctx, validateExpect(p));
    await requireModule(ctx, 'pyspark', 'pyspark');
    if (!process.env.JAVA_HOME && !which('java'))
      throw new CannotJudge(
        'Java is not installed, and PySpark needs it; install a Java runtime (17 or 11) to run this check locally (the grader runs it)',
      );
    return withWorkdir(
      ctx,
      [p.script, ...(p.files ?? [])].filter((f) => f !== p.output),
      async (dir, copied) => {
        const argv = [...(await programArgv(ctx, copied.get(p.script)!)), ...(p.args ?? [])];
        const rerun = shownArgv(argv, ctx);
        const maxOutputBytes = p.maxOutputBytes ?? 64 * 1024 * 1024;
        const timeoutMs = Math.max(1, ctx.check.timeout * 1000 - 250);
        const env = {
          ...frameworkEnv(ctx),
          PYSPARK_PYTHON: ctx.python,
          PYSPARK_DRIVER_PYTHON: ctx.python,
          PYSPARK_SUBMIT_ARGS: '--master local[*] pyspark-shell',
          SPARK_LOCAL_IP: '127.0.0.1',
        };
        // A JVM reserves far more address space than it uses: only the run's resident memory is limited.
        const res = await runSandboxed(argv[0], argv.slice(1), {
          cwd: dir,
          timeoutMs,
          maxOutputBytes,
          signal: ctx.signal,
          env,
          network: 'loopback',
          addressSpace: false,
          python: ctx.python,
        });
        judgeRun(ctx, `The script ${p.script}`, res, rerun, p.script);
        let out = res.stdout;
        if (p.output) {
          const written = await readOutput(dir, p.output, res.limits.maxOutputBytes);
          if (!written)
            throw new Failure({
              code: 'no-output',
              rationale: `The script ${p.script} ran, but did not write ${p.output}.`,
              hint: `Write the results to ${p.output}; try it yourself: ${rerun}`,
              file: p.script,
            });
          out = written;
        }
        return judgeOutput(ctx, p, out, p.output ?? "the script's output", rerun);
      },
    );
  },
});
