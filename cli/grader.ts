// The instructor's commands: `harness collect`, `harness grade`, `harness merge`. Thin: parse the
// options, load the course, spec and roster, call grader/*, write the outputs, say where they are.
// Exit 0 when the batch finished (even with students who could not be graded); 2 when the tool
// itself could not run (a UserError, reported by the command table).
import { readdir, readFile, rm } from 'node:fs/promises';
import { closeSync, existsSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { UserError } from '../lib/errors.js';
import { loadCourse, type Course } from '../lib/course.js';
import { loadSpec } from '../lib/spec/load.js';
import { findRoot, resolveAssignment } from '../lib/repo.js';
import { resolvePython } from '../lib/util/python.js';
import { writeFileAtomic } from '../lib/util/atomic.js';
import type { Spec } from '../lib/types.js';
import type { GlobalOptions } from './options.js';
import { BUILD, VERSION } from '../lib/version.js';
import { loadRoster } from '../grader/roster.js';
import { collect, FetchAhead } from '../grader/collect.js';
import { latestByStudent, LEDGER_FILE, readLedger } from '../grader/ledger.js';
import type { Candidate } from '../grader/grade.js';
import { shardOf } from '../grader/shard.js';
import { mergeHidden } from '../grader/hidden.js';
import { anonymousAwsEnv, sandboxFor, scrubEnvironment } from '../grader/sandbox.js';
import type { SandboxCeilings } from '../lib/run/sandbox.js';
import { closeGit } from '../grader/gitops.js';
import type { BatchResult, StudentResult } from '../grader/types.js';
import type { OutputWriter } from '../grader/export/index.js';
import { fingerprint, saveUpToDate, upToDate } from '../grader/uptodate.js';
import { lockOutput } from '../grader/lock.js';
import { courseFilesOf } from '../grader/layout.js';
import { NO_UPLOAD, noUpload } from '../grader/nowork.js';
import { mergeValues, missingPolicy } from './export-options.js';
import { trace } from '../lib/util/trace.js';

/** Limits on student code while grading, stricter than a student's own `check`. */
export const GRADER_CEILINGS: SandboxCeilings = {
  network: 'none',
  memoryBytes: 1024 ** 3,
  maxOutputBytes: 8 * 1024 * 1024,
  timeoutMs: 120_000,
};

async function setup(
  positionals: string[],
  values: Record<string, unknown>,
  g: GlobalOptions,
): Promise<{ course: Course; spec: Spec; out: string }> {
  if (positionals.length !== 1) throw new UserError('give one assignment id', 'e.g. `harness grade A1 --roster roster.csv`');
  const root = findRoot(g.cwd);
  const course = await loadCourse(root);
  const ref = await resolveAssignment(root, positionals[0], g.cwd);
  const spec = await loadSpec(ref.spec, course);
  const out = path.resolve(g.cwd, (values.out as string | undefined) ?? path.join('grades', spec.id));
  return { course, spec, out };
}

/** Students graded at once, by default, when the spec has checks that wait on the internet. */
const LIVE_JOBS = 16;

const jobsOf = (v: unknown): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new UserError(`--jobs ${String(v)} is not a whole number from 1 to 64`, 'e.g. --jobs 4 (more than 4 rarely helps)');
  return n;
};

export async function collectCommand(positionals: string[], values: Record<string, unknown>, g: GlobalOptions): Promise<number> {
  try {
    return await collectCommandInner(positionals, values, g);
  } finally {
    closeGit();
  }
}

async function collectCommandInner(positionals: string[], values: Record<string, unknown>, g: GlobalOptions): Promise<number> {
  const { course, spec, out } = await setup(positionals, values, g);
  if (!values.roster) throw new UserError('collect needs --roster FILE', 'e.g. `harness collect A1 --roster roster.csv`');
  const roster = await loadRoster(path.resolve(g.cwd, values.roster as string), values.roster as string);
  const release = lockOutput(out, `harness collect ${spec.id}`);
  try {
    return await collectLocked(roster, spec, course, out, values);
  } catch (e) {
    throw diskFull(e, out);
  } finally {
    release();
  }
}

