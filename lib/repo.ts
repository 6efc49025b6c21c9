// Finding the repository, its course file, its assignments, and which one the user means.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from './errors.js';

/** The folder holding course.yaml (or, failing that, .git), walking up from `start`. */
export function findRoot(start: string): string {
  let gitRoot: string | undefined;
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'course.yaml'))) return dir;
    if (!gitRoot && existsSync(path.join(dir, '.git'))) gitRoot = dir;
    if (path.dirname(dir) === dir) break;
  }
  if (gitRoot && existsSync(path.join(gitRoot, 'assignments'))) return gitRoot;
  throw new UserError(
    `no course repository found at or above ${start}`,
    'run the command inside your fork of the course repository (the folder with course.yaml and assignments/)',
  );
}

export interface AssignmentRef {
  id: string;
  dir: string;
  spec: string;
}

export async function listAssignments(root: string): Promise<AssignmentRef[]> {
  const base = path.join(root, 'assignments');
  let names: string[] = [];
  try {
    names = (await readdir(base, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
  return names
    .filter((n) => existsSync(path.join(base, n, 'assignment.yaml')))
    .sort(naturalCompare)
    .map((id) => ({ id, dir: path.join(base, id), spec: path.join(base, id, 'assignment.yaml') }));
}

/** The assignment a path lies in (`assignments/A1/...`), if any. */
export function assignmentAt(root: string, dir: string): string | undefined {
  const rel = path.relative(path.join(root, 'assignments'), path.resolve(dir));
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep)[0];
}

/**
 * A2 before A10: runs of digits compare as numbers, the rest case-insensitively. Not localeCompare:
 * its first call loads ICU's collator, several milliseconds of every command's start-up.
 */
export function naturalCompare(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const pa = a.toLowerCase().match(re) ?? [];
  const pb = b.toLowerCase().match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const [x, y] = [pa[i], pb[i]];
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) return Number(x) - Number(y) || x.length - y.length;
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Resolves the id the user gave, or infers it from where they ran npm; lists choices otherwise. */
export async function resolveAssignment(root: string, given: string | undefined, cwd: string): Promise<AssignmentRef> {
  const all = await listAssignments(root);
  const id = given ?? assignmentAt(root, cwd);
  const choices = all.map((a) => a.id).join(', ') || '(none found)';
  if (!id) {
    throw new UserError(
      'which assignment? none was given and the current folder is not inside one',
      `name one, e.g. \`npm run check -- ${all[0]?.id ?? 'A1'}\`; assignments: ${choices}`,
    );
  }
  const found = all.find((a) => a.id === id) ?? all.find((a) => a.id.toLowerCase() === id.toLowerCase());
  if (!found) throw new UserError(`no assignment "${id}" in ${path.join(root, 'assignments')}`, `assignments: ${choices}`);
  return found;
}
