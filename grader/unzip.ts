// Safe extraction of untrusted zips (students' uploads, Canvas downloads). Everything that goes
// wrong becomes a sentence in `problems`, never an exception: one student's hostile or broken zip
// must not stop a batch. Sizes in headers are not trusted: bytes are counted while inflating.
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { isJunk } from '../lib/pack/junk.js';

export interface UnzipLimits {
  /** Entries in the archive (files, folders, junk alike). */
  maxEntries: number;
  /** Uncompressed bytes written for the whole archive. */
  maxTotalBytes: number;
  /** Uncompressed / compressed bytes of one entry, checked once it is past `ratioFloorBytes`. */
  maxRatio: number;
  /** Small, highly compressible files (a blank CSV) are fine: the ratio only counts past this. */
  ratioFloorBytes: number;
}

export const DEFAULT_LIMITS: UnzipLimits = {
  maxEntries: 2000,
  maxTotalBytes: 100 * 1024 * 1024,
  maxRatio: 100,
  ratioFloorBytes: 1024 * 1024,
};

export interface UnzipResult {
  /** Files written, relative to the destination, `/`-separated, sorted. */
  files: string[];
  /** One sentence each, for the student's status. Empty when everything was fine. */
  problems: string[];
  /** False when extraction stopped early (damaged archive, limits): files may be missing. */
  complete: boolean;
  /**
   * Each file's modification time as the zip records it (ms): the DOS date and time every entry
   * carries, read as if UTC, so the digits are the zipping machine's clock on any grader's machine.
   * For telling two copies of an answer apart (grader/canvas.ts).
   */
  modified: Record<string, number>;
}

class LimitError extends Error {}

// zlib.crc32 arrived in Node 20.15; the table is the fallback for older 20.x (engines: >=20.12).
let TABLE: Uint32Array | undefined;
function crc32(buf: Buffer, prev = 0): number {
  const native = (zlib as unknown as { crc32?: (b: Buffer, v: number) => number }).crc32;
  if (native) return native(buf, prev);
  if (!TABLE) {
    TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      TABLE[n] = c >>> 0;
    }
  }
  let c = ~prev >>> 0;
  for (const b of buf) c = TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
/** Info-ZIP Unicode Path extra field: version byte, CRC of the raw name, then the UTF-8 name. */
const UNICODE_PATH = 0x7075;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeName(entry: yauzl.Entry): string | undefined {
  const raw = entry.fileName as unknown as Buffer;
  try {
    return utf8.decode(raw);
  } catch {
    const up = entry.extraFields.find((f) => f.id === UNICODE_PATH);
    if (up && up.data.length > 5 && up.data[0] === 1) {
      try {
        return utf8.decode(up.data.subarray(5));
      } catch {
        /* fall through */
      }
    }
    return undefined;
  }
}

/** Why a name may not be written under the destination, or undefined when it is safe. */
export function unsafeName(name: string): string | undefined {
  if (name === '' || name === '/') return 'has an empty name';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'has control characters in its name';
  if (name.includes('\\')) return 'uses backslashes in its path (zip paths use /)';
  if (name.startsWith('/')) return 'has an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'has a drive letter in its path';
  if (name.split('/').includes('..')) return 'points outside the folder (..)';
  return undefined;
}

const show = (s: string) => JSON.stringify(s.length > 120 ? s.slice(0, 117) + '...' : s);

/**
 * Counts bytes as they are inflated and stops the stream when a limit is passed; checks the CRC at
 * the end (yauzl checks sizes but not CRCs), so a corrupted entry is not graded as if it were whole.
 */
function counter(entryName: string, entry: yauzl.Entry, limits: UnzipLimits, total: { bytes: number }): Transform {
  const compressed = entry.compressedSize;
  let mine = 0;
  let crc = 0;
  return new Transform({
    flush(cb) {
      if (crc >>> 0 !== entry.crc32 >>> 0) return cb(new Error(`entry ${show(entryName)} fails its checksum`));
      cb();
    },
    transform(chunk: Buffer, _enc, cb) {
      mine += chunk.length;
      total.bytes += chunk.length;
      if (total.bytes > limits.maxTotalBytes)
        return cb(new LimitError(`unpacks to more than ${limits.maxTotalBytes / 1048576} MB; extraction stopped (a zip bomb?)`));
      if (mine > limits.ratioFloorBytes && mine > limits.maxRatio * Math.max(compressed, 1))
        return cb(new LimitError(`entry ${show(entryName)} expands more than ${limits.maxRatio} times; extraction stopped (a zip bomb?)`));
      crc = crc32(chunk, crc);
      cb(null, chunk);
    },
  });
}

function damaged(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return `the zip file is damaged or incomplete (${msg}); upload it again`;
}

