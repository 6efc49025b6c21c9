// Records of the instructor's batch layer. Plain data: the grading pipeline produces them, the
// exporters (grades.csv, canvas.csv, Gradescope results.json, feedback, report.html) only read them.
import type { CheckResult, Summary } from '../lib/types.js';

/** One roster row (roster CSV), or one student found in a Canvas download. */
export interface RosterEntry {
  netid: string;
  name: string;
  email?: string;
  /** The fork's git URL: SSH or HTTPS, or a local path / file:// URL in tests. */
  repo?: string;
  canvasId?: string;
  sisUserId?: string;
  sisLoginId?: string;
  section?: string;
  /** Extra time granted to this student, in minutes. */
  extensionMinutes: number;
  /** Line in the roster file (for messages). */
  line?: number;
}

/**
 * What `harness collect` recorded: the commit `grade` chooses (the last one at or before the
 * deadline rule), the branch's tip for the late policy, and when it was fetched.
 */
export interface LedgerEntry {
  netid: string;
  assignment: string;
  repo: string;
  /** The commit the deadline rule chooses ('' when none is at or before the deadline, or on a problem). */
  commit: string;
  /** The tip of the branch when fetched (older ledgers: absent, and `commit` was the tip). */
  tip?: string;
  branch: string;
  /** ISO time of the fetch (the instructor's clock, not the student's commit dates). */
  fetchedAt: string;
  /** Set when the fork could not be fetched (commit is then ''); such lines never pin a commit. */
  problem?: string;
}

/**
 * Why a commit was graded: `collected` / `date-based`: the last commit at or before the deadline
 * (chosen by `collect`, or now); `later`: the branch's later tip, with the late penalty, because
 * it scored more; `zip`: the upload.
 */
export type CommitChoice = 'collected' | 'date-based' | 'later' | 'zip';

/**
 * `missing fork` (no fork, or one the grader cannot read) and `no upload` (a Canvas download with
 * nothing from the student) are students without work: canvas.csv writes them per the missing-work
 * policy (blank by default, or 0). `incomplete`: graded, but some check that matters could not run (the network, a time limit, a
 * crash, a tool missing on the grading machine, --offline); the total is not final and no grade
 * is exported for the student until a run judges those checks.
 */
export type StudentStatus = 'graded' | 'incomplete' | 'missing fork' | 'no upload' | 'clone failed' | 'timed out' | 'error';

/** One commit graded for a student (the on-time one, and the later tip when the course accepts late work). */
export interface Attempt {
  commit: string;
  commitTime?: string;
  /** Points before the late penalty (extra credit included). */
  score: number;
  penaltyPercent: number;
  /** After the penalty. */
  total: number;
  /** The attempt whose total the student gets. */
  chosen: boolean;
}

export interface LatePenalty {
  late: boolean;
  /** Minutes after the due date plus extension and grace (0 when on time). */
  minutesLate: number;
  /** Percent taken off: of the student's score, or of the points possible (`base`). */
  penaltyPercent: number;
  /** What the percent is of (course.yaml `late.base`); absent in records written before it existed. */
  base?: 'score' | 'points';
  /** Canvas marked the upload LATE without its time: counted as one day late, and said so. */
  flagOnly?: boolean;
}

export interface StudentResult {
  netid: string;
  name: string;
  status: StudentStatus;
  /** Why the student could not be graded (status other than graded). */
  reason?: string;
  commit?: string;
  choice?: CommitChoice;
  /** ISO committer time of the graded commit, or the upload time for zips. */
  commitTime?: string;
  late?: LatePenalty;
  results: CheckResult[];
  summary?: Summary;
  /** The score after the late penalty. */
  total: number;
  /** Canvas identities, copied from the roster so canvas.csv needs nothing else (merge of shards). */
  canvasId?: string;
  sisUserId?: string;
  sisLoginId?: string;
  section?: string;
  /** The student's own submission.json, shown as self-reported evidence. */
  selfReported?: unknown;
  /** A secret found in the work or its pushed history (masked): deactivate it now. */
  leak?: string;
  /** Every commit graded, when there was more than one (on time and late): which one counted and why. */
  attempts?: Attempt[];
}

/** One check of the batch's spec, in spec order (hidden-checks file merged in). */
export interface BatchCheck {
  id: string;
  title: string;
  maxPoints: number;
  extraCredit?: boolean;
  /** From the instructor's hidden-checks file: students see the outcome and points, not the title. */
  hidden?: boolean;
}

export interface BatchResult {
  assignment: {
    id: string;
    title: string;
    points: number;
    due?: string;
    /** `due` as people read it in the course time zone ("2017-01-20 23:59 EST"). */
    dueText?: string;
    /** The course's time zone (IANA name): feedback shows commit times in it. */
    timezone?: string;
    specHash: string;
    hiddenHash?: string;
    /** The checks in spec order; exporters fall back to the order results appear in. */
    checks?: BatchCheck[];
    /** Ids of hidden checks, when `checks` is not given. */
    hiddenChecks?: string[];
  };
  students: StudentResult[];
}
