import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
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
  /** Any execute bit set (on the file a link points to). */
  executable: boolean;
}

/** What a volume knows of one path: like lstat, or like stat when links are followed. */
export interface VolumeEntry {
  type: Exclude<EntryType, 'missing'> | 'symlink';
  size: number;
  executable: boolean;
}

/**
 * Where AssignmentFiles reads from, by absolute path: the disk (diskVolume), or a tree held in
 * memory (the grader reads a commit straight from git objects, with no work tree). Calls are
 * synchronous: answer files are a few small files.
 */
export interface Volume {
  /** The entry itself (a link is 'symlink'); undefined when nothing is there. */
  lstat(abs: string): VolumeEntry | undefined;
  /** The entry a path leads to, links followed; undefined when missing or dangling. */
  stat(abs: string): VolumeEntry | undefined;
  /** The path with every link resolved; undefined when missing or dangling. */
  realpath(abs: string): string | undefined;
  /** Names in a folder; [] when it cannot be read. */
  readdir(abs: string): string[];
  /**
   * At most `cap` bytes of a regular file (links followed). Unless `partialOk`, a file longer than
   * `cap` is a Failure naming `rel`; a permission problem is a Failure with a hint.
   */
  read(abs: string, rel: string, cap: number, partialOk?: boolean): Buffer;
  /**
   * A name for a regular file's content, when the volume knows one without reading it (git's
   * blob name): the same name means the same bytes, in any fork. The disk knows none.
   */
  contentId?(abs: string): string | undefined;
}

const kindOf = (s: import('node:fs').Stats): VolumeEntry => ({
  type: s.isSymbolicLink() ? 'symlink' : s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other',
  size: s.size,
  executable: (s.mode & 0o111) !== 0,
});

/** The real file system. */
export const diskVolume: Volume = {
  lstat(abs) {
    try {
      return kindOf(lstatSync(abs));
    } catch {
      return undefined;
    }
  },
  stat(abs) {
    try {
      return kindOf(statSync(abs));
    } catch {
      return undefined;
    }
  },
  realpath(abs) {
    try {
      return realpathSync(abs);
    } catch {
      return undefined;
    }
  },
  readdir(abs) {
    try {
      return readdirSync(abs);
    } catch {
      return [];
    }
  },
  read: (abs, rel, cap, partialOk) => readCapped(abs, rel, cap, partialOk),
};

/** Reads inside one assignment folder: size caps, symlink rules, clear failures. */
export class AssignmentFiles {
  private realDir: Promise<string>;
  // One run reads the same few files from many checks; files do not change during a run, so each
  // is looked at and read once. Buffers are shared: checks must not modify them.
  private infos = new Map<string, Promise<FileInfo>>();
  private reads = new Map<string, Promise<Buffer>>();
  private listings = new Map<string, Promise<string[]>>();
  constructor(
    readonly dir: string,
    readonly volume: Volume = diskVolume,
  ) {
    this.realDir = Promise.resolve().then(() => volume.realpath(dir) ?? path.resolve(dir));
  }

  abs(rel: string): string {
    return path.resolve(this.dir, rel);
  }

  info(rel: string): Promise<FileInfo> {
    let p = this.infos.get(rel);
    if (!p) this.infos.set(rel, (p = this.realDir.then((root) => this.lookup(rel, root))));
    return p;
  }

  // Synchronous calls on purpose: answer files are a few local files, and a stat through the thread
  // pool costs more in round trips (and waits behind spawned processes) than the call itself.
  private lookup(rel: string, root: string): FileInfo {
    const v = this.volume;
    const abs = this.abs(rel);
    const base: FileInfo = { rel, abs, type: 'missing', size: 0, symlink: false, outside: false, executable: false };
    const l = v.lstat(abs);
    if (!l) return base;
    // File names are judged case-sensitively on every system: on macOS (and Windows) `Q1.txt` is
    // found as `q1.txt`, and would then be missing on the grader's Linux. Such a name counts as
    // missing here too, and the missing-file message names the near miss.
    if (!this.exactCase(rel, root)) return base;
    base.symlink = l.type === 'symlink';
    const target = v.realpath(abs);
    if (target === undefined) return base; // a dangling link
    base.outside = target !== root && !target.startsWith(root + path.sep);
    const s = base.symlink ? v.stat(abs) : l;
    // A volume held in memory cannot look outside itself: a link out of it is out of the folder.
    if (!s) return base.outside ? { ...base, type: 'other' } : base;
    base.type = s.type === 'symlink' ? 'other' : s.type;
    base.size = s.size;
    base.executable = s.executable;
    return base;
  }

  private dirNames = new Map<string, Set<string>>();