/** Extracts `zipFile` into `destDir` (created if needed), refusing anything unsafe. Never throws. */
export async function safeUnzip(zipFile: string, destDir: string, limits: Partial<UnzipLimits> = {}): Promise<UnzipResult> {
  const lim = { ...DEFAULT_LIMITS, ...limits };
  const files: string[] = [];
  const problems: string[] = [];
  const modified: Record<string, number> = {};
  const dest = path.resolve(destDir);
  let zip: yauzl.ZipFile;
  try {
    await mkdir(dest, { recursive: true });
    zip = await yauzl.openPromise(zipFile, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false });
  } catch (e) {
    return { files, problems: [damaged(e)], complete: false, modified };
  }
  const total = { bytes: 0 };
  const seen = new Set<string>();
  let count = 0;
  let complete = true;
  const nonUtf8: string[] = [];

  // Returns false to stop reading the archive.
  const handle = async (entry: yauzl.Entry): Promise<boolean> => {
    if (++count > lim.maxEntries) {
      problems.push(`the zip has more than ${lim.maxEntries} entries; extraction stopped`);
      return false;
    }
    const name = decodeName(entry);
    if (name === undefined) {
      nonUtf8.push((entry.fileName as unknown as Buffer).toString('latin1'));
      return true;
    }
    const bad = unsafeName(name);
    if (bad) {
      problems.push(`entry ${show(name)} ${bad}; it was not extracted`);
      return true;
    }
    const rel = name.replace(/\/+$/, '').replace(/^(\.\/)+/, '');
    if (rel === '' || rel === '.' || isJunk(rel)) return true;
    const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
    if (mode === S_IFLNK) {
      problems.push(`entry ${show(rel)} is a symbolic link; links are not accepted, zip the file itself`);
      return true;
    }
    const isDir = name.endsWith('/') || mode === S_IFDIR;
    if (mode !== 0 && mode !== S_IFREG && !isDir) {
      problems.push(`entry ${show(rel)} is not a regular file; it was not extracted`);
      return true;
    }
    const target = path.resolve(dest, rel);
    const inside = path.relative(dest, target);
    if (inside.startsWith('..') || path.isAbsolute(inside)) {
      problems.push(`entry ${show(rel)} points outside the folder; it was not extracted`);
      return true;
    }
    if (isDir) {
      await mkdir(target, { recursive: true });
      return true;
    }
    if (entry.isEncrypted()) {
      problems.push(`entry ${show(rel)} is encrypted (password-protected); zip it again without a password`);
      return true;
    }
    if (!entry.canDecodeFileData()) {
      problems.push(`entry ${show(rel)} uses a compression method we cannot read; zip it again with the default settings`);
      return true;
    }
    if (seen.has(rel)) {
      problems.push(`entry ${show(rel)} appears twice in the zip; only the first copy was kept`);
      return true;
    }
    seen.add(rel);
    // A header claiming more than the whole budget is refused before any inflating.
    if (entry.uncompressedSize > lim.maxTotalBytes) {
      problems.push(`entry ${show(rel)} would unpack to more than ${lim.maxTotalBytes / 1048576} MB; extraction stopped (a zip bomb?)`);
      return false;
    }
    await mkdir(path.dirname(target), { recursive: true });
    try {
      const stream = await zip.openReadStreamPromise(entry);
      // 'wx': never follow or overwrite something already there.
      await pipeline(stream, counter(rel, entry, lim, total), createWriteStream(target, { flags: 'wx', mode: 0o644 }));
    } catch (e) {
      await rm(target, { force: true });
      problems.push(e instanceof LimitError ? `the zip ${e.message}` : damaged(e));
      return false;
    }
    files.push(rel);
    modified[rel] = entry.getLastModDate({ forceDosFormat: true, timezone: 'UTC' }).getTime();
    return true;
  };

  await new Promise<void>((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve();
    };
    zip.on('entry', (entry: yauzl.Entry) => {
      handle(entry).then(
        (go) => {
          if (go) return zip.readEntry();
          complete = false;
          finish();
        },
        (e) => {
          problems.push(damaged(e));
          complete = false;
          finish();
        },
      );
    });
    zip.on('end', finish);
    zip.on('error', (e) => {
      problems.push(damaged(e));
      complete = false;
      finish();
    });
    zip.readEntry();
  });
  try {
    zip.close();
  } catch {
    /* already closed */
  }
  if (nonUtf8.length)
    problems.push(
      `${nonUtf8.length === 1 ? 'a file name' : `${nonUtf8.length} file names`} in the zip ${nonUtf8.length === 1 ? 'is' : 'are'} not UTF-8 ` +
        `(${nonUtf8.slice(0, 3).map(show).join(', ')}) and ${nonUtf8.length === 1 ? 'was' : 'were'} not extracted; rename with plain letters and zip again`,
    );
  files.sort();
  return { files, problems, complete, modified };
}
