// A copy of the course (course.yaml and some assignments) whose specs keep only the checks a
// grader judges without the network: the live checks that need the internet (git.private,
// aws.s3.public, aws.s3.website) are taken out and the points total lowered to match. For tests
// and benchmarks of the grader's own work (deadlines, caching, resuming, speed): since `grade
// --offline` makes every student with such checks incomplete (their grade is not final), those
// would otherwise measure a different path. The live checks have benchmarks and tests of their own.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { REPO } from './fork.mjs';

export const INTERNET_KINDS = new Set(['git.private', 'aws.s3.public', 'aws.s3.website']);

/** Writes the copy at `dir` and returns it (run the CLI with `cwd: dir`). */
export function offlineCourse(dir, ids = ['A1']) {
  cpSync(path.join(REPO, 'course.yaml'), path.join(dir, 'course.yaml'));
  for (const id of ids) {
    const to = path.join(dir, 'assignments', id);
    cpSync(path.join(REPO, 'assignments', id), to, { recursive: true });
    const file = path.join(to, 'assignment.yaml');
    const doc = parseDocument(readFileSync(file, 'utf8'));
    const checks = doc.get('checks');
    let dropped = 0;
    checks.items = checks.items.filter((c) => {
      if (!INTERNET_KINDS.has(c.get('kind'))) return true;
      if (c.get('extraCredit') !== true && c.get('severity') !== 'warn') dropped += Number(c.get('points') ?? 0);
      return false;
    });
    doc.set('points', Math.round((Number(doc.get('points')) - dropped) * 100) / 100);
    writeFileSync(file, doc.toString());
  }
  return dir;
}
