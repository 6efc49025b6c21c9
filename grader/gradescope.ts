// One Gradescope submission, read the way the grader reads one upload from a Canvas download: the
// student's files from /autograder/submission (what they uploaded, a zip Gradescope did not unpack,
// or a whole fork sent from Bitbucket or GitHub), arranged where the spec expects them, and who it
// is and when it was handed in from /autograder/submission_metadata.json.
// Gradescope's own layout and metadata: docs/gradescope.md.
import { copyFile, lstat, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { isJunk } from '../lib/pack/junk.js';
import type { Spec } from '../lib/types.js';
import { arrange, type CanvasStudent } from './canvas.js';
import { safeUnzip } from './unzip.js';
import type { RosterEntry } from './types.js';

/** What submission_metadata.json tells us (every field optional: a local run has none). */
export interface GradescopeMeta {
  /** The first submitter (a group submission lists several; the first is graded as the submitter). */
  user?: { email?: string; name?: string; id?: string };
  /** When the student submitted (ISO). */
  createdAt?: string;
  /** The due date Gradescope holds for this student (their extension included), else the assignment's. */
  dueDate?: string;
}

export async function readMetadata(file: string | undefined): Promise<GradescopeMeta> {
  if (!file) return {};
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return {}; // absent (a local run) or unreadable: graded without identity or lateness
  }
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const users = Array.isArray(m.users) ? (m.users as Record<string, unknown>[]) : [];
  const u = users[0] ?? {};
  const own = (u.assignment ?? {}) as Record<string, unknown>;
  const all = (m.assignment ?? {}) as Record<string, unknown>;
  return {
    user: users.length ? { email: str(u.email), name: str(u.name), id: u.id === undefined ? undefined : String(u.id) } : undefined,
    createdAt: str(m.created_at),
    dueDate: str(own.due_date) ?? str(all.due_date),
  };
}

/** The roster entry for the submitter: the NetID is the email's part before "@", as in user.cfg. */
export function entryOf(meta: GradescopeMeta): RosterEntry {
  const email = meta.user?.email;
  const local = email
    ?.split('@')[0]
    .toLowerCase()
    .replace(/[^a-z0-9._-]/g, '');
  const netid = local || (meta.user?.id ? `gradescope-${meta.user.id}` : 'student');
  return { netid, name: meta.user?.name ?? netid, ...(email && { email }), extensionMinutes: 0 };
}

async function walk(dir: string, base = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(path.join(dir, base), { withFileTypes: true })) {
    const rel = base ? `${base}/${d.name}` : d.name;
    if (isJunk(rel) || d.name === '.git') continue;
    // Regular files only: a link in a submission could point anywhere on the grading machine.
    if (d.isDirectory()) out.push(...(await walk(dir, rel)));
    else if (d.isFile()) out.push(rel);
  }
  return out;
}

/**
 * The submission's files, laid out in `work` as the spec expects. A whole fork (it holds
 * `assignments/<id>/`) gives that folder; a lone zip (`ab123-A1.zip`, not unpacked) is unpacked
 * safely; anything else is taken as the answer files, found by name wherever they sit.
 */
export async function readSubmission(submission: string, work: string, spec: Spec, entry: RosterEntry): Promise<CanvasStudent> {
  const expected = [...spec.files.required, ...spec.files.optional];
  const stage = `${work}.stage`;
  await rm(work, { recursive: true, force: true });
  await rm(stage, { recursive: true, force: true });
  await mkdir(stage, { recursive: true });
  let all: string[];
  try {
    if (!(await lstat(submission)).isDirectory()) throw new Error('not a folder');
    all = (await walk(submission)).sort();
  } catch {
    all = [];
  }
  const problems: string[] = [];
  let uploadedName = path.basename(submission);
  const forkDir = `assignments/${spec.id}/`;
  const inFork = all.filter((f) => f.startsWith(forkDir));
  const zips = all.filter((f) => /\.zip$/i.test(f));
  let extracted: string[];
  if (inFork.length) {
    extracted = inFork.map((f) => f.slice(forkDir.length));
    for (const f of extracted) {
      await mkdir(path.dirname(path.join(stage, f)), { recursive: true });
      await copyFile(path.join(submission, forkDir, f), path.join(stage, f));
    }
    uploadedName = `a fork (${forkDir})`;
  } else if (zips.length === 1 && !all.some((f) => expected.includes(path.posix.basename(f)))) {
    const r = await safeUnzip(path.join(submission, zips[0]), stage);
    extracted = r.files;
    problems.push(...r.problems.map((p) => `${zips[0]}: ${p}`));
    uploadedName = zips[0];
  } else {
    extracted = all;
    for (const f of all) {
      await mkdir(path.dirname(path.join(stage, f)), { recursive: true });
      await copyFile(path.join(submission, f), path.join(stage, f));
    }
  }
  const files: string[] = [];
  await mkdir(work, { recursive: true });
  for (const [from, to] of arrange(extracted, expected)) {
    await mkdir(path.dirname(path.join(work, to)), { recursive: true });
    await rename(path.join(stage, from), path.join(work, to));
    files.push(to);
  }
  await rm(stage, { recursive: true, force: true });
  return {
    entry,
    dir: work,
    files: files.sort(),
    uploadedName,
    late: false,
    canvasUserId: '',
    ...(problems.length && { problem: problems.join('; ') }),
  };
}