async function collectLocked(
  roster: Awaited<ReturnType<typeof loadRoster>>,
  spec: Spec,
  course: Course,
  out: string,
  values: Record<string, unknown>,
): Promise<number> {
  const entries = await collect(roster, { spec, course, out, jobs: jobsOf(values.jobs), quiet: values.quiet === true });
  const bad = entries.filter((e) => e.problem).length;
  process.stderr.write(
    `collect: ${entries.length - bad} forks pinned, ${bad} could not be fetched or read; ledger: ${path.join(out, LEDGER_FILE)}\n`,
  );
  return 0;
}

export async function gradeCommand(positionals: string[], values: Record<string, unknown>, g: GlobalOptions): Promise<number> {
  // A batch is CPU-bound, and V8's optimizing compiler spent a quarter of its CPU optimizing code
  // the run had nearly finished with, on the cores git needs: a higher budget before a function is
  // optimized (four times the default) cut a 200-fork batch's CPU by 18% and its time by 6%, and a
  // 1000-fork batch's time by 12% (docs/decisions/0006-v8-tier-up.md). Not for the short commands:
  // there the optimizing thread works on an idle core and only helps.
  setFlagsFromString('--interrupt-budget=270336');
  try {
    return await gradeCommandInner(positionals, values, g);
  } finally {
    closeGit();
  }
}

async function gradeCommandInner(positionals: string[], values: Record<string, unknown>, g: GlobalOptions): Promise<number> {
  const { course, spec: base, out } = await setup(positionals, values, g);
  trace('grade: course and spec read');
  const release = lockOutput(out, `harness grade ${base.id}`);
  try {
    return await gradeLocked(course, base, out, values, g);
  } catch (e) {
    throw diskFull(e, out);
  } finally {
    release();
  }
}

/** The grader's own disk refused a write: one line and exit 2; what was graded is kept, and the next run finishes. */
function diskFull(e: unknown, out: string): unknown {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (!['ENOSPC', 'EDQUOT', 'EROFS'].includes(code)) return e;
  const what = code === 'EROFS' ? 'is read-only' : 'is full';
  return new UserError(
    `the disk holding ${out} ${what} (${code}); the run stopped, and no student was marked graded who was not`,
    'free some space (or give --out on another disk), then run the same command again: it finishes the job',
  );
}

