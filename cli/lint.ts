// `harness lint`: every spec is valid (schema, then semantic rules, every problem with file:line:col),
// and an assignment's untouched folder (the starter files the course ships) earns no points: a
// student who hands in nothing must get nothing, whatever the checks happen to accept.
import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { findRoot, listAssignments, resolveAssignment } from '../lib/repo.js';
import { loadCourse, type Course } from '../lib/course.js';
import { loadSpec, locatorFor, SpecError } from '../lib/spec/load.js';
import { patternHazards } from '../lib/spec/patterns.js';
import { UserError } from '../lib/errors.js';
import { runChecks, summarize } from '../lib/engine.js';
import type { Spec } from '../lib/types.js';
import type { GlobalOptions } from './options.js';

/**
 * Validates every spec, reports patterns that backtrack catastrophically and starters that earn
 * points; prints each problem as file:line:col. Exit 1 when any spec has problems.
 */
export async function lint(positionals: string[], _values: Record<string, unknown>, g: GlobalOptions): Promise<number> {
  const root = findRoot(g.cwd);
  const course = await loadCourse(root);
  const files = positionals.length
    ? await Promise.all(positionals.map((p) => specFile(root, p, g.cwd)))
    : (await listAssignments(root)).map((a) => a.spec);
  if (!files.length)
    throw new UserError(
      `no assignment specs found under ${path.join(root, 'assignments')}`,
      'create one with assignments/<ID>/assignment.yaml',
    );
  let bad = 0;
  let problems = 0;
  for (const file of files) {
    const rel = path.relative(g.cwd, file) || file;
    let spec: Spec;
    try {
      spec = await loadSpec(file, course);
      // Catastrophic backtracking: only lint pays for the analysis, never check.
      const hazards = await patternHazards(spec, await locatorFor(spec.file));
      if (hazards.length) throw new SpecError(spec.file, hazards);
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      bad++;
      problems += e.problems.length;
      process.stdout.write(`FAIL  ${rel}\n${e.details.map((d) => `  ${d}\n`).join('')}`);
      continue;
    }
    const starter = await starterPoints(spec, course);
    if (starter.earned > 0) {
      bad++;
      problems++;
      process.stdout.write(
        `FAIL  ${rel}\n  ${rel}: the untouched assignment folder (the starter files alone) earns ${starter.earned} point${starter.earned === 1 ? '' : 's'}: ${starter.by.join(', ')}; ` +
          'a student who hands in nothing must get 0: check what the work adds (run it, compare its output), not only that a starter file exists or parses\n',
      );
      continue;
    }
    const untested = starter.untested.length ? `; starter not judged here by ${starter.untested.join(', ')}` : '';
    process.stdout.write(`ok    ${rel}  (${spec.id}: ${spec.checks.length} checks, ${spec.points} points${untested})\n`);
  }
  process.stdout.write(
    bad ? `\n${problems} problem${problems === 1 ? '' : 's'} in ${bad} of ${files.length} specs\n` : `\nall ${files.length} specs valid\n`,
  );
  return bad ? 1 : 0;
}

/** A path to a spec file, or an assignment id (`A1`) naming assignments/A1/assignment.yaml. */
async function specFile(root: string, arg: string, cwd: string): Promise<string> {
  const p = path.resolve(cwd, arg);
  if (existsSync(p)) return statSync(p).isDirectory() ? path.join(p, 'assignment.yaml') : p;
  if (/^[A-Za-z][A-Za-z0-9_-]*$/.test(arg)) return (await resolveAssignment(root, arg, cwd)).spec;
  throw new UserError(`${arg} is neither a spec file nor an assignment id`, 'give an id such as A1, or the path of an assignment.yaml');
}

/**
 * Grades the assignment folder as the course ships it, as the grader would grade an upload of it
 * (no network, a made-up student): the points it earns, by check, and the checks that could not
 * run here (a tool missing), whose starter behaviour is therefore not known.
 */
async function starterPoints(spec: Spec, course: Course): Promise<{ earned: number; by: string[]; untested: string[] }> {
  const identity = { netid: 'starter0', name: 'Starter Only', email: 'starter0@example.edu', warnings: [], file: '' };
  const results = await runChecks(spec, { course, identity, mode: 'zip', offline: true });
  const s = summarize(results);
  const by = results.filter((r) => r.points > 0).map((r) => `${r.id} (${r.points}${r.extraCredit ? ', extra credit' : ''})`);
  const untested = [...new Set(results.filter((r) => r.fault === 'environment').map((r) => r.kind))];
  return { earned: Math.round((s.points + s.extraCreditPoints) * 100) / 100, by, untested };
}
