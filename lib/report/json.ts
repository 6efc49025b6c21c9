// The JSON reporter: the RunReport itself, plus `schemaVersion`, with keys in a fixed order that
// docs/reporters.md documents. The order is spelled out here rather than taken from however the
// engine happened to build its objects, so diffs between two runs stay small and stable.
import type { RunReport } from '../types.js';
import type { ReporterOptions } from './index.js';

/** Bump when a field is removed or changes meaning; adding a field does not bump it. */
export const SCHEMA_VERSION = 1;

const ORDER = {
  top: ['schemaVersion', 'harness', 'assignment', 'student', 'startedAt', 'durationMs', 'summary', 'results'],
  harness: ['version'],
  assignment: ['id', 'title', 'due', 'dueText', 'specHash'],
  student: ['netid', 'name', 'email'],
  summary: ['pass', 'fail', 'warn', 'skip', 'error', 'points', 'maxPoints', 'extraCreditPoints'],
  result: [
    'id',
    'kind',
    'title',
    'status',
    'points',
    'maxPoints',
    'extraCredit',
    'rationale',
    'file',
    'line',
    'expected',
    'actual',
    'hint',
    'reason',
    'note',
    'stack',
    'doc',
    'durationMs',
  ],
} as const;

/**
 * Copies `obj` with the keys in `order` first, then any keys this version does not know
 * (added to the types later) in alphabetical order, so nothing is silently dropped.
 */
function ordered(obj: object, order: readonly string[]): Record<string, unknown> {
  const src = obj as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of order) if (src[k] !== undefined) out[k] = src[k];
  for (const k of Object.keys(src).sort()) if (!(k in out) && src[k] !== undefined) out[k] = src[k];
  return out;
}

export function toJsonShape(report: RunReport): Record<string, unknown> {
  return ordered(
    {
      ...report,
      schemaVersion: SCHEMA_VERSION,
      harness: ordered(report.harness, ORDER.harness),
      assignment: ordered(report.assignment, ORDER.assignment),
      student: report.student && ordered(report.student, ORDER.student),
      summary: ordered(report.summary, ORDER.summary),
      results: report.results.map((r) => ordered(r, ORDER.result)),
    },
    ORDER.top,
  );
}

export function json(report: RunReport, _opts?: ReporterOptions): string {
  return JSON.stringify(toJsonShape(report), null, 2) + '\n';
}
