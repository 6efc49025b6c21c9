// Where the work is. Real repositories of the course keep answers in folders the spec does not
// expect (`A2_hadoop/` rather than `assignments/A2/`); without this, a student reads "q1.txt is
// missing" once per file and nothing says the assignment folder itself is absent. The engine asks
// once per run (lib/engine.ts) and, when the work is not where the spec expects it, reports that
// once, with where it looked and the folder that most likely holds the work.
import path from 'node:path';
import type { AssignmentFiles } from './fsio.js';
import type { Spec } from './types.js';

export interface Misplaced {
  /** The assignment folder, relative to the repository root, '/'-separated ("assignments/A2"). */
  folder: string;
  /** The folder is not there at all (else it is there but holds none of the required files). */
  missing: boolean;
  required: number;
  /** The folder holding the most required files (by name), relative to the root, with how many. */
  likely?: { folder: string; found: number };
}

/** Folders looked at in one search, and how deep: a fork is a handful of folders; a hostile one is cut short. */
const MAX_DIRS = 5000;
const MAX_DEPTH = 4;
const SKIP = /^(\.|__MACOSX$|node_modules$|__pycache__$)/;

/**
 * Undefined when the work is where the spec expects it: the assignment folder exists and holds at
 * least one required file, or the spec requires none. Otherwise where it looked, and the likely
 * folder. A folder that exists but holds none of the files is reported only when another folder
 * holds some (a student who has not started yet just has missing files).
 */
export function findMisplaced(files: AssignmentFiles, spec: Pick<Spec, 'dir' | 'files'>): Misplaced | undefined {
  const required = spec.files.required;
  if (required.length === 0) return undefined;
  const v = files.volume;
  const dir = path.resolve(spec.dir);
  const missing = v.stat(dir)?.type !== 'directory';
  if (!missing && required.some((f) => v.lstat(path.join(dir, f)) !== undefined)) return undefined;
  // The repository root: assignments live in <root>/assignments/<id>. Anywhere else (an unpacked
  // upload), there is no repository to search.
  const root = path.basename(path.dirname(dir)) === 'assignments' ? path.dirname(path.dirname(dir)) : undefined;
  const rel = (p: string) =>
    path
      .relative(root ?? path.dirname(dir), p)
      .split(path.sep)
      .join('/');
  const likely = root && v.stat(root)?.type === 'directory' ? search(files, root, dir, required) : undefined;
  if (!missing && !likely) return undefined;
  return { folder: rel(dir), missing, required: required.length, likely: likely && { folder: rel(likely.dir), found: likely.found } };
}

function search(files: AssignmentFiles, root: string, self: string, required: string[]): { dir: string; found: number } | undefined {
  const v = files.volume;
  const wanted = new Set(required.map((f) => path.posix.basename(f)));
  // At least a third of the files (and two, when there are several): one shared name such as
  // q1.txt is no evidence.
  const least = Math.max(required.length > 2 ? 2 : 1, Math.ceil(required.length / 3));
  let best: { dir: string; found: number } | undefined;
  const queue: { dir: string; depth: number }[] = [{ dir: root, depth: 0 }];
  for (let seen = 0; queue.length && seen < MAX_DIRS; seen++) {
    const { dir, depth } = queue.shift()!;
    const names = v.readdir(dir);
    // Another assignment's own folder (it has a spec) is never the likely place for this one's work.
    const isSpecFolder = names.includes('assignment.yaml') && dir !== self;
    let found = 0;
    for (const n of names) {
      const abs = path.join(dir, n);
      const e = v.lstat(abs);
      if (e?.type === 'directory' && depth < MAX_DEPTH && !SKIP.test(n)) queue.push({ dir: abs, depth: depth + 1 });
      else if (e?.type === 'file' && wanted.has(n)) found++;
    }
    if (!isSpecFolder && dir !== self && found >= least && (!best || found > best.found)) best = { dir, found };
  }
  return best;
}

/** The sentence and the hint the student reads, once. */
export function describeMisplaced(m: Misplaced, assignment: string): { rationale: string; hint: string } {
  const where = `${m.folder}/`;
  const rationale = m.missing
    ? `The assignment folder ${where} is not there, so none of ${assignment}'s ${m.required} required files could be found; this is where the harness looked.`
    : `None of ${assignment}'s ${m.required} required files are in ${where}, where the harness looked.`;
  const hint = m.likely
    ? `Your work seems to be in ${m.likely.folder}/ (${m.likely.found} of the ${m.required} required files). Move it: mkdir -p ${where} && git mv ${quote(m.likely.folder)}/* ${where}, then commit and push.`
    : `Put your answers in ${where} (the folder the course's repository has for ${assignment}), then commit and push.`;
  return { rationale, hint };
}

const quote = (p: string) => (/^[\w./-]+$/.test(p) ? p : `"${p.replace(/(["\\$`])/g, '\\$1')}"`);