async function gradeLocked(course: Course, base: Spec, out: string, values: Record<string, unknown>, g: GlobalOptions): Promise<number> {
  if (!values.roster && !values.zips)
    throw new UserError(
      'grade needs --roster FILE or --zips PATH',
      'e.g. `harness grade A1 --roster roster.csv` or `harness grade A1 --zips submissions.zip`',
    );
  if (values.zips) checkDownload(path.resolve(g.cwd, values.zips as string), values.zips as string);
  exportOptions(values); // a bad --missing-work stops the run before any work
  const shard = parseShard(values.shard as string | undefined);
  let spec = base;
  let hiddenHash: string | undefined;
  if (values.hidden) ({ spec, hash: hiddenHash } = await mergeHidden(base, path.resolve(g.cwd, values.hidden as string), course));
  const roster = values.roster
    ? await loadRoster(path.resolve(g.cwd, values.roster as string), values.roster as string, {
        file: path.join(out, '.cache', 'roster.json'),
        salt: `${VERSION}+${BUILD}`,
      })
    : undefined;
  trace('grade: roster read');
  const python = resolvePython(process.env, course.root);
  const { instructor } = await scrubEnvironment(path.join(out, '.work'));
  const offline = values.offline === true;

  let candidates: Candidate[];
  if (values.zips) {
    const { ingestCanvasDownload } = await import('../grader/canvas.js');
    const ing = await ingestCanvasDownload(path.resolve(g.cwd, values.zips as string), roster, {
      workDir: path.join(out, '.work', 'uploads'),
      expected: [...spec.files.required, ...spec.files.optional],
    });
    for (const u of ing.unmatched) process.stderr.write(`grade: not matched to a student: ${u}\n`);
    candidates = ing.students.map((s) => ({ entry: s.entry, upload: s }));
    const seen = new Set(candidates.map((c) => c.entry.netid.toLowerCase()));
    for (const r of roster ?? [])
      if (!seen.has(r.netid.toLowerCase()))
        candidates.push({
          entry: r,
          upload: { entry: r, files: [], uploadedName: '', late: false, canvasUserId: r.canvasId ?? '', problem: NO_UPLOAD },
        });
  } else {
    candidates = roster!.map((entry) => ({ entry }));
  }
  if (shard) candidates = candidates.filter((c) => shardOf(c.entry.netid, shard.n) === shard.k - 1);
  const ledgerText = await readFile(path.join(out, LEDGER_FILE), 'utf8').catch(() => '');
  // Forks graded whole (not a shard, not uploads): if nothing they are made from changed since the
  // last complete run, there is nothing to do.
  let inputs: unknown[] | undefined;
  if (roster && !values.zips && !shard) {
    const courseText = await readFile(path.join(course.root, 'course.yaml'), 'utf8').catch(() => '');
    inputs = [
      VERSION,
      BUILD,
      spec.hash,
      hiddenHash ?? '',
      offline,
      exportOptions(values),
      courseText,
      ledgerText,
      values['unsafe-no-sandbox'] === true,
    ];
    const saved = upToDate(out, fingerprint(inputs, roster, out));
    if (saved) {
      process.stderr.write(
        `grade: ${saved.students} students, ${saved.graded} graded, ${saved.students - saved.graded} not graded (0 checked, ${saved.students} from cache); nothing changed since the last run; outputs: ${out}\n`,
      );
      return 0;
    }
  }
  trace('grade: inputs fingerprinted');
  // Student code runs only in the sandbox: without one, refuse (exit 2) unless the instructor opts out.
  const sandbox = await sandboxFor(spec, values['unsafe-no-sandbox'] === true);
  const unsafe = sandbox?.unsafe !== undefined ? { unsafeNoSandbox: sandbox.unsafe } : {};
  if (sandbox?.unsafe)
    process.stderr.write(
      `grade: WARNING: --unsafe-no-sandbox: students' code runs WITHOUT a sandbox (${sandbox.unsafe}); it can read and change what you can on this machine. Recorded in batch.json.\n`,
    );
  // Forks start fetching now, while the checks load; whatever happens next, none is left running.
  const fetches = new FetchAhead(candidates, out, jobsOf(values.jobs));
  try {
    // The checks are loaded only now: a re-run with nothing to do never needs them.
    const [{ batchHeader, gradeBatch }, { registry }, { setSandboxCeilings }] = await Promise.all([
      import('../grader/grade.js'),
      import('../lib/checks/registry.js'),
      import('../lib/run/sandbox.js'),
    ]);
    // Student code that a check runs is untrusted here: stricter ceilings than a student's own
    // `check` (no network, 1 GiB of memory, 8 MB of output, 2 minutes), whatever a spec asks for.
    setSandboxCeilings({ ...GRADER_CEILINGS, unsandboxed: sandbox?.unsafe ? 'allow' : 'refuse' });
    const needsAws = !offline && spec.checks.some((c) => registry.get(c.kind)?.needs === 'internet');
    const aws = needsAws ? new (await import('../lib/aws/access.js')).AwsAccess({ env: anonymousAwsEnv(instructor) }) : undefined;
    const ledger = latestByStudent(
      (await readLedger(path.join(out, LEDGER_FILE))).filter((e) => e.commit && !e.problem),
      spec.id,
    );
    const assignment = { ...batchHeader(spec, hiddenHash), timezone: spec.timezone };
    // Each student's own files are written as they are graded; the class files at the end. The
    // writer is loaded when first needed: a re-run that changes nothing never needs it.
    let writer: OutputWriter | undefined;
    const courseFiles = values.zips ? courseFilesOf(spec) : undefined;
    // A student whose checks wait on the network (100 ms and more a request) holds a grading slot
    // while the CPU is idle: with internet checks, more students are graded at once by default
    // (forks are still fetched 8 at a time). See bench/grade-live.mjs.
    const jobs = jobsOf(values.jobs) ?? (needsAws ? LIVE_JOBS : undefined);
    const { students, stats } = await gradeBatch(candidates, {
      spec,
      hiddenHash,
      course,
      out,
      version: `${VERSION}+${BUILD}`,
      jobs,
      python,
      aws,
      offline,
      ledger,
      fetches,
      courseFiles,
      quiet: values.quiet === true,
      onGraded: shard ? undefined : async (s) => (writer ??= await outputWriter(out, values)).student(assignment, noUpload(s)),
    });
    students.forEach((s, i) => (students[i] = noUpload(s)));
    trace('grade: every student graded');
    const graded = students.filter((s) => s.status === 'graded').length;
    const incomplete = students.filter((s) => s.status === 'incomplete');
    let where: string;
    if (shard) {
      where = path.join(out, shardName(shard.k, shard.n));
      await writeFileAtomic(where, JSON.stringify({ assignment, shard, students, exportOptions: exportOptions(values), ...unsafe }) + '\n');
    } else {
      await writeAll({ assignment, students }, out, values, writer, unsafe);
      trace('grade: class files written');
      // Taken again now that every fork that could be cloned has its mirror. Not while a student is
      // incomplete: the next run must try their checks again.
      const fp = !incomplete.length && inputs && roster && fingerprint(inputs, roster, out);
      if (fp) saveUpToDate(out, { fingerprint: fp, students: students.length, graded });
      trace('grade: fingerprint saved');
      where = out;
    }
    process.stderr.write(
      `grade: ${students.length} students, ${graded} graded, ${incomplete.length} incomplete, ${students.length - graded - incomplete.length} not graded (${stats.checked} checked, ${stats.cached} from cache); outputs: ${where}\n`,
    );
    if (!incomplete.length) return 0;
    const disk = incomplete.find((s) => /ENOSPC|EDQUOT|EROFS|no space left/i.test(JSON.stringify(s.results.filter((r) => r.fault))));
    if (disk) throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
    process.stderr.write(
      `grade: ${incomplete.length} student${incomplete.length === 1 ? ' is' : 's are'} incomplete (no grade written for them): ${summarizeCauses(incomplete)}; run the same command again to retry those checks\n`,
    );
    return 1;
  } finally {
    await fetches.stop();
  }
}

