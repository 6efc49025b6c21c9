// Deterministic zip writer for `harness submit`: the same entries give the same bytes.
// Why not archiver: see docs/decisions/0001-zip-writer.md (speed bar, entry order, memory).
//
// Layout choices that make the bytes depend only on the inputs: entries in the caller's order,
// one fixed DOS timestamp, mode 0644 with "made by Unix", no extra fields (no times, no uids),
// no data descriptors, no ZIP64 (we refuse instead), no archive comment.
// Speed: files are read and deflated several at a time on libuv's thread pool (zlib's async API),
// bounded by bytes in flight, and written strictly in order by one writer.
import { createReadStream } from 'node:fs';
import { open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { UserError } from '../errors.js';
import { sweepStale, tempPathFor, TMP_PREFIX } from '../util/tmpfiles.js';

export interface ZipEntry {
  /** Name inside the zip, '/'-separated, for example `ab123-A1/q1.txt`. */
  name: string;
  /** Absolute path of a regular file, or the bytes themselves. */
  source: string | Buffer;
  /** true: store as is; false: deflate; unset: decided by `shouldStore(name)`. */
  store?: boolean;
}

export interface ZipOptions {
  /** Deflate level 0–9 (0 stores everything). Default 6, as Info-ZIP. */
  level?: number;
  /** Files read and compressed at once on the thread pool. Default 3 (2 cores + 1 reading). */
  concurrency?: number;
  /** Bytes of file content read ahead of the writer. Default 24 MiB. */
  maxInFlightBytes?: number;
  /** Files larger than this are streamed instead of read whole. Default 8 MiB. */
  streamThreshold?: number;
}

export interface ZipResult {
  bytes: number;
  sha256: string;
  entries: number;
}

const MiB = 1024 * 1024;
const DOS_TIME = 0; // 00:00:00
const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01, the earliest DOS date
const MADE_BY_UNIX = (3 << 8) | 20; // host 3 = Unix, so unzip shows the mode below
const FILE_MODE = 0o100644; // regular file, rw-r--r--
const FLAG_UTF8 = 0x0800; // general purpose bit 11: the name is UTF-8
const MAX32 = 0xffffffff;
const MAX_ENTRIES = 0xffff;

// Formats that are already compressed: deflating them costs time and saves nothing.
const STORED_EXTENSIONS = new Set(
  (
    'png jpg jpeg gif webp avif heic heif ico pdf gz tgz bz2 tbz2 xz txz zst lz4 lzma lz br z ' +
    'zip jar war ear whl apk ipa 7z rar npz parquet orc avro feather ' +
    'mp4 m4v m4a mov mkv webm avi mp3 aac ogg oga opus flac ' +
    'docx xlsx pptx odt ods odp epub woff woff2'
  ).split(' '),
);

/** Whether an entry with this name is stored rather than deflated (already-compressed formats). */
export function shouldStore(name: string): boolean {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 && STORED_EXTENSIONS.has(base.slice(dot + 1).toLowerCase());
}

// zlib.crc32 exists from Node 20.15 (about 2 GB/s here); the table version (about 460 MB/s) keeps
// Node 20.12–20.14 working. Used only for stored entries: deflated ones get their CRC from gzip.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();
function crc32(data: Uint8Array, prev = 0): number {
  if (nativeCrc32) return nativeCrc32(data, prev);
  let crc = ~prev;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]) & 255] ^ (crc >>> 8);
  return ~crc >>> 0;
}

const gzipAsync = promisify(zlib.gzip) as (buf: Buffer, o: zlib.ZlibOptions) => Promise<Buffer>;
const GZIP_HEADER = 10; // Node writes no file name or extra field: always 10 bytes
const GZIP_TRAILER = 8; // CRC-32 then input size, both little-endian

interface Plan {
  name: Buffer;
  display: string;
  utf8: boolean;
  source: string | Buffer;
  size: number;
  /** 'store' / 'deflate' are forced; 'auto' deflates but stores if that does not shrink. */
  method: 'store' | 'deflate' | 'auto';
  stream: boolean;
}

interface Packed {
  method: 0 | 8;
  crc: number;
  size: number;
  data: Buffer;
}

/**
 * Writes `entries` (in the given order) to `outPath` atomically: a temp file in the same folder,
 * fsync, rename. On any error the temp file is removed and `outPath` is left as it was.
 */
