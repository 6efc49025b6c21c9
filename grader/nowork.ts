// Students without work, the same in fork and zip modes: no fork (or one the grader cannot read)
// is `missing fork`; a Canvas download with nothing from a student on the roster is `no upload`
// (not an error of the grader's). canvas.csv and `harness publish` write them per the course's
// missing-work policy (grader/export/common.ts, MissingPolicy).
import type { StudentResult } from './types.js';

/** The problem the grade command gives a roster student absent from the Canvas download. */
export const NO_UPLOAD = 'nothing from this student in the Canvas download';

/** A student graded as an upload that was never there becomes `no upload`. */
export function noUpload(s: StudentResult): StudentResult {
  if (s.status !== 'error' || s.reason !== NO_UPLOAD) return s;
  return { ...s, status: 'no upload', reason: 'nothing was uploaded to Canvas' };
}
