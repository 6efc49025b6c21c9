// Writes every output of a graded batch into one folder. Pure of the clock and the machine: the
// same batch gives the same bytes (students sorted by NetID, no timestamps), and every file is
// written atomically, so a run killed at any point and run again ends with identical files.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../lib/errors.js';
import { holdsExactly, writeDerivedSync, writeFileAtomic } from '../../lib/util/atomic.js';
import type { BatchResult, StudentResult } from '../types.js';
import { sortedStudents, type MissingPolicy } from './common.js';
import { canvasCsv, gradesCsv } from './csv.js';
import { feedbackMd } from './feedback.js';
import { gradescopeResults } from './gradescope.js';
import { reportHtml } from './html.js';

export interface ExportOptions {
  /** Canvas's id of the assignment: the canvas.csv column then updates it instead of adding one. */
  canvasAssignmentId?: string;
  /** The assignment's title in Canvas; default the spec's title. */
  title?: string;
  /** What Canvas gets for a student without work (see MissingPolicy); default blank. */
  missing?: MissingPolicy;
}

/** A NetID becomes a file name: anything but letters, digits, `.`, `_` and `-` is replaced. */
export function safeFileName(netid: string): string {
  const s = netid.replace(/[^\p{L}\p{N}._-]/gu, '_');
  return /^\.*$/.test(s) ? `_${s}` : s;
}

/**
 * A student's own files, as [path relative to the output folder, text or undefined for "must not
 * exist"]. Gradescope gets a results.json only for a graded student: its score is the grade, and a
 * student we could not grade (incomplete, a clone that failed) must not get a zero there.
 */
function studentFiles(batch: BatchResult, s: StudentResult): [string, string | undefined][] {
  const name = safeFileName(s.netid);
  return [
    [`gradescope/${name}/results.json`, s.status === 'graded' ? JSON.stringify(gradescopeResults(batch, s), null, 2) + '\n' : undefined],
    [`feedback/${name}.md`, feedbackMd(batch, s)],
  ];
}

/**
 * Writes a batch's outputs. A student's own files (feedback, Gradescope results) depend only on the
 * assignment's header and that student, so the grader writes them as each student finishes,
 * overlapping the rest of the batch; `finish` then writes the class files and any student not yet
 * written. Per-student files are written synchronously, unsynced, and only when changed (see
 * writeDerivedSync): they are rebuilt from the results cache by every run that changes the batch.
 */
export class OutputWriter {
  private done = new Set<string>();
  private started = false;

  constructor(
    readonly outDir: string,
    readonly opts: ExportOptions = {},
    /** Called once, before the first file is written (the grader removes its "complete" marker). */
    private readonly beforeFirstWrite: () => void = () => {},
  ) {}

  private write(rel: string, text: string | undefined): void {
    try {
      if (text === undefined) this.remove(rel);
      else this.writeFile(rel, text);
    } catch (e) {
      throw unwritable(rel, e);
    }
  }

  /** A file an earlier run wrote that this one must not leave behind (a grade that is no longer one). */
  private remove(rel: string): void {
    if (this.isFresh(rel.slice(0, rel.indexOf('/')))) return;
    const file = path.join(this.outDir, rel);
    if (!existsSync(file)) return;
    if (!this.started) {
      this.started = true;
      this.beforeFirstWrite();
    }
    rmSync(file, { force: true });
  }

  private writeFile(rel: string, text: string): void {
    const file = path.join(this.outDir, rel);
    const data = Buffer.from(text);
    // In a folder this writer made (a first run), nothing can be there already: no comparison, and
    // a student's own subfolder is made before the write rather than after it fails.
    const fresh = this.isFresh(rel.slice(0, rel.indexOf('/')));
    if (!fresh && holdsExactly(file, data)) return;
    if (!this.started) {
      this.started = true;
      this.beforeFirstWrite();
    }
    if (fresh && !this.madeDirs.has(path.dirname(file))) {
      mkdirSync(path.dirname(file), { recursive: true });
      this.madeDirs.add(path.dirname(file));
    }
    writeDerivedSync(file, data, false);
  }

  /** Top folders (feedback, gradescope): whether they were absent when this writer first looked. */
  private absent = new Map<string, boolean>();
  private madeDirs = new Set<string>();
  private isFresh(top: string): boolean {
    let fresh = this.absent.get(top);
    if (fresh === undefined) this.absent.set(top, (fresh = !existsSync(path.join(this.outDir, top))));
    return fresh;
  }

  /** One student's files, now. */
  student(assignment: BatchResult['assignment'], s: StudentResult): void {
    const mini: BatchResult = { assignment, students: [s] };
    for (const [rel, text] of studentFiles(mini, s)) this.write(rel, text);
    this.done.add(s.netid);
  }

  /** The class files (synced to disk, last) and every student not written yet; returns every path. */
  async finish(batch: BatchResult): Promise<string[]> {
    const perStudent: string[] = [];
    for (const s of sortedStudents(batch)) {
      if (this.done.has(s.netid)) {
        const name = safeFileName(s.netid);
        if (s.status === 'graded') perStudent.push(path.join(this.outDir, 'gradescope', name, 'results.json'));
        perStudent.push(path.join(this.outDir, 'feedback', `${name}.md`));
        continue;
      }
      for (const [rel, text] of studentFiles(batch, s)) {
        this.write(rel, text);
        if (text !== undefined) perStudent.push(path.join(this.outDir, rel));
      }
    }
    // Written (and synced) side by side: each waits mostly on its own fsync.
    const written = await Promise.all(
      (
        [
          ['grades.csv', gradesCsv(batch)],
          ['canvas.csv', canvasCsv(batch, this.opts)],
          ['report.html', reportHtml(batch)],
        ] as const
      ).map(async ([rel, text]) => {
        const file = path.join(this.outDir, rel);
        await writeFileAtomic(file, text).catch((e) => {
          throw unwritable(rel, e);
        });
        return file;
      }),
    );
    return [...written, ...perStudent];
  }
}

/**
 * An output the file system refused (a folder where a file goes, a file where a folder goes, no
 * permission, a full disk): the instructor's to fix, not a bug. Checked results are in the cache,
 * so the run after the fix only writes.
 */
function unwritable(rel: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (!code) return e as Error;
  return new UserError(
    `cannot write ${rel} in the output folder: ${code}`,
    `make sure the output folder and its feedback/ and gradescope/ folders are folders you can write to (move aside whatever is in their place), then run the command again; results already checked are kept`,
  );
}

/** Writes grades.csv, canvas.csv, gradescope/<NetID>/results.json, feedback/<NetID>.md, report.html. */
export async function writeOutputs(batch: BatchResult, outDir: string, opts: ExportOptions = {}): Promise<string[]> {
  return new OutputWriter(outDir, opts).finish(batch);
}

export { canvasCsv, gradesCsv, feedbackMd, gradescopeResults, reportHtml };
