// Core records shared by the engine, the check kinds and the reporters.
// Everything here is plain data: no printing, no exiting (see docs/architecture.md).

/** Why a check reached no verdict (see CheckResult.fault). */
export type Fault = 'offline' | 'network' | 'timeout' | 'crash' | 'environment';

/** The five outcomes of a check, kept apart on purpose (check50 merges skip and crash). */
export type Status = 'pass' | 'fail' | 'warn' | 'skip' | 'error';

export type Severity = 'error' | 'warn';

/** Parameters common to every check in an assignment spec; the rest belong to the kind. */
export interface CheckSpec {
  id: string;
  kind: string;
  /** Overrides the kind's default student-facing title. */
  title?: string;
  points: number;
  dependsOn: string[];
  severity: Severity;
  /** Seconds. */
  timeout: number;
  /** Counts towards the score but not towards the spec's total points. */
  extraCredit: boolean;
  /** Everything else in the check's mapping: the kind's own parameters. */
  params: Record<string, unknown>;
  /** Where the check sits in its spec file, for error messages. */
  where?: SourcePos;
  /** From the instructor's hidden-checks file: students see its points, not what it tests. */
  hidden?: boolean;
  /**
   * The instructor's own files for a hidden check (`files:` in the hidden-checks file), by the
   * name the check uses: copied read-only into each of its runs, in place of a student's file of
   * the same name.
   */
  material?: ReadonlyMap<string, Buffer>;
}

export interface SourcePos {
  file: string;
  line: number;
  column: number;
}

export interface FileList {
  required: string[];
  optional: string[];
}

export interface Spec {
  id: string;
  title: string;
  /** ISO instants in UTC, resolved with the spec's or the course's time zone. */
  release?: string;
  due?: string;
  /** `due` as people read it in `timezone` ("2017-01-20 23:59 EST"), computed once with the spec. */
  dueText?: string;
  timezone: string;
  points: number;
  files: FileList;
  checks: CheckSpec[];
  /** Absolute path of the assignment folder. */
  dir: string;
  /** Absolute path of assignment.yaml. */
  file: string;
  /** SHA-256 of the spec file's bytes. */
  hash: string;
}

/** What a student reads when a check does not pass. */
export interface Finding {
  /**
   * A stable reason, short and in kebab case (`blank-lines`, `forbidden`): the kind's own word for
   * what is wrong, so exports can count reasons whatever the prose says. Results carry it as
   * `<kind>/<code>` (`file.lines/blank-lines`).
   */
  code?: string;
  /** One sentence: what is wrong. */
  rationale: string;
  /** How to fix it. */
  hint?: string;
  expected?: string;
  actual?: string;
  /** File (relative to the assignment folder) and line the finding is about. */
  file?: string;
  line?: number;
}

export interface CheckResult extends Partial<Finding> {
  id: string;
  kind: string;
  title: string;
  status: Status;
  /** Points awarded. */
  points: number;
  /** Points at stake (0 for warn-severity checks). */
  maxPoints: number;
  extraCredit: boolean;
  /** Why the check was skipped, or what crashed. */
  reason?: string;
  /**
   * Set when no verdict could be reached for a reason outside the student's work: the network, a
   * time limit, a crash, a tool missing on this machine, or a grader run with --offline. In the
   * grader such a student is incomplete (their grade is not written) and the check is tried again.
   */
  fault?: Fault;
  /**
   * Not judged where it ran (a grader cannot see a student's laptop or AWS account; a zip has no
   * history; CI has neither): skipped, and worth no points there.
   */
  notJudged?: boolean;
  /** Failed on form only (line endings, a byte-order mark): the checks that depend on it still ran. */
  soft?: boolean;
  /** What a passing check found, for the student to confirm ("account 1234…, IAM user qz417"). */
  note?: string;
  /** Stack of a crashed check (shown under --debug and in JSON). */
  stack?: string;
  /** Relative link to the kind's documentation page. */
  doc: string;
  /** A hidden check (see CheckSpec.hidden): exporters show its status and points only. */
  hidden?: boolean;
  durationMs: number;
}

export interface Summary {
  pass: number;
  fail: number;
  warn: number;
  skip: number;
  error: number;
  points: number;
  maxPoints: number;
  extraCreditPoints: number;
}

export interface RunReport {
  harness: { version: string };
  assignment: { id: string; title: string; specHash: string; due?: string; dueText?: string };
  student?: { netid: string; name?: string; email: string };
  results: CheckResult[];
  summary: Summary;
  /** ISO instant the run started; reporters that need a time (JUnit) use it, so output is repeatable. */
  startedAt?: string;
  durationMs: number;
}