export async function writeZip(outPath: string, entries: ZipEntry[], opts: ZipOptions = {}): Promise<ZipResult> {
  const level = opts.level ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new RangeError(`zip level must be an integer 0-9, got ${level}`);
  }
  if (entries.length > MAX_ENTRIES) {
    throw new UserError(
      `The submission has ${entries.length} files; a zip without ZIP64 holds at most ${MAX_ENTRIES}.`,
      'Remove generated files (build output, virtual environments, data sets) from the assignment folder.',
    );
  }
  const plans = await planEntries(entries, level, opts.streamThreshold ?? 8 * MiB);
  const dir = path.dirname(path.resolve(outPath));
  // Under a name .gitignore covers, so a killed run leaves nothing `git add -A` stages; what
  // earlier killed runs left is swept first.
  await sweepStale(dir, TMP_PREFIX);
  const tmp = tempPathFor(path.resolve(outPath));
  const fh = await open(tmp, 'wx', 0o644);
  const reader = new ReadAhead(plans, level, opts.concurrency ?? 3, opts.maxInFlightBytes ?? 24 * MiB);
  let open_ = true;
  try {
    const bytes = await writeEntries(fh, plans, reader, level);
    await fh.sync();
    await fh.close();
    open_ = false;
    const sha256 = await sha256File(tmp);
    await rename(tmp, outPath);
    await syncDir(dir);
    return { bytes, sha256, entries: plans.length };
  } catch (err) {
    await reader.stop();
    if (open_) await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
}

async function planEntries(entries: ZipEntry[], level: number, streamAt: number): Promise<Plan[]> {
  const seen = new Set<string>();
  for (const e of entries) {
    checkName(e.name);
    if (seen.has(e.name)) throw new UserError(`The file ${e.name} is listed twice for the zip.`);
    seen.add(e.name);
  }
  return Promise.all(
    entries.map(async (e): Promise<Plan> => {
      let size: number;
      if (typeof e.source === 'string') {
        const st = await stat(e.source).catch((err: unknown) => {
          throw readError(e.name, err);
        });
        if (!st.isFile()) throw new UserError(`${e.name} is not a regular file, so it cannot go in the zip.`);
        size = st.size;
      } else {
        size = e.source.length;
      }
      if (size > MAX32) throw tooBig(`${e.name} is larger than 4 GiB`);
      const name = Buffer.from(e.name, 'utf8');
      const forced = level === 0 ? true : e.store;
      return {
        name,
        display: e.name,
        utf8: name.length !== e.name.length, // more bytes than UTF-16 units: some non-ASCII
        source: e.source,
        size,
        method: forced === true ? 'store' : forced === false ? 'deflate' : shouldStore(e.name) ? 'store' : 'auto',
        stream: typeof e.source === 'string' && size > streamAt,
      };
    }),
  );
}

function checkName(name: string): void {
  const bad =
    typeof name !== 'string' ||
    name === '' ||
    name.includes('\0') ||
    name.includes('\\') ||
    name.startsWith('/') ||
    name.split('/').some((part) => part === '' || part === '.' || part === '..') ||
    Buffer.byteLength(name) > 0xffff;
  if (bad)
    throw new UserError(
      `"${name}" cannot be a file name inside the zip.`,
      'Use a relative path with / between folders and no . or .. parts.',
    );
}

/**
 * Reads and compresses entries ahead of the writer: at most `concurrency` at once and at most
 * `maxBytes` of file content held (one larger file may go alone). Streamed entries cost nothing
 * here: the writer reads them itself when their turn comes.
 */
class ReadAhead {
  private next = 0;
  private active = 0;
  private held = 0;
  private stopped = false;
  private readonly jobs: Promise<Packed | null>[] = [];
  constructor(
    private readonly plans: Plan[],
    private readonly level: number,
    private readonly concurrency: number,
    private readonly maxBytes: number,
  ) {}

  private cost(i: number): number {
    return this.plans[i].stream ? 0 : this.plans[i].size;
  }

  private pump(): void {
    while (!this.stopped && this.next < this.plans.length && this.active < this.concurrency) {
      const i = this.next;
      if (this.held > 0 && this.held + this.cost(i) > this.maxBytes) break;
      this.next++;
      this.held += this.cost(i);
      if (this.plans[i].stream) {
        this.jobs[i] = Promise.resolve(null);
        continue;
      }
      this.active++;
      const job = pack(this.plans[i], this.level).finally(() => {
        this.active--;
        this.pump();
      });
      job.catch(() => undefined); // the writer sees the error in order; until then it is not "unhandled"
      this.jobs[i] = job;
    }
  }

