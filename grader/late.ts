// The course's late policy (course.yaml `late:`), applied to the time a submission was made.
//
// Decisions (docs/grader.md):
// - the deadline is the due date plus the student's extension; grace minutes are added on top, and
//   work inside the grace is on time;
// - past the grace, every started day counts (partial days round up): one minute late after the
//   grace costs one day's penalty, as the course settings' wording ("each day, or part of a day");
// - lateness is counted from the end of the grace, not from the due date, so a grace period is a
//   true grace and not a delayed full-day charge;
// - the penalty is a percent of the assignment's points (not of the student's score), capped at
//   maxPenaltyPercent, and a total never goes below zero.
import type { LatePolicy } from '../lib/course.js';
import type { LatePenalty } from './types.js';

export function latePenalty(submitted: Date, due: Date | undefined, extensionMinutes: number, policy: LatePolicy): LatePenalty {
  if (!due) return { late: false, minutesLate: 0, penaltyPercent: 0 };
  const end = due.getTime() + (extensionMinutes + policy.graceMinutes) * 60_000;
  const ms = submitted.getTime() - end;
  if (ms <= 0) return { late: false, minutesLate: 0, penaltyPercent: 0 };
  const minutesLate = Math.ceil(ms / 60_000);
  const days = Math.ceil(minutesLate / 1440);
  const penaltyPercent = Math.min(policy.maxPenaltyPercent, days * policy.penaltyPercentPerDay);
  return { late: true, minutesLate, penaltyPercent };
}

/** The score after the penalty: a percent of `possible` points off, never below zero. */
export function applyPenalty(score: number, possible: number, late: LatePenalty | undefined): number {
  const off = late?.late ? (possible * late.penaltyPercent) / 100 : 0;
  return Math.max(0, Math.round((score - off) * 100) / 100);
}
