import type { Finding } from './types.js';

/**
 * The user's setup or input is wrong (bad spec, bad user.cfg, bad arguments).
 * The CLI prints `message` and `fix` on one line each and exits 2; no stack unless --debug.
 */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    readonly fix?: string,
    /** Further lines (for example every problem in a spec), printed after the message. */
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

/** Thrown by a check: the student's work is wrong. `partial` in [0, 1] is the share of points kept. */
export class Failure extends Error implements Finding {
  override name = 'Failure';
  readonly code?: string;
  readonly rationale: string;
  readonly hint?: string;
  readonly expected?: string;
  readonly actual?: string;
  readonly file?: string;
  readonly line?: number;
  readonly partial: number;
  /**
   * A problem of form, not of content (Windows line endings, a byte-order mark, no final newline):
   * it costs this check's points, and the checks that depend on it still judge the content.
   */
  readonly soft: boolean;
  constructor(finding: Finding & { partial?: number; soft?: boolean }) {
    super(finding.rationale);
    this.code = finding.code;
    this.rationale = finding.rationale;
    this.hint = finding.hint;
    this.expected = finding.expected;
    this.actual = finding.actual;
    this.file = finding.file;
    this.line = finding.line;
    this.partial = Math.min(1, Math.max(0, finding.partial ?? 0));
    this.soft = finding.soft === true;
  }
}

/** Thrown by a check: advice the student should read; no points are lost. */
export class Advice extends Error implements Finding {
  override name = 'Advice';
  readonly code?: string;
  readonly rationale: string;
  readonly hint?: string;
  readonly file?: string;
  readonly line?: number;
  constructor(finding: Finding) {
    super(finding.rationale);
    this.code = finding.code;
    this.rationale = finding.rationale;
    this.hint = finding.hint;
    this.file = finding.file;
    this.line = finding.line;
  }
}

/** Thrown by a check that has nothing to judge (an optional file not handed in): never a pass. */
export class Skip extends Error {
  override name = 'Skip';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * Thrown by a check that cannot judge on this machine (python3, git, Java or a module missing):
 * a skip for a student's own `check`, but in the grader a fault of the grader's machine, so the
 * student is incomplete rather than losing the points.
 */
export class CannotJudge extends Skip {
  override name = 'CannotJudge';
}

/**
 * Thrown by a check that could not reach a verdict for a reason outside the student's files: AWS
 * unreachable, credentials rejected or expired, a permission missing. Reported as `error`, with a
 * clear reason and hint and no stack (it is not a bug).
 */
export class Unavailable extends Error {
  override name = 'Unavailable';
  constructor(
    readonly reason: string,
    readonly hint?: string,
  ) {
    super(reason);
  }
}