  /** The packed entry `i`, or null when the writer should stream it. */
  get(i: number): Promise<Packed | null> {
    this.pump();
    const job = this.jobs[i];
    if (job === undefined) throw new Error(`zip read-ahead did not start entry ${i}`); // cannot happen: all before i were released
    return job;
  }

  release(i: number): void {
    this.held -= this.cost(i);
    delete this.jobs[i];
    this.pump();
  }

  /** Stops starting work and waits for what already runs, so nothing touches files after we return. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled(this.jobs.filter(Boolean));
  }
}

async function pack(p: Plan, level: number): Promise<Packed> {
  const data =
    typeof p.source === 'string'
      ? await readFile(p.source).catch((err: unknown) => {
          throw readError(p.display, err);
        })
      : p.source;
  if (p.method === 'store' || data.length === 0) return { method: 0, crc: crc32(data), size: data.length, data };
  // gzip = 10-byte header + raw deflate + CRC-32 + size: the CRC is computed in C, off the main thread.
  const gz = await gzipAsync(data, { level, chunkSize: 256 * 1024 });
  const crc = gz.readUInt32LE(gz.length - GZIP_TRAILER);
  const body = gz.subarray(GZIP_HEADER, gz.length - GZIP_TRAILER);
  if (p.method === 'auto' && body.length >= data.length) return { method: 0, crc, size: data.length, data };
  return { method: 8, crc, size: data.length, data: body };
}

async function writeEntries(fh: FileHandle, plans: Plan[], reader: ReadAhead, level: number): Promise<number> {
  const central: Buffer[] = [];
  let offset = 0;
  for (let i = 0; i < plans.length; i++) {
    const p = plans[i];
    if (offset > MAX32) throw tooBig('the zip would be larger than 4 GiB');
    const packed = await reader.get(i);
    let e: { method: 0 | 8; crc: number; size: number; csize: number };
    if (packed) {
      const header = localHeader(p, packed.method, packed.crc, packed.data.length, packed.size);
      await writeAll(fh, [header, packed.data], offset);
      e = { ...packed, csize: packed.data.length };
      reader.release(i);
    } else {
      e = await streamEntry(fh, p, offset, level);
      reader.release(i);
    }
    if (e.size > MAX32 || e.csize > MAX32) throw tooBig(`${p.display} is larger than 4 GiB`);
    central.push(centralHeader(p, e.method, e.crc, e.csize, e.size, offset));
    offset += 30 + p.name.length + e.csize;
  }
  const cd = Buffer.concat(central);
  if (offset > MAX32 || cd.length > MAX32) throw tooBig('the zip would be larger than 4 GiB');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(plans.length, 8);
  end.writeUInt16LE(plans.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  await writeAll(fh, [cd, end], offset);
  return offset + cd.length + end.length;
}

/**
 * Streams a large file: header with zero CRC and sizes, then the data, then the header is patched
 * in place (we write to a file, so no data descriptor is needed).
 */
async function streamEntry(fh: FileHandle, p: Plan, at: number, level: number) {
  const method: 0 | 8 = p.method === 'store' ? 0 : 8;
  const header = localHeader(p, method, 0, 0, 0);
  await writeAll(fh, [header], at);
  const out = new BatchWriter(fh, at + header.length);
  let size = 0;
  let crc = 0;
  const input = createReadStream(p.source as string, { highWaterMark: MiB });
  try {
    if (method === 0) {
      await pipeline(input, async (src: AsyncIterable<Buffer>) => {
        for await (const chunk of src) {
          crc = crc32(chunk, crc);
          size += chunk.length;
          await out.push(chunk);
        }
      });
    } else {
      let skip = GZIP_HEADER;
      let tail: Buffer = Buffer.alloc(0); // the last 8 bytes seen: the gzip trailer once input ends
      const count = async function* (src: AsyncIterable<Buffer>) {
        for await (const chunk of src) {
          size += chunk.length;
          yield chunk;
        }
      };
      await pipeline(input, count, zlib.createGzip({ level, chunkSize: 256 * 1024 }), async (src: AsyncIterable<Buffer>) => {
        for await (let chunk of src) {
          if (skip > 0) {
            const n = Math.min(skip, chunk.length);
            skip -= n;
            chunk = chunk.subarray(n);
          }
          const all = tail.length === 0 ? chunk : Buffer.concat([tail, chunk]);
          if (all.length <= GZIP_TRAILER) {
            tail = all;
            continue;
          }
          await out.push(all.subarray(0, all.length - GZIP_TRAILER));
          tail = Buffer.from(all.subarray(all.length - GZIP_TRAILER));
        }
      });
      if (tail.length !== GZIP_TRAILER || tail.readUInt32LE(4) !== size % 2 ** 32) {
        throw new Error(`gzip stream for ${p.display} ended unexpectedly`);
      }
      crc = tail.readUInt32LE(0);
    }
  } catch (err) {
    throw readError(p.display, err);
  }
  await out.flush();
  const csize = out.written;
  const patch = Buffer.alloc(12);
  patch.writeUInt32LE(crc, 0);
  patch.writeUInt32LE(Math.min(csize, MAX32), 4);
  patch.writeUInt32LE(Math.min(size, MAX32), 8);
  await writeAll(fh, [patch], at + 14);
  return { method, crc, size, csize };
}

/** Gathers small chunks into writes of about 1 MiB. */
class BatchWriter {
  private parts: Buffer[] = [];
  private pending = 0;
  written = 0;
  constructor(
    private readonly fh: FileHandle,
    private pos: number,
  ) {}
  async push(b: Buffer): Promise<void> {
    this.parts.push(b);
    this.pending += b.length;
    if (this.pending >= MiB) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.pending === 0) return;
    await writeAll(this.fh, this.parts, this.pos);
    this.pos += this.pending;
    this.written += this.pending;
    this.parts = [];
    this.pending = 0;
  }
}