/** "3 × the network or service could not be reached, 1 × a time limit passed". */
function summarizeCauses(students: StudentResult[]): string {
  const n = new Map<string, number>();
  for (const s of students) {
    const m = /\(([^)]*)\); grade again/.exec(s.reason ?? '');
    for (const c of (m?.[1] ?? 'a check could not run').split('; ')) n.set(c, (n.get(c) ?? 0) + 1);
  }
  return [...n].map(([c, k]) => `${k} × ${c}`).join(', ');
}

export async function mergeCommand(positionals: string[], values: Record<string, unknown>, g: GlobalOptions): Promise<number> {
  if (!positionals.length)
    throw new UserError('merge needs the shard folders (or shard files)', 'e.g. `harness merge shard1/ shard2/ --out grades/A1`');
  const files: string[] = [];
  for (const p of positionals.map((x) => path.resolve(g.cwd, x))) {
    if (!existsSync(p)) throw new UserError(`${p} does not exist`, 'give the folders the shard runs wrote to');
    if (statSync(p).isFile()) files.push(p);
    else files.push(...(await readdir(p)).filter((f) => /^shard-\d+-of-\d+\.json$/.test(f)).map((f) => path.join(p, f)));
  }
  let head: BatchResult['assignment'] | undefined;
  let n: number | undefined;
  const got = new Map<number, string>();
  const students: StudentResult[] = [];
  let shardOpts: ExportOptionsSeen | undefined;
  let unsafe: { unsafeNoSandbox?: string } = {};
  for (const f of [...new Set(files)].sort()) {
    const s = JSON.parse(await readFile(f, 'utf8')) as {
      assignment: BatchResult['assignment'];
      shard: { k: number; n: number };
      students: StudentResult[];
      exportOptions?: ExportOptionsSeen;
      unsafeNoSandbox?: string;
    };
    if (s.unsafeNoSandbox) unsafe = { unsafeNoSandbox: s.unsafeNoSandbox };
    // The shards' --canvas-id and --missing-work carry through, so the merged canvas.csv is the one a single run writes.
    const o = JSON.stringify(s.exportOptions ?? {});
    if (shardOpts !== undefined && JSON.stringify(shardOpts) !== o)
      throw new UserError(
        `${f} was graded with other export options (${o}) than ${[...got.values()][0]} (${JSON.stringify(shardOpts)})`,
        'grade every shard with the same --canvas-id and --missing-work',
      );
    shardOpts = s.exportOptions ?? {};
    head ??= s.assignment;
    n ??= s.shard.n;
    if (JSON.stringify(s.assignment) !== JSON.stringify(head) || s.shard.n !== n) {
      throw new UserError(
        `${f} was graded with another spec, hidden checks or shard count than ${[...got.values()][0]}`,
        'grade every shard with the same spec, --hidden file and --shard K/N',
      );
    }
    if (got.has(s.shard.k))
      throw new UserError(`shard ${s.shard.k}/${n} appears twice: ${got.get(s.shard.k)} and ${f}`, 'give each shard once');
    got.set(s.shard.k, f);
    students.push(...s.students);
  }
  if (!head || !n)
    throw new UserError('no shard files (shard-K-of-N.json) found', 'give the folders the `harness grade --shard K/N` runs wrote to');
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((k) => !got.has(k));
  if (missing.length)
    throw new UserError(`shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${n} missing`, 'grade every shard before merging');
  students.sort((a, b) => (a.netid < b.netid ? -1 : a.netid > b.netid ? 1 : 0));
  const out = path.resolve(g.cwd, (values.out as string | undefined) ?? path.join('grades', head.id));
  await writeAll({ assignment: head, students }, out, mergeValues(values, shardOpts ?? {}), undefined, unsafe);
  process.stderr.write(`merge: ${n} shards, ${students.length} students; outputs: ${out}\n`);
  return 0;
}

