// `harness publish A1 --canvas-url … --course … --assignment …`: posts each student's grade and
// feedback (as a submission comment) from a finished grading run to Canvas, through its REST API.
// The token comes from the environment only (CANVAS_TOKEN), never from a flag or a file.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../lib/errors.js';
import type { BatchResult } from '../grader/types.js';
import type { MissingPolicy } from '../grader/export/common.js';
import { missingPolicy } from './export-options.js';
import type { GlobalOptions } from './options.js';

const TOKEN_VARS = ['CANVAS_TOKEN', 'CANVAS_API_TOKEN'];

export async function publish(
  positionals: string[],
  values: Record<string, unknown>,
  g: GlobalOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  if (positionals.length !== 1)
    throw new UserError(
      'give one assignment id',
      'e.g. `harness publish A1 --canvas-url https://canvas.university.edu --course 1234 --assignment 98765`',
    );
  for (const k of ['canvas-url', 'course', 'assignment'] as const) {
    if (!values[k])
      throw new UserError(
        `publish needs --${k}`,
        "e.g. `harness publish A1 --canvas-url https://canvas.university.edu --course 1234 --assignment 98765` (the ids are in the assignment's Canvas address)",
      );
  }
  const token = TOKEN_VARS.map((k) => env[k])
    .find((v) => v && v.trim())
    ?.trim();
  if (!token)
    throw new UserError(
      'no Canvas token: set CANVAS_TOKEN in the environment',
      'make one in Canvas (Account → Settings → New access token); in a pipeline, a Secured repository variable named CANVAS_TOKEN',
    );
  const out = path.resolve(g.cwd, (values.out as string | undefined) ?? path.join('grades', positionals[0]));
  let batch: BatchResult & { exportOptions?: { missing?: MissingPolicy } };
  try {
    batch = JSON.parse(await readFile(path.join(out, 'batch.json'), 'utf8'));
  } catch {
    throw new UserError(
      `no finished grading run in ${out} (batch.json is missing)`,
      `run \`harness grade ${positionals[0]}\` (or \`harness merge\`) first, or give its folder with --out`,
    );
  }
  if (batch.assignment.id.toLowerCase() !== positionals[0].toLowerCase())
    throw new UserError(
      `${out} holds ${batch.assignment.id}'s grades, not ${positionals[0]}'s`,
      'give the output folder of this assignment with --out',
    );
  const missing = values['missing-work'] !== undefined ? missingPolicy(values['missing-work']) : batch.exportOptions?.missing;
  const course = String(values.course);
  const assignment = String(values.assignment);

  const [{ CanvasApi, CanvasError }, { apply, ledgerFile, plan, readLedger }, { feedbackMd }] = await Promise.all([
    import('../grader/canvas-api.js'),
    import('../grader/publish.js'),
    import('../grader/export/feedback.js'),
  ]);
  const api = new CanvasApi({ baseUrl: String(values['canvas-url']), token });
  try {
    const a = await api.get<{ name?: string; points_possible?: number | null }>(
      `courses/${encodeURIComponent(course)}/assignments/${encodeURIComponent(assignment)}`,
    );
    if (typeof a.points_possible === 'number' && a.points_possible !== batch.assignment.points)
      process.stderr.write(
        `publish: warning: Canvas's "${a.name}" is out of ${a.points_possible} points, ${batch.assignment.id} out of ${batch.assignment.points}\n`,
      );
    const subs = await api.list<import('../grader/publish.js').CanvasSubmission>(
      `courses/${encodeURIComponent(course)}/assignments/${encodeURIComponent(assignment)}/submissions`,
      { 'include[]': ['user', 'submission_comments'] },
    );
    const file = ledgerFile(out, course, assignment);
    const ledger = readLedger(file, { canvas: api.origin, course, assignment });
    const actions = plan(batch.students, (s) => feedbackMd(batch, s), subs, ledger, { missing, overwrite: values.overwrite === true });
    const w = Math.max(5, ...actions.map((x) => x.netid.length));
    for (const x of actions) process.stdout.write(`${x.netid.padEnd(w)}  ${x.what}\n`);
    const todo = actions.filter((x) => x.score !== undefined || x.comment !== undefined);
    const grades = todo.filter((x) => x.score !== undefined).length;
    const comments = todo.filter((x) => x.comment !== undefined).length;
    if (values['dry-run']) {
      process.stdout.write(
        `publish: dry run: would post ${grades} grade${grades === 1 ? '' : 's'} and ${comments} comment${comments === 1 ? '' : 's'} to "${a.name ?? assignment}"; nothing was posted\n`,
      );
      return 0;
    }
    const n = await apply(api, course, assignment, actions, ledger, file);
    process.stdout.write(
      `publish: posted ${grades} grade${grades === 1 ? '' : 's'} and ${comments} comment${comments === 1 ? '' : 's'} for ${n} student${n === 1 ? '' : 's'} to "${a.name ?? assignment}" (${api.requests} requests); ${actions.length - todo.length} unchanged or left alone; record: ${path.relative(g.cwd, file) || file}\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof CanvasError) {
      const fix =
        e.status === 401
          ? 'the token is wrong or expired: make a new one and set CANVAS_TOKEN'
          : e.status === 404
            ? "check --course and --assignment (both are in the assignment's Canvas address) and --canvas-url"
            : 'run the same command again: what was posted is recorded and will not be posted twice';
      throw new UserError(`Canvas: ${e.message}`, fix);
    }
    throw e;
  }
}
