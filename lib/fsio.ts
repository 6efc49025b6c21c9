import { open, lstat, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { Failure } from './errors.js';

/** Default cap on what a check reads from one file; answer files are small. */
export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

export type EntryType = 'file' | 'directory' | 'missing' | 'other';

export interface FileInfo {
  /** Path relative to the assignment folder, with forward slashes. */
  rel: string;
  abs: string;
  type: EntryType;
  size: number;
  /** The path itself is a symbolic link. */
  symlink: boolean;
  /** The path resolves to somewhere outside the assignment folder. */
  outside: boolean;
}

/** Reads inside one assignment folder: size caps, symlink rules, clear failures. */
export class AssignmentFiles {
  private realDir: Promise<string>;
  constructor(readonly dir: string) {
    this.realDir = realpath(dir).catch(() => path.resolve(dir));
  }

  abs(rel: string): string {
    return path.resolve(this.dir, rel);
  }

  async info(rel: string): Promise<FileInfo> {
    const abs = this.abs(rel);
    const base: FileInfo = { rel, abs, type: 'missing', size: 0, symlink: false, outside: false };
    let l;
    try {
      l = await lstat(abs);
    } catch {
      return base;
    }
    base.symlink = l.isSymbolicLink();
    const root = await this.realDir;
    let target = abs;
    try {
      target = await realpath(abs);
    } catch {
      return { ...base, type: 'missing' }; // dangling link
    }
    base.outside = target !== root && !target.startsWith(root + path.sep);
    const s = base.symlink ? await stat(abs) : l;
    base.type = s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other';
    base.size = s.size;
    return base;
  }

  /**
   * Reads a regular file, refusing directories, links out of the folder and files over the cap,
   * each as a Failure the student can act on. Never loads more than `maxBytes` into memory.
   */
  async read(rel: string, maxBytes = DEFAULT_MAX_BYTES): Promise<Buffer> {
    const info = await this.info(rel);
    assertReadable(info);
    if (info.size > maxBytes) {
      throw new Failure({
        rationale: `${rel} is ${formatBytes(info.size)}, over the ${formatBytes(maxBytes)} limit for this file.`,
        hint: 'Hand in the answer the question asks for, not raw data; large outputs belong on S3.',
        file: rel,
      });
    }
    return readCapped(info.abs, rel, maxBytes);
  }

  /** The first `n` bytes (for magic-number tests) without reading the rest. */
  async head(rel: string, n: number): Promise<Buffer> {
    const info = await this.info(rel);
    assertReadable(info);
    return readCapped(info.abs, rel, n, true);
  }
}

export function assertReadable(info: FileInfo): void {
  const rel = info.rel;
  if (info.type === 'missing') {
    throw new Failure({ rationale: `${rel} is missing.`, hint: `Create ${rel} in the assignment folder and commit it.`, file: rel });
  }
  if (info.outside) {
    throw new Failure({
      rationale: `${rel} is a symbolic link to a file outside the assignment folder.`,
      hint: `Replace the link with a copy of the file: cp --remove-destination "$(readlink -f ${rel})" ${rel}`,
      file: rel,
    });
  }
  if (info.type === 'directory') {
    throw new Failure({ rationale: `${rel} is a folder, but a file is expected here.`, hint: `Rename the folder and put your answer in a file called ${rel}.`, file: rel });
  }
  if (info.type !== 'file') {
    throw new Failure({ rationale: `${rel} is not a regular file.`, hint: `Replace ${rel} with an ordinary file.`, file: rel });
  }
}

async function readCapped(abs: string, rel: string, cap: number, partialOk = false): Promise<Buffer> {
  let fh;
  try {
    fh = await open(abs, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new Failure({ rationale: `${rel} cannot be read: permission denied.`, hint: `Make it readable: chmod u+r ${rel}`, file: rel });
    }
    throw e;
  }
  try {
    // Size the buffer to the file (plus one byte, to notice growth), not to the cap.
    const { size } = await fh.stat();
    const buf = Buffer.allocUnsafe(Math.min(cap, size + 1));
    let n = 0;
    while (n < buf.length) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    if (!partialOk && n === buf.length && n >= cap) {
      const { bytesRead } = await fh.read(Buffer.alloc(1), 0, 1, n);
      if (bytesRead > 0) {
        throw new Failure({ rationale: `${rel} grew past the ${formatBytes(cap)} limit while being read.`, file: rel });
      }
    }
    return buf.subarray(0, n);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new Failure({ rationale: `${rel} is a folder, but a file is expected here.`, file: rel });
    throw e;
  } finally {
    await fh.close();
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}