  /** Whether every component of `rel` is spelt, case and all, as the folder lists it. */
  private exactCase(rel: string, root: string): boolean {
    const parts = path.posix
      .normalize(rel.replace(/\\/g, '/'))
      .split('/')
      .filter((p) => p && p !== '.');
    let dir = path.resolve(this.dir);
    for (const part of parts) {
      if (part === '..') {
        dir = path.dirname(dir);
        continue;
      }
      let names = this.dirNames.get(dir);
      if (!names) this.dirNames.set(dir, (names = new Set(this.volume.readdir(dir))));
      // A folder that cannot be listed (a link out of the tree, no permission) is not a case problem.
      if (names.size && !names.has(part)) return false;
      dir = path.join(dir, part);
    }
    void root;
    return true;
  }

  /**
   * Reads a regular file, refusing directories, links out of the folder and files over the cap,
   * each as a Failure the student can act on. Never loads more than `maxBytes` into memory.
   */
  read(rel: string, maxBytes = DEFAULT_MAX_BYTES): Promise<Buffer> {
    const key = `${rel}\0${maxBytes}`;
    let p = this.reads.get(key);
    if (!p) this.reads.set(key, (p = this.load(rel, maxBytes)));
    return p;
  }

  private async load(rel: string, maxBytes: number): Promise<Buffer> {
    const info = await this.info(rel);
    assertReadable(info);
    if (info.size > maxBytes) {
      throw new Failure({
        code: 'too-large',
        rationale: `${rel} is ${formatBytes(info.size)}, over the ${formatBytes(maxBytes)} limit for this file.`,
        hint: 'Hand in the answer the question asks for, not raw data; large outputs belong on S3.',
        file: rel,
      });
    }
    return this.volume.read(info.abs, rel, maxBytes);
  }

  /** Names in a folder (absolute path), read once per run; [] when it cannot be read. */
  names(absDir: string): Promise<string[]> {
    let p = this.listings.get(absDir);
    if (!p) {
      p = Promise.resolve().then(() => this.volume.readdir(absDir));
      this.listings.set(absDir, p);
    }
    return p;
  }

  /** The first `n` bytes (for magic-number tests) without reading the rest. */
  async head(rel: string, n: number): Promise<Buffer> {
    const info = await this.info(rel);
    assertReadable(info);
    return this.volume.read(info.abs, rel, n, true);
  }

  /** See Volume.contentId: undefined on the disk. */
  contentId(abs: string): string | undefined {
    return this.volume.contentId?.(abs);
  }

  /**
   * The first `n` bytes of any regular file of the volume (not a link, not a folder), by absolute
   * path; undefined when there is none or it cannot be read. For scans of the whole repository.
   */
  async peek(abs: string, n: number): Promise<Buffer | undefined> {
    const l = this.volume.lstat(abs);
    if (!l || l.type !== 'file') return undefined;
    try {
      return this.volume.read(abs, abs, Math.min(n, l.size), true);
    } catch {
      return undefined; // deleted since it was listed, or not readable: other checks say so
    }
  }
}

export function assertReadable(info: FileInfo): void {
  const rel = info.rel;
  if (info.type === 'missing') {
    throw new Failure({
      code: 'missing',
      rationale: `${rel} is missing.`,
      hint: `Create ${rel} in the assignment folder and commit it.`,
      file: rel,
    });
  }
  if (info.outside) {
    throw new Failure({
      code: 'link-outside',
      rationale: `${rel} is a symbolic link to a file outside the assignment folder.`,
      hint: `Replace the link with a copy of the file: cp --remove-destination "$(readlink -f ${rel})" ${rel}`,
      file: rel,
    });
  }
  if (info.type === 'directory') {
    throw new Failure({
      code: 'folder',
      rationale: `${rel} is a folder, but a file is expected here.`,
      hint: `Rename the folder and put your answer in a file called ${rel}.`,
      file: rel,
    });
  }
  if (info.type !== 'file') {
    throw new Failure({
      code: 'not-regular',
      rationale: `${rel} is not a regular file.`,
      hint: `Replace ${rel} with an ordinary file.`,
      file: rel,
    });
  }
}

export function readCapped(abs: string, rel: string, cap: number, partialOk = false): Buffer {
  let fd: number;
  try {
    fd = openSync(abs, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new Failure({
        code: 'unreadable',
        rationale: `${rel} cannot be read: permission denied.`,
        hint: `Make it readable: chmod u+r ${rel}`,
        file: rel,
      });
    }
    throw e;
  }
  try {
    // Size the buffer to the file (plus one byte, to notice growth), not to the cap.
    const { size } = fstatSync(fd);
    const buf = Buffer.allocUnsafe(Math.min(cap, size + 1));
    let n = 0;
    while (n < buf.length) {
      const bytesRead = readSync(fd, buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    if (!partialOk && n === buf.length && n >= cap) {
      if (readSync(fd, Buffer.alloc(1), 0, 1, n) > 0) {
        throw new Failure({ code: 'too-large', rationale: `${rel} grew past the ${formatBytes(cap)} limit while being read.`, file: rel });
      }
    }
    return buf.subarray(0, n);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new Failure({ code: 'folder', rationale: `${rel} is a folder, but a file is expected here.`, file: rel });
    throw e;
  } finally {
    closeSync(fd);
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}
