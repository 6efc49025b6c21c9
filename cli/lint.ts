import path from 'node:path';
import { findRoot, listAssignments } from '../lib/repo.js';
import { loadCourse } from '../lib/course.js';
import { loadSpec, locatorFor, SpecError } from '../lib/spec/load.js';
import { patternHazards } from '../lib/spec/patterns.js';
import { UserError } from '../lib/errors.js';
import type { GlobalOptions } from './options.js';

/**
 * Validates every spec, and reports patterns that backtrack catastrophically; prints each problem
 * as file:line:col. Exit 1 when any spec has problems.
 */
export async function lint(positionals: string[], _values: Record<string, unknown>, g: GlobalOptions): Promise<number> {
  const root = findRoot(g.cwd);
  const course = await loadCourse(root);
  const files = positionals.length ? positionals.map((f) => path.resolve(g.cwd, f)) : (await listAssignments(root)).map((a) => a.spec);
  if (!files.length) throw new UserError(`no assignment specs found under ${path.join(root, 'assignments')}`, 'create one with assignments/<ID>/assignment.yaml');
  let bad = 0;
  let problems = 0;
  for (const file of files) {
    const rel = path.relative(g.cwd, file) || file;
    try {
      const spec = await loadSpec(file, course);
      // Catastrophic backtracking: only lint pays for the analysis, never check.
      const hazards = await patternHazards(spec, await locatorFor(spec.file));
      if (hazards.length) throw new SpecError(spec.file, hazards);
      process.stdout.write(`ok    ${rel}  (${spec.id}: ${spec.checks.length} checks, ${spec.points} points)\n`);
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      bad++;
      problems += e.problems.length;
      process.stdout.write(`FAIL  ${rel}\n${e.details.map((d) => `  ${d}\n`).join('')}`);
    }
  }
  process.stdout.write(bad ? `\n${problems} problem${problems === 1 ? '' : 's'} in ${bad} of ${files.length} specs\n` : `\nall ${files.length} specs valid\n`);
  return bad ? 1 : 0;
}
