// A temporary copy of the files a run needs. Student programs run here, never in the student's
// folder: what they write (output files, __pycache__, scratch) is thrown away with the copy.
// Files are looked up through AssignmentFiles, so its rules hold: no links out of the folder,
// no folders where a file is expected, clear failures for missing files. A hidden check's
// material (the instructor's test files and data) is written in too, and stays read-only: the
// sandbox binds each of those files read-only over itself.
import { chmod, copyFile, lstat, mkdir, mkdtemp, open, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { assertReadable, diskVolume } from '../fsio.js';
import { Failure, UserError } from '../errors.js';
import type { CheckContext } from '../context.js';
import { RUN_PREFIX, sweepStale } from '../util/tmpfiles.js';
import { protectFiles } from './sandbox.js';

/** Largest file copied into a run (sample data is small; this stops a mistaken multi-GB input). */
export const MAX_COPY_BYTES = 256 * 1024 * 1024;

export interface Copied {
  rel: string;
  /** Absolute path inside the work folder. */
  abs: string;
  executable: boolean;
  size: number;
}

let swept: Promise<unknown> | undefined;

/** Makes a work folder, copies `files` into it (same relative paths), runs `fn`, removes the folder. */
export async function withWorkdir<T>(
  ctx: CheckContext,
  files: string[],
  fn: (dir: string, copied: Map<string, Copied>) => Promise<T>,
): Promise<T> {
  // harness-run-<pid>-…: a folder left by a killed run is swept by the next one (tmpfiles.ts).
  await (swept ??= sweepStale(os.tmpdir(), RUN_PREFIX));
  const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), `${RUN_PREFIX}${process.pid}-`)));
  const material = ctx.check.material;
  try {
    const copied = new Map<string, Copied>();
    for (const rel of [...new Set(files)])
      copied.set(rel, material?.has(rel) ? await writeMaterial(dir, rel, material.get(rel)!) : await copyOne(ctx, rel, dir));
    if (material) {
      for (const [rel, bytes] of material) if (!copied.has(rel)) copied.set(rel, await writeMaterial(dir, rel, bytes));
      protectFiles(dir, [...material.keys()]);
    }
    return await fn(dir, copied);
  } finally {
    if (material) protectFiles(dir, undefined);
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}

/** One of the instructor's files, written read-only (the sandbox also binds it read-only). */
async function writeMaterial(dir: string, rel: string, bytes: Buffer): Promise<Copied> {
  const abs = path.join(dir, rel);
  await mkdir(path.dirname(abs), { recursive: true });
  await writeFile(abs, bytes, { mode: 0o444 });
  return { rel, abs, executable: false, size: bytes.length };
}

async function copyOne(ctx: CheckContext, rel: string, dir: string): Promise<Copied> {
  const norm = path.posix.normalize(rel.replace(/\\/g, '/'));
  if (path.isAbsolute(norm) || norm === '..' || norm.startsWith('../')) {
    throw new UserError(`check ${ctx.check.id}: ${rel} is outside the assignment folder`, 'Give files relative to the assignment folder.');
  }
  const info = await ctx.files.info(rel);
  assertReadable(info);
  if (info.size > MAX_COPY_BYTES) {
    throw new Failure({
      code: 'too-large',
      rationale: `${rel} is ${Math.round(info.size / 1024 / 1024)} MB, too large to run on here.`,
      hint: 'Keep sample data small; the full data set belongs on S3.',
      file: rel,
    });
  }
  const abs = path.join(dir, norm);
  await mkdir(path.dirname(abs), { recursive: true });
  if (ctx.files.volume === diskVolume) {
    await copyFile(info.abs, abs);
    await chmod(abs, ((await stat(info.abs)).mode & 0o755) | 0o600);
  } else {
    // Files held in memory (the grader reads a commit without a work tree) are written out.
    await writeFile(abs, await ctx.files.read(rel, MAX_COPY_BYTES), { mode: info.executable ? 0o755 : 0o644 });
  }
  return { rel, abs, executable: info.executable, size: info.size };
}

/**
 * How to run a copied program: `.py` files with ctx.python (-B: no bytecode), anything else
 * directly, which needs the executable bit and a `#!` line (or a compiled binary).
 */
export async function programArgv(ctx: CheckContext, c: Copied): Promise<string[]> {
  if (c.rel.endsWith('.py')) return [ctx.python, '-B', c.rel];
  const q = c.rel.includes(' ') ? `"${c.rel}"` : c.rel;
  if (!c.executable) {
    throw new Failure({
      code: 'not-executable',
      rationale: `${c.rel} is not executable, and is not a .py file that could be run with python3.`,
      hint: `Run chmod +x ${q}, then git update-index --chmod=+x ${q} and commit, so the executable bit is in the repository.`,
      file: c.rel,
    });
  }
  const fh = await open(c.abs, 'r');
  const head = Buffer.alloc(4);
  try {
    await fh.read(head, 0, 4, 0);
  } finally {
    await fh.close();
  }
  if (head.subarray(0, 2).toString('latin1') !== '#!' && head.toString('latin1') !== '\x7fELF') {
    throw new Failure({
      code: 'no-shebang',
      rationale: `${c.rel} does not start with a #! line, so it cannot be run as a program.`,
      hint: `Make its first line say which interpreter runs it, for example: #!/usr/bin/env python3`,
      file: c.rel,
      line: 1,
    });
  }
  return [`./${c.rel}`];
}

/** Variables a python run needs: a pyenv shim should pick the version the student's folder names. */
export const pythonEnv = (ctx: CheckContext): Record<string, string> => ({ PYENV_DIR: ctx.spec.dir });

/** `python3 x.py` as a student would type it (for hints), whatever interpreter path is used. */
export const shownArgv = (argv: string[], ctx: CheckContext): string =>
  argv
    .filter((a, i) => !(i === 1 && a === '-B' && argv[0] === ctx.python))
    .map((a, i) => (i === 0 && a === ctx.python ? 'python3' : /^[\w./=:,@+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');

/**
 * What a program wrote to `rel` in the work folder: a file, or a folder of part files (Hadoop and
 * Spark write `part-00000`, … next to `_SUCCESS` and `.crc` files), joined in name order.
 * Undefined when it is not there.
 */
export async function readOutput(dir: string, rel: string, maxBytes: number): Promise<Buffer | undefined> {
  const abs = path.join(dir, rel);
  let s;
  try {
    s = await lstat(abs);
    // The program could have made a folder on the way a link out of its copy: read nothing there.
    const inside = path.relative(await realpath(dir), await realpath(abs));
    if (inside.startsWith('..') || path.isAbsolute(inside)) return undefined;
  } catch {
    return undefined;
  }
  const files = s.isDirectory()
    ? (await readdir(abs, { withFileTypes: true }))
        .filter((e) => e.isFile() && !/^[._]/.test(e.name))
        .map((e) => path.join(abs, e.name))
        .sort()
    : s.isFile()
      ? [abs]
      : [];
  const parts: Buffer[] = [];
  let total = 0;
  for (const f of files) {
    const size = (await stat(f)).size;
    total += size;
    if (total > maxBytes) {
      throw new Failure({
        code: 'output-too-large',
        rationale: `${rel} is larger than ${Math.round(maxBytes / 1024 / 1024)} MB on the sample data.`,
        hint: 'Write only the results the question asks for.',
        file: rel,
      });
    }
    parts.push(await readFile(f));
  }
  return Buffer.concat(parts);
}
