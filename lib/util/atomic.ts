import { open, rename, rm, mkdir } from 'node:fs/promises';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sweepStale, tempPathFor, TMP_PREFIX } from './tmpfiles.js';

/** Writes via a temp file in the same folder and a rename, so readers never see half a file. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  // Temp names .gitignore covers (see tmpfiles.ts); leftovers of killed runs are swept first.
  await sweepStale(path.dirname(file), TMP_PREFIX);
  const tmp = tempPathFor(file);
  try {
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * For many small derived files (a batch's per-student outputs and caches): writes through a temp
 * file and a rename like writeFileAtomic, but synchronously, without fsync, and not at all when
 * the file already holds exactly `data`. A kill -9 loses nothing the kernel holds, and a file torn
 * by a power cut is rebuilt by the next run, which rewrites every output. Returns true when written.
 */
export function writeDerivedSync(file: string, data: string | Buffer, compare = true): boolean {
  const want = typeof data === 'string' ? Buffer.from(data) : data;
  if (compare && holdsExactly(file, want)) return false;
  const tmp = path.join(path.dirname(file), `${TMP_PREFIX}${process.pid}-${path.basename(file)}`);
  try {
    writeFileSync(tmp, want, { mode: 0o644 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(tmp, want, { mode: 0o644 });
  }
  try {
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return true;
}

/** Whether `file` exists and holds exactly `data`. */
export function holdsExactly(file: string, data: Buffer): boolean {
  try {
    return readFileSync(file).equals(data);
  } catch {
    return false;
  }
}
