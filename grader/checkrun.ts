// Running one student's checks on one commit (read from git objects) or one upload. A job is plain
// data; what a batch shares (python, AWS access) lives in CheckEnv. (Grading threads were tried:
// on two cores, where the batch is CPU-bound, they were 5–10% slower than one thread; see
// docs/decisions/0003-grade-speed.md.)
import path from 'node:path';
import { runChecks } from '../lib/engine.js';
import { diskVolume, type Volume } from '../lib/fsio.js';
import type { AwsAccess } from '../lib/aws/access.js';
import type { Course } from '../lib/course.js';
import type { Identity } from '../lib/usercfg.js';
import type { CheckResult, Spec } from '../lib/types.js';
import { CommitGit } from './commitgit.js';
import { ObjectError, ObjectStore, parseCommit, type CommitInfo } from './objects.js';
import { CommitVolume } from './tree.js';
import type { RosterEntry } from './types.js';

/** One student's checking work, as plain data. */
export type CheckJob =
  | { kind: 'fork'; entry: RosterEntry; mirror: string; branch: string; commit: string }
  | { kind: 'zip'; entry: RosterEntry; dir: string; commit: string };

export interface Checked {
  results: CheckResult[];
  selfReported?: unknown;
}

/** What a batch sets up once and every job shares. */
export interface CheckEnv {
  spec: Spec;
  course: Course;
  out: string;
  python?: string;
  offline?: boolean;
  aws?: AwsAccess;
  compilePython?: (input: Buffer, signal: AbortSignal) => Promise<unknown>;
  /** Commits parsed in this batch, shared by every fork's history walks. */
  commits?: Map<string, CommitInfo>;
}

/** Runs the checks; `store` may be handed in by a caller that already opened the mirror. */
export async function checkSource(
  job: CheckJob,
  env: CheckEnv,
  store?: ObjectStore,
  reuse?: CheckResult[],
): Promise<Checked | { error: string }> {
  const entry = job.entry;
  const rel = path.relative(env.course.root, env.spec.dir);
  let work: string;
  let specDir: string;
  let volume: Volume | undefined;
  let git: CommitGit | undefined;
  if (job.kind === 'fork') {
    // The commit is graded straight from its objects: no checkout, nothing written. The path is
    // made up (it never exists on disk) and is replaced by '.' in everything the student sees.
    work = path.join(env.out, '.work', entry.netid.toLowerCase());
    const objects = store ?? new ObjectStore(job.mirror);
    let tree: CommitVolume;
    try {
      const c = objects.read(job.commit);
      if (c.type !== 'commit') throw new ObjectError(`${job.commit.slice(0, 12)} is a ${c.type}, not a commit`);
      tree = new CommitVolume(objects, work, parseCommit(job.commit, c.data).tree);
    } catch (e) {
      if (!(e instanceof ObjectError)) throw e;
      return { error: `commit ${job.commit.slice(0, 12)} could not be read: ${e.message}` };
    }
    volume = tree;
    specDir = path.join(work, rel);
    const prefix = rel ? `${rel.split(path.sep).join('/')}/` : '';
    git = new CommitGit({
      store: objects,
      mirror: job.mirror,
      root: work,
      prefix,
      commit: job.commit,
      branch: job.branch,
      url: entry.repo ?? '',
      tree,
      known: env.commits,
    });
  } else {
    work = specDir = job.dir;
  }
  try {
    const spec: Spec = { ...env.spec, dir: specDir, file: path.join(specDir, path.basename(env.spec.file)) };
    const identity: Identity | undefined = entry.email
      ? { netid: entry.netid, name: entry.name, email: entry.email, warnings: [], file: '' }
      : undefined;
    const raw = await runChecks(spec, {
      course: env.course,
      identity,
      identityProblem: identity ? undefined : 'the roster gives no email for this student',
      python: env.python,
      compilePython: env.compilePython,
      aws: env.aws,
      offline: env.offline,
      mode: job.kind,
      git,
      volume,
      reuse: reuse && new Map(reuse.map((r) => [r.id, r])),
    });
    const hidden = new Set(env.spec.checks.filter((c) => c.hidden).map((c) => c.id));
    const results = normalize(raw, hidden, work, env.out);
    const selfReported = readSelfReported(specDir, volume ?? diskVolume);
    return selfReported === undefined ? { results } : { results, selfReported };
  } catch (e) {
    if (e instanceof ObjectError) return { error: `commit ${job.commit.slice(0, 12)} could not be read: ${e.message}` };
    throw e;
  }
}

/** Results carry no times and no paths of this machine, so every run writes the same bytes. */
function normalize(raw: CheckResult[], hidden: Set<string>, work: string, out: string): CheckResult[] {
  // Usually no result names a path of this machine: then the results are fixed up in place.
  const text = JSON.stringify(raw);
  const fixed =
    text.includes(path.resolve(work)) || text.includes(path.resolve(out))
      ? (JSON.parse(cleanPaths(text, out, work)) as CheckResult[])
      : raw;
  for (const r of fixed) {
    r.durationMs = 0;
    delete r.stack;
    if (hidden.has(r.id)) r.hidden = true;
  }
  return fixed;
}

/** A text without this machine's paths: the student's tree becomes '.', the output folder '<grader>'. */
export function cleanPaths(text: string, out: string, work?: string): string {
  let t = text;
  if (work) t = t.split(path.resolve(work)).join('.');
  return t.split(path.resolve(out)).join('<grader>');
}

/** The student's submission.json from `harness submit`, if they committed it (capped, parsed). */
function readSelfReported(dir: string, volume: Volume): unknown {
  try {
    const abs = path.join(dir, 'submission.json');
    if (volume.lstat(abs)?.type !== 'file') return undefined;
    return JSON.parse(volume.read(abs, 'submission.json', 256 * 1024).toString('utf8'));
  } catch {
    return undefined;
  }
}
