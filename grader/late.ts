// The course's late policy (course.yaml `late:`), applied to the time a submission was made.
//
// Decisions (docs/course-settings.md, docs/decisions/0014-late-penalty-base.md):
// - the deadline is the due date plus the student's extension; grace minutes are added on top, and
//   work inside the grace is on time;
// - past the grace, every started day counts (partial days round up): one minute late after the
//   grace costs one day's penalty, as the course settings' wording ("each day, or part of a day");
// - lateness is counted from the end of the grace, not from the due date, so a grace period is a
//   true grace and not a delayed full-day charge;
// - the penalty is a percent of the student's score by default ("50% off" halves 4.5 to 2.25), or
//   of the assignment's points (`late.base: points`, Canvas's rule), capped at maxPenaltyPercent;
//   a total never goes below zero.
import type { LatePolicy } from '../lib/course.js';
import type { LatePenalty } from './types.js';

export function latePenalty(submitted: Date, due: Date | undefined, extensionMinutes: number, policy: LatePolicy): LatePenalty {
  const base = policy.base ?? 'score';
  if (!due) return { late: false, minutesLate: 0, penaltyPercent: 0, base };
  const end = due.getTime() + (extensionMinutes + policy.graceMinutes) * 60_000;
  const ms = submitted.getTime() - end;
  if (ms <= 0) return { late: false, minutesLate: 0, penaltyPercent: 0, base };
  const minutesLate = Math.ceil(ms / 60_000);
  const days = Math.ceil(minutesLate / 1440);
  const penaltyPercent = Math.min(policy.maxPenaltyPercent, days * policy.penaltyPercentPerDay);
  return { late: true, minutesLate, penaltyPercent, base };
}

/** The score after the penalty: a percent of the score (or of `possible` points) off, never below zero. */
export function applyPenalty(score: number, possible: number, late: LatePenalty | undefined): number {
  const of = late?.base === 'points' ? possible : score;
  const off = late?.late ? (of * late.penaltyPercent) / 100 : 0;
  return Math.max(0, round2(score - off));
}

/**
 * The one sentence every export gives about lateness, with the arithmetic shown: what the percent
 * was taken of, and the score before and after. `score` is before the penalty, `total` after.
 */
export function lateSentence(late: LatePenalty, score: number, total: number, possible: number): string {
  const pct = `${fmt(late.penaltyPercent)}%`;
  const of =
    late.base === 'points'
      ? `of the assignment's ${fmt(possible)} points (${fmt((possible * late.penaltyPercent) / 100)} points)`
      : 'of your score';
  const when = late.flagOnly
    ? 'Canvas marks your upload late without saying by how much, so it counts as one day late'
    : `Late by ${duration(late.minutesLate)}, past the deadline and any grace`;
  return `${when}: ${pct} ${of} was taken off, ${fmt(score)} → ${fmt(total)} of ${fmt(possible)} points.`;
}

/** "1 day 2 hours", "5 hours 12 minutes", "12 minutes": the two largest units. */
export function duration(minutes: number): string {
  const units: [number, string][] = [
    [Math.floor(minutes / 1440), 'day'],
    [Math.floor((minutes % 1440) / 60), 'hour'],
    [minutes % 60, 'minute'],
  ];
  const first = units.findIndex(([n]) => n > 0);
  if (first < 0) return '0 minutes';
  return units
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, u]) => `${n} ${u}${n === 1 ? '' : 's'}`)
    .join(' ');
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const fmt = (n: number) => String(round2(n));