/**
 * batch.json is written last and means "every output beside it is complete for this batch": a
 * re-run whose batch is byte-identical (and the same export options) rewrites nothing. A run that
 * changes the batch removes it first, so a kill while exporting can never leave a stale match.
 */
async function writeAll(
  batch: BatchResult,
  out: string,
  values: Record<string, unknown>,
  writer?: OutputWriter,
  unsafe: { unsafeNoSandbox?: string } = {},
): Promise<void> {
  // Compact: it is read by programs, and a re-run builds and compares it in full. It records the
  // build that made it (a different build rewrites every output: scripts/lib/build-id.mjs), and a
  // batch graded without the sandbox (--unsafe-no-sandbox) says so, with the reason there was none.
  const text = JSON.stringify({ harness: `${VERSION}+${BUILD}`, ...batch, exportOptions: exportOptions(values), ...unsafe }) + '\n';
  const file = path.join(out, 'batch.json');
  const same =
    statSync(file, { throwIfNoEntry: false })?.size === Buffer.byteLength(text) &&
    (await readFile(file, 'utf8').catch(() => undefined)) === text;
  if (same) return;
  await rm(file, { force: true });
  await (writer ?? (await outputWriter(out, values))).finish(batch);
  await writeFileAtomic(file, text);
}

const exportOptions = (values: Record<string, unknown>) => ({
  canvasAssignmentId: values['canvas-id'] as string | undefined,
  missing: missingPolicy(values['missing-work']),
});
type ExportOptionsSeen = Partial<ReturnType<typeof exportOptions>>;

/** The batch's output writer; its first write removes batch.json, the mark of a complete set. */
async function outputWriter(out: string, values: Record<string, unknown>): Promise<OutputWriter> {
  const { OutputWriter } = await import('../grader/export/index.js');
  return new OutputWriter(out, exportOptions(values), () => rmSync(path.join(out, 'batch.json'), { force: true }));
}

/** The Canvas download must be a folder or a zip; anything else is the instructor's mistake, not a student's. */
function checkDownload(abs: string, shown: string): void {
  const fix = 'give the .zip from Canvas → Assignments → Download Submissions, or the folder it unpacks to';
  if (!existsSync(abs)) throw new UserError(`--zips ${shown} does not exist`, fix);
  if (statSync(abs).isDirectory()) return;
  const fd = openSync(abs, 'r');
  const magic = Buffer.alloc(4);
  try {
    readSync(fd, magic, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (magic.readUInt32LE(0) !== 0x04034b50 && magic.readUInt32LE(0) !== 0x06054b50)
    throw new UserError(`--zips ${shown} is not a zip file`, fix);
}

const shardName = (k: number, n: number) => `shard-${k}-of-${n}.json`;

function parseShard(v: string | undefined): { k: number; n: number } | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const k = m ? Number(m[1]) : 0;
  const n = m ? Number(m[2]) : 0;
  if (!m || n < 1 || k < 1 || k > n)
    throw new UserError(`--shard ${v} is not K/N with 1 ≤ K ≤ N`, 'e.g. --shard 2/4 grades the second of four parts');
  return { k, n };
}
