// Writes every output of a graded batch into one folder. Pure of the clock and the machine: the
// same batch gives the same bytes (students sorted by NetID, no timestamps), and every file is
// written atomically, so a run killed at any point and run again ends with identical files.
import path from 'node:path';
import { writeFileAtomic } from '../../lib/util/atomic.js';
import type { BatchResult } from '../types.js';
import { sortedStudents } from './common.js';
import { canvasCsv, gradesCsv } from './csv.js';
import { feedbackMd } from './feedback.js';
import { gradescopeResults } from './gradescope.js';
import { reportHtml } from './html.js';

export interface ExportOptions {
  /** Canvas's id of the assignment: the canvas.csv column then updates it instead of adding one. */
  canvasAssignmentId?: string;
  /** The assignment's title in Canvas; default the spec's title. */
  title?: string;
}

/** A NetID becomes a file name: anything but letters, digits, `.`, `_` and `-` is replaced. */
export function safeFileName(netid: string): string {
  const s = netid.replace(/[^\p{L}\p{N}._-]/gu, '_');
  return /^\.*$/.test(s) ? `_${s}` : s;
}

/** Writes grades.csv, canvas.csv, gradescope/<NetID>/results.json, feedback/<NetID>.md, report.html. */
export async function writeOutputs(batch: BatchResult, outDir: string, opts: ExportOptions = {}): Promise<string[]> {
  const files: [string, string][] = [
    ['grades.csv', gradesCsv(batch)],
    ['canvas.csv', canvasCsv(batch, opts)],
    ['report.html', reportHtml(batch)],
  ];
  for (const s of sortedStudents(batch)) {
    const name = safeFileName(s.netid);
    files.push([`gradescope/${name}/results.json`, JSON.stringify(gradescopeResults(batch, s), null, 2) + '\n']);
    files.push([`feedback/${name}.md`, feedbackMd(batch, s)]);
  }
  const written: string[] = [];
  for (const [rel, text] of files) {
    const file = path.join(outDir, rel);
    await writeFileAtomic(file, text);
    written.push(file);
  }
  return written;
}

export { canvasCsv, gradesCsv, feedbackMd, gradescopeResults, reportHtml };
