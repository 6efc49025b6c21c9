// A large committed data set for synthetic forks (bench/grade-bigdata.mjs), made once and given to
// each fork cheaply. Every fork gets its own blob (the same rows, then a last line of its own, as
// students who each took their own sample would have) in a pack of its own, as a clone or a fetch
// leaves it: zlib-compressed like git's default, with a real index. Compressing 100 MB takes
// seconds, so the body is compressed once and each fork's pack is that body plus its own last
// line: the body's stream is flushed to a byte boundary and the line compressed after it, and the
// checksums git verifies (the zlib stream's Adler-32, the object's SHA-1, the pack's SHA-1 and
// each entry's CRC-32) are continued from states computed once.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import zlib from 'node:zlib';

const ENV = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };

/** Made-up taxi trips, CSV, about as compressible as the real ones (about 4:1). */
function tripsCsv(bytes) {
  const out = Buffer.allocUnsafe(bytes);
  let at = out.write('VendorID,pickup,dropoff,passengers,distance,pickup_lon,pickup_lat,dropoff_lon,dropoff_lat,payment,fare,tip,total\n');
  let s = 20170101;
  const r = (n) => ((s = (s * 1103515245 + 12345) % 2147483648), s % n);
  for (let i = 0; at < bytes; i++) {
    const t = 1483228800 + i * 2 + r(2);
    const d = new Date(t * 1000).toISOString().slice(0, 19).replace('T', ' ');
    const e = new Date((t + 60 + r(3000)) * 1000).toISOString().slice(0, 19).replace('T', ' ');
    const fare = 2.5 + r(6000) / 100;
    const tip = r(4) ? 0 : r(1200) / 100;
    const line = `${1 + r(2)},${d},${e},${1 + r(6)},${(r(2000) / 100).toFixed(2)},-73.${9000 + r(999)},40.${7000 + r(999)},-73.${9000 + r(999)},40.${7000 + r(999)},${1 + r(4)},${fare.toFixed(2)},${tip.toFixed(2)},${(fare + tip + 0.8).toFixed(2)}\n`;
    at += out.write(line, at);
  }
  return out.subarray(0, out.lastIndexOf(10) + 1); // whole lines only
}

function adler32(buf) {
  let a = 1;
  let b = 0;
  for (let i = 0; i < buf.length;) {
    const stop = Math.min(buf.length, i + 3800); // sums stay exact in 32-bit integers
    for (; i < stop; i++) {
      a += buf[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** zlib's adler32_combine: the checksum of A+B from those of A and B and B's length. */
function adler32Combine(a1, a2, len2) {
  const BASE = 65521;
  const rem = len2 % BASE;
  let sum1 = a1 & 0xffff;
  let sum2 = (rem * sum1) % BASE;
  sum1 += (a2 & 0xffff) + BASE - 1;
  sum2 += ((a1 >>> 16) & 0xffff) + ((a2 >>> 16) & 0xffff) + BASE - rem;
  if (sum1 >= BASE) sum1 -= BASE;
  if (sum1 >= BASE) sum1 -= BASE;
  if (sum2 >= BASE << 1) sum2 -= BASE << 1;
  if (sum2 >= BASE) sum2 -= BASE;
  return ((sum2 << 16) | sum1) >>> 0;
}

/** A pack entry's header: type 3 (blob) and the size, 4 bits then 7 at a time. */
function entryHeader(size) {
  const bytes = [];
  let c = (3 << 4) | (size & 15);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push(c | 0x80);
    c = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(c);
  return Buffer.from(bytes);
}

/**
 * The data set: `mb` megabytes of CSV text (`kind: 'text'`) or of random bytes (`'random'`, which
 * does not compress), with `write(forkDir, { netid, time, name })` giving one fork its own copy.
 */
export function makeDataSet({ mb = 100, kind = 'text', file = 'assignments/A1/data/trips-2017-01.csv' } = {}) {
  const tail = (netid) => Buffer.from(`# sample for ${netid.padEnd(12).slice(0, 12)}\n`);
  const tailLength = tail('x').length;
  const body = kind === 'random' ? randomBytes(mb * 1e6 - tailLength) : tripsCsv(mb * 1e6 - tailLength);
  const size = body.length + tailLength;
  const deflated = zlib.deflateRawSync(body, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const bodyAdler = adler32(body);
  const head = Buffer.concat([Buffer.from('PACK'), Buffer.from([0, 0, 0, 2, 0, 0, 0, 1]), entryHeader(size), Buffer.from([0x78, 0x9c])]);
  const blobHash = createHash('sha1').update(`blob ${size}\0`).update(body);
  const packHash = createHash('sha1').update(head).update(deflated);
  const crc = zlib.crc32(deflated, zlib.crc32(head.subarray(12)));
  const packBytes = head.length + deflated.length + 64;

  async function write(forkDir, { netid, time, name = `Student ${netid}` }) {
    const t = tail(netid);
    const end = zlib.deflateRawSync(t);
    const adler = Buffer.alloc(4);
    adler.writeUInt32BE(adler32Combine(bodyAdler, adler32(t), t.length));
    const oid = blobHash.copy().update(t).digest();
    const rest = Buffer.concat([end, adler]);
    const sum = packHash.copy().update(rest).digest();
    const packName = `pack-${sum.toString('hex')}`;
    const dir = path.join(forkDir, 'objects', 'pack');
    mkdirSync(dir, { recursive: true });
    const fd = openSync(path.join(dir, `${packName}.pack`), 'w');
    for (const b of [head, deflated, rest, sum]) writeSync(fd, b);
    closeSync(fd);
    // The index (v2) of a one-object pack: fan-out, name, CRC-32 of the entry, offset 12.
    const idx = Buffer.alloc(8 + 1024 + 20 + 4 + 4 + 40);
    idx.writeUInt32BE(0xff744f63, 0);
    idx.writeUInt32BE(2, 4);
    for (let i = oid[0]; i < 256; i++) idx.writeUInt32BE(1, 8 + 4 * i);
    oid.copy(idx, 8 + 1024);
    idx.writeUInt32BE(zlib.crc32(rest, crc), 8 + 1024 + 20);
    idx.writeUInt32BE(12, 8 + 1024 + 24);
    sum.copy(idx, 8 + 1024 + 28);
    createHash('sha1')
      .update(idx.subarray(0, idx.length - 20))
      .digest()
      .copy(idx, idx.length - 20);
    const ifd = openSync(path.join(dir, `${packName}.idx`), 'w');
    writeSync(ifd, idx);
    closeSync(ifd);
    // One more commit on main: the data set, added after the answers.
    const who = `${name} <${netid}@georgetown.edu> ${time} +0000`;
    const msg = 'Add the data set\n';
    const stream = `commit refs/heads/main\nauthor ${who}\ncommitter ${who}\ndata ${msg.length}\n${msg}from refs/heads/main^0\nM 100644 ${oid.toString('hex')} ${file}\n\n`;
    await new Promise((resolve, reject) => {
      const p = spawn('git', ['fast-import', '--quiet'], {
        cwd: forkDir,
        env: { ...ENV, GIT_DIR: forkDir },
        stdio: ['pipe', 'ignore', 'pipe'],
      });
      let err = '';
      p.stderr.on('data', (d) => (err += d));
      p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`fast-import ${forkDir}: ${err}`))));
      p.stdin.end(stream);
    });
    return oid.toString('hex');
  }

  return { size, packBytes, file, write };
}
