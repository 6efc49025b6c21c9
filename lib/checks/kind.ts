import type { CheckContext } from '../context.js';

export type { CheckContext };

/** What judging a check needs (see CheckKind.needs). */
export type Need = 'files' | 'history' | 'internet' | 'account' | 'machine';

/** A kind's need for these params. */
export function needOf<P>(kind: CheckKind<P>, params: P): Need {
  return typeof kind.needs === 'function' ? kind.needs(params) : (kind.needs ?? 'files');
}

/** Needs the network (skipped under --offline). */
export const isLive = (n: Need) => n === 'internet' || n === 'account';

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
   * What judging the check needs, which decides where it can be judged (default `files`):
   * - `files`: the answer files alone: `check`, `grade` from a fork, `grade` from a zip upload;
   * - `history`: the commit and its git history: `check` and `grade` from a fork, not a zip;
   * - `internet`: the anonymous internet (no credentials): `check` and `grade`, unless offline;
   * - `account`: the student's AWS account, through their credentials: `check` only;
   * - `machine`: the student's own computer or clone (tools, ~/.ssh, remotes, push state):
   *   `check` only, and not in CI.
   * A function of the params where they decide (git.repo with `remotes` asks about a clone).
   * The grader never judges `account` or `machine` checks, and `harness lint` refuses points on them.
   */
  needs?: Need | ((params: P) => Need);
  /** Runs a process (git, python3): the engine starts these first, so they overlap the rest. */
  spawns?: boolean;
  /**
   * Runs the student's own code (a mapper, tests, a program), through lib/run/sandbox.ts: `grade`
   * refuses a spec with such checks where the sandbox cannot run (docs/sandbox.md).
   */
  runsStudentCode?: boolean;
  /** Needs a valid user.cfg (for example the git author check). */
  needsIdentity?: boolean;
  /** Files (relative to the assignment folder) this check reads: `harness lint` reports any not listed under `files`. */
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
