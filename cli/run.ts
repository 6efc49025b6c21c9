// What `check` and `submit` share: find the repository, load the course, the student and the
// spec, run the checks, and hand the report to the reporters.
import path from 'node:path';
import { findRoot, resolveAssignment } from '../lib/repo.js';
import { loadCourse, type Course } from '../lib/course.js';
import { loadIdentity, type Identity } from '../lib/usercfg.js';
import { loadSpec } from '../lib/spec/load.js';
import { runChecks, summarize, type Mode } from '../lib/engine.js';
import { getReporter, shouldColor } from '../lib/report/index.js';
import { writeFileAtomic } from '../lib/util/atomic.js';
import { UserError } from '../lib/errors.js';
import { trace } from '../lib/util/trace.js';
import { nearest } from '../lib/util/text.js';
import { AwsAccess } from '../lib/aws/access.js';
import { unsandboxedNote } from '../lib/run/sandbox.js';
import type { GlobalOptions } from './options.js';
import { VERSION } from '../lib/version.js';
import type { RunReport, Spec } from '../lib/types.js';

export interface Prepared {
  root: string;
  course: Course;
  spec: Spec;
  identity: Identity;
}

export async function prepare(positionals: string[], values: Record<string, unknown>, g: GlobalOptions): Promise<Prepared> {
  if (positionals.length > 1)
    throw new UserError(`expected one assignment id, got ${positionals.length}: ${positionals.join(' ')}`, 'e.g. `harness check A1`');
  trace('start');
  const root = findRoot(g.cwd);
  const course = await loadCourse(root);
  trace('course loaded');
  const ref = await resolveAssignment(root, positionals[0], g.cwd);
  const spec = await loadSpec(ref.spec, course);
  trace('spec loaded');
  for (const id of (values.only as string[] | undefined) ?? []) {
    if (spec.checks.some((c) => c.id === id)) continue;
    const guess = nearest(
      id,
      spec.checks.map((c) => c.id),
    );
    throw new UserError(
      `${spec.id} has no check "${id}"${guess ? `; did you mean "${guess}"?` : ''}`,
      `the ids are in ${path.relative(g.cwd, spec.file) || spec.file}; \`harness check ${spec.id} --reporter json\` lists them too`,
    );
  }
  const identity = await loadIdentity(course, { file: values.user as string | undefined, cwd: g.cwd });
  trace('user.cfg loaded');
  return { root, course, spec, identity };
}

/** `mode` is where the checks run (`ci` for the students' pipeline; default `check`, a student's own machine). */
export async function runAndReport(p: Prepared, values: Record<string, unknown>, g: GlobalOptions, mode?: Mode): Promise<RunReport> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const offline = Boolean(values.offline);
  const aws = offline
    ? undefined
    : new AwsAccess({ profile: values.profile as string | undefined, region: values.region as string | undefined });
  let results;
  try {
    results = await runChecks(p.spec, {
      course: p.course,
      identity: p.identity,
      only: values.only as string[] | undefined,
      offline,
      aws,
      mode,
    });
  } finally {
    aws?.destroy();
  }
  trace('checks done');
  const report: RunReport = {
    harness: { version: VERSION },
    startedAt,
    assignment: { id: p.spec.id, title: p.spec.title, specHash: p.spec.hash, due: p.spec.due, dueText: p.spec.dueText },
    student: { netid: p.identity.netid, name: p.identity.name, email: p.identity.email },
    results,
    summary: summarize(results),
    durationMs: Math.round(performance.now() - t0),
  };
  const color = g.color ?? shouldColor(process.stdout, process.env);
  const name = (values.reporter as string | undefined) ?? 'pretty';
  const reporter = await getReporter(name, g.cwd);
  const opts = { color, debug: g.debug, cwd: g.cwd, timeZone: p.spec.timezone };
  for (const w of p.identity.warnings) process.stderr.write(`warning: ${w}\n`);
  // Said once: where there is no sandbox, a student's own code still runs (it is theirs), less confined.
  const note = unsandboxedNote();
  if (note) process.stderr.write(`${note}\n`);
  if (values.output) {
    const out = path.resolve(g.cwd, values.output as string);
    await writeFileAtomic(out, reporter(report, { ...opts, color: false }));
    if (name !== 'pretty') process.stdout.write((await getReporter('pretty', g.cwd))(report, opts));
    process.stderr.write(`wrote ${path.relative(g.cwd, out) || out}\n`);
  } else {
    process.stdout.write(reporter(report, opts));
  }
  trace('report written');
  return report;
}

/** 0 when nothing failed or crashed; warnings and skips do not fail a run. */
export function exitCodeFor(report: RunReport): number {
  return report.summary.fail + report.summary.error > 0 ? 1 : 0;
}
