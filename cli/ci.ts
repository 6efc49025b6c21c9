// `harness ci`: what a student's fork runs on every push (the repository's bitbucket-pipelines.yml).
// It checks only the assignments that are open (released, and not yet past the due date plus the
// course's grace), so a student who has finished A1 does not see A0 and A2–A5 fail all term; it
// runs them in `ci` mode, where checks that need the student's own machine or AWS account are
// skipped as "not checkable in CI" rather than failed; and it writes one JUnit report per
// assignment into test-results/, which Bitbucket's Tests tab picks up.
import path from 'node:path';
import { findRoot, listAssignments, resolveAssignment } from '../lib/repo.js';
import { loadCourse, type Course } from '../lib/course.js';
import { loadSpec } from '../lib/spec/load.js';
import { loadIdentity } from '../lib/usercfg.js';
import { formatInZone, zonedToUtc } from '../lib/util/time.js';
import { UserError } from '../lib/errors.js';
import type { Spec } from '../lib/types.js';
import { exitCodeFor, runAndReport } from './run.js';
import type { GlobalOptions } from './options.js';

export type Openness = { open: true } | { open: false; why: string };

/** Whether an assignment is open at `at`: released (or no release date) and not past due + grace. */
export function openness(spec: Spec, course: Course, at: Date): Openness {
  const t = at.getTime();
  if (spec.release && t < Date.parse(spec.release))
    return { open: false, why: `opens ${formatInZone(new Date(spec.release), spec.timezone)}` };
  if (spec.due && t > Date.parse(spec.due) + course.late.graceMinutes * 60_000)
    return { open: false, why: `closed ${formatInZone(new Date(spec.due), spec.timezone)}` };
  return { open: true };
}

export async function ci(positionals: string[], values: Record<string, unknown>, g: GlobalOptions): Promise<number> {
  const root = findRoot(g.cwd);
  const course = await loadCourse(root);
  const at = values.at === undefined ? new Date() : parseAt(String(values.at), course.timezone);
  const refs = positionals.length
    ? await Promise.all(positionals.map((id) => resolveAssignment(root, id, g.cwd)))
    : await listAssignments(root);
  const specs = await Promise.all(refs.map((r) => loadSpec(r.spec, course)));
  // Named assignments are checked whatever their dates; otherwise only the open ones (or --all).
  const chosen: Spec[] = [];
  const skipped: string[] = [];
  for (const s of specs) {
    const o = positionals.length || values.all ? ({ open: true } as const) : openness(s, course, at);
    if (o.open) chosen.push(s);
    else skipped.push(`${s.id} (${o.why})`);
  }
  const when = formatInZone(at, course.timezone);
  process.stdout.write(
    `ci: ${chosen.length ? `checking ${chosen.map((s) => s.id).join(', ')}` : 'no assignment is open'} at ${when}${skipped.length ? `; not checked: ${skipped.join(', ')}` : ''}\n`,
  );
  if (!chosen.length) return 0;
  const identity = await loadIdentity(course, { file: values.user as string | undefined, cwd: g.cwd });
  const dir = path.resolve(g.cwd, (values['output-dir'] as string | undefined) ?? 'test-results');
  let code = 0;
  for (const spec of chosen) {
    process.stdout.write(`\n== ${spec.id} · ${spec.title}\n`);
    const report = await runAndReport(
      { root, course, spec, identity },
      { reporter: 'junit', output: path.join(dir, `harness-${spec.id}.xml`), offline: values.offline },
      g,
      'ci',
    );
    code = Math.max(code, exitCodeFor(report));
  }
  return code;
}

function parseAt(text: string, timeZone: string): Date {
  try {
    return zonedToUtc(text, timeZone);
  } catch {
    throw new UserError(
      `--at ${text} is not a date and time`,
      'e.g. --at "2017-01-15 12:00" (in the course\'s time zone) or --at 2017-01-15T17:00Z',
    );
  }
}
