// `harness autograde A1 --submission DIR --results FILE`: grades one submission the way `grade`
// grades one upload from a Canvas download (zip mode: the course's own files laid under the
// student's answer files), and writes one Gradescope results.json. It is what the Gradescope
// autograder's run_autograder calls (`harness gradescope` builds that autograder).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UserError } from '../lib/errors.js';
import { loadCourse } from '../lib/course.js';
import { loadSpec } from '../lib/spec/load.js';
import { findRoot, resolveAssignment } from '../lib/repo.js';
import { resolvePython } from '../lib/util/python.js';
import { writeFileAtomic } from '../lib/util/atomic.js';
import { BUILD, VERSION } from '../lib/version.js';
import type { Spec } from '../lib/types.js';
import { mergeHidden } from '../grader/hidden.js';
import { anonymousAwsEnv, sandboxFor, scrubEnvironment } from '../grader/sandbox.js';
import { courseFilesOf } from '../grader/layout.js';
import { entryOf, readMetadata, readSubmission } from '../grader/gradescope.js';
import { applyPenalty, latePenalty } from '../grader/late.js';
import type { BatchResult, StudentResult } from '../grader/types.js';
import { GRADER_CEILINGS } from './grader.js';
import type { GlobalOptions } from './options.js';

export async function autograde(positionals: string[], values: Record<string, unknown>, g: GlobalOptions): Promise<number> {
  if (positionals.length !== 1)
    throw new UserError(
      'give one assignment id',
      'e.g. `harness autograde A1 --submission /autograder/submission --results /autograder/results/results.json`',
    );
  if (!values.submission || !values.results)
    throw new UserError(
      'autograde needs --submission DIR and --results FILE',
      'e.g. `harness autograde A1 --submission /autograder/submission --results /autograder/results/results.json`',
    );
  const t0 = performance.now();
  const root = findRoot(g.cwd);
  const course = await loadCourse(root);
  const base = await loadSpec((await resolveAssignment(root, positionals[0], g.cwd)).spec, course);
  let spec = base;
  let hiddenHash: string | undefined;
  if (values.hidden) ({ spec, hash: hiddenHash } = await mergeHidden(base, path.resolve(g.cwd, values.hidden as string), course));
  // As grade: student code runs only in the sandbox, unless the instructor opts out. Gradescope's
  // container cannot give the sandbox its namespaces; its run_autograder opts out on a line of its own.
  const sandbox = await sandboxFor(spec, values['unsafe-no-sandbox'] === true);
  if (sandbox?.unsafe) process.stderr.write(`autograde: --unsafe-no-sandbox: students' code runs without a sandbox (${sandbox.unsafe})\n`);
  const meta = await readMetadata(values.metadata ? path.resolve(g.cwd, values.metadata as string) : undefined);
  const entry = entryOf(meta);
  const resultsFile = path.resolve(g.cwd, values.results as string);
  const out = await mkdtemp(path.join(tmpdir(), 'harness-autograde-'));
  try {
    const up = await readSubmission(
      path.resolve(g.cwd, values.submission as string),
      path.join(out, '.work', 'uploads', 'submission'),
      spec,
      entry,
    );
    const { instructor } = await scrubEnvironment(path.join(out, '.work'));
    const [{ batchHeader, gradeBatch }, { registry }, { setSandboxCeilings }, { gradescopeResults, feedbackMd }] = await Promise.all([
      import('../grader/grade.js'),
      import('../lib/checks/registry.js'),
      import('../lib/run/sandbox.js'),
      import('../grader/export/index.js'),
    ]);
    setSandboxCeilings({ ...GRADER_CEILINGS, unsandboxed: sandbox?.unsafe ? 'allow' : 'refuse' });
    const needsAws = spec.checks.some((c) => registry.get(c.kind)?.needs === 'internet');
    const aws = needsAws ? new (await import('../lib/aws/access.js')).AwsAccess({ env: anonymousAwsEnv(instructor) }) : undefined;
    let s: StudentResult;
    try {
      const { students } = await gradeBatch([{ entry, upload: up }], {
        spec,
        hiddenHash,
        course,
        out,
        version: `${VERSION}+${BUILD}`,
        jobs: 1,
        python: resolvePython(process.env, course.root),
        aws,
        courseFiles: courseFilesOf(spec),
        quiet: true,
      });
      s = students[0];
    } finally {
      aws?.destroy();
    }
    const assignment = { ...batchHeader(spec, hiddenHash), timezone: spec.timezone };
    s = lateness(s, spec, course.late, meta);
    const batch: BatchResult = { assignment, students: [s] };
    process.stdout.write(feedbackMd(batch, s) + '\n');
    const expected = [...spec.files.required, ...spec.files.optional];
    const none = !up.files.some((f) => expected.includes(f));
    const why = `We found none of ${spec.id}'s files in your submission${up.problem ? ` (${up.problem})` : ''}. Upload the zip \`npm run submit -- ${spec.id}\` writes, or the files themselves: ${spec.files.required.join(', ')}.`;
    if (!up.files.length) {
      // Nothing at all to grade (grade calls it an error): a 0 the student can act on.
      await writeFileAtomic(resultsFile, JSON.stringify({ score: 0, output: why, output_format: 'text', tests: [] }, null, 2) + '\n');
      return 0;
    }
    if (s.status !== 'graded') {
      // No results.json: Gradescope then shows the run as failed, and a re-run grades it; a score
      // written now would be a grade for work we could not judge.
      process.stderr.write(
        `autograde: ${entry.netid} was not graded (${s.status}: ${s.reason ?? 'no reason given'}); no results.json written. Re-run the autograder for this submission.\n`,
      );
      return 2;
    }
    const json = { ...gradescopeResults(batch, s), execution_time: Math.round((performance.now() - t0) / 100) / 10 };
    if (none) json.output = `${why}\n${json.output}`;
    await writeFileAtomic(resultsFile, JSON.stringify(json, null, 2) + '\n');
    process.stderr.write(`autograde: ${entry.netid} ${s.total}/${spec.points}; wrote ${resultsFile}\n`);
    return 0;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/**
 * Gradescope knows when the student submitted: the late policy applies to that time, against the
 * due date Gradescope holds for the student (their extension included), else the spec's.
 */
function lateness(
  s: StudentResult,
  spec: Spec,
  policy: Parameters<typeof latePenalty>[3],
  meta: { createdAt?: string; dueDate?: string },
): StudentResult {
  const due = meta.dueDate ?? spec.due;
  if (s.status !== 'graded' || !meta.createdAt || !due || !s.summary) return s;
  const late = latePenalty(new Date(meta.createdAt), new Date(due), 0, policy);
  return { ...s, late, total: applyPenalty(s.summary.points + s.summary.extraCreditPoints, spec.points, late), commitTime: meta.createdAt };
}
