// The deadline as a rule: the due date, plus the student's extension, plus the course's grace.
// `collect` and `grade` both choose the last commit at or before it, so collecting (at any time)
// and not collecting grade the same commit.
import type { Course } from '../lib/course.js';
import type { Spec } from '../lib/types.js';
import type { RosterEntry } from './types.js';

/** When work stops being on time for this student; undefined when the spec has no due date. */
export function deadlineOf(spec: Spec, course: Course, entry: Pick<RosterEntry, 'extensionMinutes'>): Date | undefined {
  if (!spec.due) return undefined;
  return new Date(Date.parse(spec.due) + (entry.extensionMinutes + course.late.graceMinutes) * 60_000);
}

/** Late work is worth grading only when the course has a late policy that still leaves points. */
export const acceptsLate = (course: Course) => course.late.penaltyPercentPerDay > 0 && course.late.maxPenaltyPercent < 100;