async function writeAll(fh: FileHandle, bufs: Buffer[], pos: number): Promise<void> {
  const total = bufs.reduce((n, b) => n + b.length, 0);
  let done = (await fh.writev(bufs, pos)).bytesWritten;
  if (done === total) return;
  const rest = Buffer.concat(bufs); // short write (rare: iovec limits, full disk): finish plainly
  while (done < total) {
    const { bytesWritten } = await fh.write(rest, done, total - done, pos + done);
    if (bytesWritten === 0) throw new Error('zip write made no progress');
    done += bytesWritten;
  }
}

function localHeader(p: Plan, method: 0 | 8, crc: number, csize: number, size: number): Buffer {
  const b = Buffer.alloc(30 + p.name.length);
  b.writeUInt32LE(0x04034b50, 0);
  b.writeUInt16LE(method === 8 ? 20 : 10, 4); // version needed to extract
  b.writeUInt16LE(p.utf8 ? FLAG_UTF8 : 0, 6);
  b.writeUInt16LE(method, 8);
  b.writeUInt16LE(DOS_TIME, 10);
  b.writeUInt16LE(DOS_DATE, 12);
  b.writeUInt32LE(crc, 14);
  b.writeUInt32LE(csize, 18);
  b.writeUInt32LE(size, 22);
  b.writeUInt16LE(p.name.length, 26);
  // 28: extra field length stays 0
  p.name.copy(b, 30);
  return b;
}

function centralHeader(p: Plan, method: 0 | 8, crc: number, csize: number, size: number, offset: number): Buffer {
  const b = Buffer.alloc(46 + p.name.length);
  b.writeUInt32LE(0x02014b50, 0);
  b.writeUInt16LE(MADE_BY_UNIX, 4);
  b.writeUInt16LE(method === 8 ? 20 : 10, 6);
  b.writeUInt16LE(p.utf8 ? FLAG_UTF8 : 0, 8);
  b.writeUInt16LE(method, 10);
  b.writeUInt16LE(DOS_TIME, 12);
  b.writeUInt16LE(DOS_DATE, 14);
  b.writeUInt32LE(crc, 16);
  b.writeUInt32LE(csize, 20);
  b.writeUInt32LE(size, 24);
  b.writeUInt16LE(p.name.length, 28);
  // 30 extra, 32 comment, 34 disk, 36 internal attributes: all 0
  b.writeUInt32LE((FILE_MODE << 16) >>> 0, 38);
  b.writeUInt32LE(offset, 42);
  p.name.copy(b, 46);
  return b;
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: MiB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** fsync the folder so the rename survives a crash; some file systems refuse, which is harmless. */
async function syncDir(dir: string): Promise<void> {
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    /* best effort */
  }
}

function readError(name: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' || code === 'EISDIR' || code === 'ELOOP') {
    return new UserError(
      `Could not read ${name} while making the zip (${code}).`,
      'Make sure the file exists and is readable, then run submit again.',
    );
  }
  return err instanceof Error ? err : new Error(String(err));
}

function tooBig(what: string): UserError {
  return new UserError(
    `Cannot make the zip: ${what}, and this harness does not write ZIP64.`,
    'Remove large generated files (data sets, build output, videos) from the assignment folder.',
  );
}
