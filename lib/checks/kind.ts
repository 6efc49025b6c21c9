import type { CheckSpec, Spec } from '../types.js';
import type { Course } from '../course.js';
import type { Identity } from '../usercfg.js';
import type { AssignmentFiles } from '../fsio.js';
import type { AwsAccess } from '../aws/access.js';

/** What a check may use. Tests hand in fakes; nothing here prints or exits. */
export interface CheckContext {
  spec: Spec;
  check: CheckSpec;
  course: Course;
  /** The student, when user.cfg was valid. Checks that need it declare `needsIdentity`. */
  identity?: Identity;
  /** Reads inside the assignment folder with size caps and symlink rules. */
  files: AssignmentFiles;
  /** The python3 to run (`HARNESS_PYTHON` or `python3` on PATH). */
  python: string;
  /** AWS access for live checks (SDK loaded on first use); undefined with --offline. */
  aws?: AwsAccess;
  /** Aborted when the check's timeout passes. */
  signal: AbortSignal;
  /** The time "now" for checks that care (tests pin it). */
  now: () => Date;
  /**
   * A long-lived compiler for python.syntax, shared by a batch (the grader) so each student costs
   * no python start-up: takes the same stdin python.syntax would send, returns the parsed output.
   */
  compilePython?: (input: Buffer, signal: AbortSignal) => Promise<unknown>;
}

/**
 * One kind of check: a small module with a stable id, the sentence the student reads, a params
 * schema and `run`. `run` passes by returning and fails by throwing `Failure` (or `Advice`, `Skip`).
 * Copy lib/checks/_template.ts to add one.
 */
export interface CheckKind<P = Record<string, unknown>> {
  /** Stable id used in specs and JSON, e.g. `file.text`. */
  kind: string;
  /** The student-facing title for a check of this kind with these params. */
  title(params: P): string;
  /** JSON Schema (draft-07) of the kind's own parameters; compiled at build time. */
  params: Record<string, unknown>;
  /**
   * Needs the network: `credentials` — the student's AWS credentials (skipped without them);
   * `anonymous` — verifiable with no credentials at all (the grader re-runs only these).
   * Every live check is skipped under --offline.
   */
  live?: 'credentials' | 'anonymous';
  /** Runs a process (git, python3): the engine starts these first, so they overlap the rest. */
  spawns?: boolean;
  /** Needs a valid user.cfg (for example the git author check). */
  needsIdentity?: boolean;
  /** Files (relative to the assignment folder) this check reads; used for --files and docs. */
  files?(params: P): string[];
  /**
   * Starts loading what `run` will need (a parser, a library) as soon as the run begins, so it
   * overlaps other checks instead of waiting behind them. Errors are left for `run` to meet.
   */
  prepare?(): Promise<unknown>;
  /** Semantic problems with params the schema cannot see (a bad regex); run by `harness lint`. */
  validate?(params: P): string[];
  /** May return a `note` (what it found) shown under the passing check; key ids in it are masked. */
  run(ctx: CheckContext, params: P): Promise<void | { note?: string }>;
}

export function defineKind<P>(kind: CheckKind<P>): CheckKind<P> {
  return kind;
}
