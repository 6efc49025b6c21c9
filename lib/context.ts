// What a check may use: the spec, the student, the files, git, AWS, python, a clock and a signal.
// It sits below the check kinds (lib/checks/) so the helpers the kinds share (git, AWS values, the
// sandbox) can take a context without importing a kind. Tests hand in fakes; nothing prints or exits.
import type { CheckSpec, Spec } from './types.js';
import type { Course } from './course.js';
import type { Identity } from './usercfg.js';
import type { AssignmentFiles } from './fsio.js';
import type { AwsAccess } from './aws/access.js';
import type { GitView } from './git.js';

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
  /**
   * Git facts about the assignment folder: its clone (for `check`) or the commit being graded (for
   * the grader); undefined where there is no git at all (a zip upload).
   */
  git?: GitView;
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
