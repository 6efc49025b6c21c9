// The submission zip: checked with the real readers students' graders use (unzip, zipinfo, Python).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, truncate, unlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../lib/errors.js';
import { shouldStore, writeZip, type ZipEntry } from '../lib/pack/zip.js';
import { tempDir } from './helpers/fixture.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// Everything Python's zipfile sees, with each entry's content hashed after reading it back.
const PY_INSPECT = `
import hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps({"testzip": z.testzip(), "names": z.namelist(), "infos": [
  {"name": i.filename, "date_time": list(i.date_time), "mode": i.external_attr >> 16,
   "create_system": i.create_system, "flag_bits": i.flag_bits, "compress_type": i.compress_type,
   "extra": i.extra.hex(), "size": i.file_size, "sha256": hashlib.sha256(z.read(i)).hexdigest()}
  for i in z.infolist()]}))
`;
interface PyInfo {
  name: string;
  date_time: number[];
  mode: number;
  create_system: number;
  flag_bits: number;
  compress_type: number;
  extra: string;
  size: number;
  sha256: string;
}
function python(zip: string): { testzip: string | null; names: string[]; infos: PyInfo[] } {
  return JSON.parse(execFileSync('python3', ['-c', PY_INSPECT, zip], { encoding: 'utf8' }));
}
function unzipTest(zip: string): number | null {
  return spawnSync('unzip', ['-t', '-q', zip], { encoding: 'utf8' }).status;
}

/** Compressible, deterministic text of about `bytes` bytes. */
function csv(bytes: number, seed = 1): Buffer {
  const lines: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const line = `${i},region-${(i * seed) % 7},${(i * 7919 + seed) % 10007},${((i * 31) % 997) / 10}`;
    lines.push(line);
    n += line.length + 1;
  }
  return Buffer.from(lines.join('\n') + '\n');
}

/** Writes files into a fresh folder and returns entries named ab123-A1/<rel>, in sorted order. */
async function folder(files: Record<string, Buffer | string>): Promise<{ dir: string; entries: ZipEntry[] }> {
  const dir = await tempDir(files, 'zip-src-');
  const entries = Object.keys(files)
    .sort()
    .map((rel) => ({ name: `ab123-A1/${rel}`, source: path.join(dir, rel) }));
  return { dir, entries };
}

const MIXED = {
  'q1.txt': 'The bucket policy denies public reads.\n'.repeat(50),
  'data/results.csv': csv(300_000),
  'figures/plot.png': randomBytes(50_000),
  'figures/notes.md': '# Notes\n',
  'raw.csv.gz': randomBytes(20_000),
  'noise.bin': randomBytes(30_000), // unknown extension: deflate is tried, and kept only if smaller
};

describe('shouldStore', () => {
  it('stores already-compressed formats, in any letter case, and deflates the rest', () => {
    for (const n of [
      'a/p.png',
      'a/P.JPG',
      'x.jpeg',
      'x.gif',
      'x.webp',
      'x.pdf',
      'x.tar.gz',
      'x.tgz',
      'x.bz2',
      'x.xz',
      'x.zst',
      'x.zip',
      'x.jar',
      'x.7z',
      'x.parquet',
      'x.mp4',
    ]) {
      expect(shouldStore(n), n).toBe(true);
    }
    for (const n of ['q1.txt', 'data.csv', 'main.py', 'gz', 'a/.png', 'png.txt', 'dir.zip/readme.md']) {
      expect(shouldStore(n), n).toBe(false);
    }
  });
});

describe('writeZip', () => {
  it('writes the same bytes every time, whatever the concurrency or read-ahead', async () => {
    const { entries } = await folder(MIXED);
    const out = await tempDir({}, 'zip-out-');
    const runs = [{}, { concurrency: 1, maxInFlightBytes: 1 }, { concurrency: 8, maxInFlightBytes: 64 << 20 }];
    const digests = new Set<string>();
    for (const [i, opts] of runs.entries()) {
      const file = path.join(out, `z${i}.zip`);
      const r = await writeZip(file, entries, opts);
      const bytes = await readFile(file);
      expect(r).toEqual({ bytes: bytes.length, sha256: sha(bytes), entries: entries.length });
      digests.add(r.sha256);
    }
    expect(digests.size).toBe(1);
  });

  it('is read back exactly by unzip -t and by Python zipfile, in the given order', async () => {
    const { entries } = await folder(MIXED);
    const buf = Buffer.from('made in memory\n');
    const all = [...entries, { name: 'ab123-A1/submission.json', source: buf }];
    const zip = path.join(await tempDir({}, 'zip-out-'), 'ab123-A1.zip');
    await writeZip(zip, all);
    expect(unzipTest(zip)).toBe(0);
    const py = python(zip);
    expect(py.testzip).toBeNull();
    expect(py.names).toEqual(all.map((e) => e.name));
    const expected = await Promise.all(all.map(async (e) => sha(typeof e.source === 'string' ? await readFile(e.source) : e.source)));
    expect(py.infos.map((i) => i.sha256)).toEqual(expected);
  });

  it('stores compressed formats and incompressible data, deflates the rest, and honours store overrides', async () => {
    const { entries } = await folder(MIXED);
    const zip = path.join(await tempDir({}, 'zip-out-'), 'a.zip');
    const over = entries.map((e) =>
      e.name.endsWith('notes.md') ? { ...e, store: true } : e.name.endsWith('plot.png') ? { ...e, store: false } : e,
    );
    await writeZip(zip, over);
    const methods = Object.fromEntries(python(zip).infos.map((i) => [i.name.replace('ab123-A1/', ''), i.compress_type]));
    expect(methods).toEqual({
      'data/results.csv': 8,
      'figures/notes.md': 0, // forced store
      'figures/plot.png': 8, // forced deflate
      'noise.bin': 0, // deflating random bytes did not shrink them
      'q1.txt': 8,
      'raw.csv.gz': 0,
    });
    await writeZip(zip, entries, { level: 0 });
    expect(python(zip).infos.every((i) => i.compress_type === 0)).toBe(true);
  });

  it('fixes the timestamp at 1980-01-01 00:00 and the mode at -rw-r--r-- made by Unix, with no extra fields', async () => {
    const { entries } = await folder(MIXED);
    const zip = path.join(await tempDir({}, 'zip-out-'), 'a.zip');
    await writeZip(zip, entries);
    for (const i of python(zip).infos) {
      expect(i.date_time).toEqual([1980, 1, 1, 0, 0, 0]);
      expect(i.mode).toBe(0o100644);
      expect(i.create_system).toBe(3);
      expect(i.extra).toBe('');
      expect(i.flag_bits & 0x08).toBe(0); // no data descriptor
    }
    const lines = execFileSync('zipinfo', [zip], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes('ab123-A1/'));
    expect(lines).toHaveLength(entries.length);
    for (const l of lines) expect(l).toMatch(/^-rw-r--r-- +\S+ unx +\d+ +\S+ +(stor|defN) 80-Jan-01 00:00 ab123-A1\//);
  });

  it('marks non-ASCII names as UTF-8, keeps spaces, and handles an empty file', async () => {
    const { entries } = await folder({ 'Résumé café.txt': 'ça va\n', 'with space.py': 'print(1)\n', 'empty.txt': '' });
    const zip = path.join(await tempDir({}, 'zip-out-'), 'a.zip');
    await writeZip(zip, entries);
    expect(unzipTest(zip)).toBe(0);
    const infos = Object.fromEntries(python(zip).infos.map((i) => [i.name, i]));
    expect(Object.keys(infos)).toEqual(['ab123-A1/Résumé café.txt', 'ab123-A1/empty.txt', 'ab123-A1/with space.py']);
    expect(infos['ab123-A1/Résumé café.txt'].flag_bits & 0x800).toBe(0x800);
    expect(infos['ab123-A1/with space.py'].flag_bits & 0x800).toBe(0);
    expect(infos['ab123-A1/empty.txt']).toMatchObject({ size: 0, compress_type: 0, sha256: sha(Buffer.alloc(0)) });
  });

  it('streams large files, giving the same bytes as reading them whole', async () => {
    const big = csv(24 << 20, 3); // deflated, over the 8 MiB threshold
    const packed = randomBytes(9 << 20); // stored, over the threshold
    const { entries } = await folder({ 'big.csv': big, 'packed.gz': packed, 'small.txt': 'after the big ones\n' });
    const out = await tempDir({}, 'zip-out-');
    const streamed = path.join(out, 'streamed.zip');
    const whole = path.join(out, 'whole.zip');
    const r = await writeZip(streamed, entries);
    await writeZip(whole, entries, { streamThreshold: Infinity });
    expect(unzipTest(streamed)).toBe(0);
    const py = python(streamed);
    expect(py.testzip).toBeNull();
    expect(py.infos.map((i) => [i.compress_type, i.size, i.sha256])).toEqual([
      [8, big.length, sha(big)],
      [0, packed.length, sha(packed)],
      [0, 19, sha(Buffer.from('after the big ones\n'))], // too short to shrink: stored
    ]);
    expect(r.bytes).toBeLessThan(big.length / 2 + packed.length);
    expect(sha(await readFile(whole))).toBe(r.sha256);
  });

  for (const streamed of [false, true]) {
    it(`leaves no zip and no temp file when a ${streamed ? 'streamed' : 'buffered'} source vanishes mid-way`, async () => {
      const { dir, entries } = await folder({ 'a-big.csv': csv(20 << 20), 'b-mid.csv': csv(1 << 20), 'c-doomed.txt': 'x'.repeat(4096) });
      const out = await tempDir({ 'ab123-A1.zip': 'an earlier submission' }, 'zip-out-');
      const zip = path.join(out, 'ab123-A1.zip');
      // One at a time and nothing read ahead: c-doomed.txt is opened only after a-big.csv is written.
      const done = writeZip(zip, entries, { concurrency: 1, maxInFlightBytes: 1, streamThreshold: streamed ? 1024 : undefined });
      done.catch(() => undefined);
      let sawTemp = false;
      for (let i = 0; i < 2000 && !sawTemp; i++) {
        sawTemp = (await readdir(out)).some((n) => n.startsWith('.harness-tmp-'));
        if (!sawTemp) await new Promise((r) => setTimeout(r, 2));
      }
      expect(sawTemp).toBe(true);
      await unlink(path.join(dir, 'c-doomed.txt'));
      const err = await done.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(/c-doomed\.txt/);
      expect(await readdir(out)).toEqual(['ab123-A1.zip']);
      expect(await readFile(zip, 'utf8')).toBe('an earlier submission');
    });
  }

  it('refuses what would need ZIP64 with a UserError and writes nothing', async () => {
    const out = await tempDir({}, 'zip-out-');
    const zip = path.join(out, 'a.zip');
    const many = Array.from({ length: 65_536 }, (_, i) => ({ name: `ab123-A1/f${i}.txt`, source: Buffer.alloc(0) }));
    await expect(writeZip(zip, many)).rejects.toThrow(/65536 files.*at most 65535/);
    const { dir, entries } = await folder({ 'huge.bin': '' });
    await truncate(path.join(dir, 'huge.bin'), 2 ** 32 + 1); // sparse: no disk used
    await expect(writeZip(zip, entries)).rejects.toBeInstanceOf(UserError);
    await expect(writeZip(zip, entries)).rejects.toThrow(/larger than 4 GiB/);
    expect(await readdir(out)).toEqual([]);
  });

  it('rejects names that are unsafe or repeated', async () => {
    const out = await tempDir({}, 'zip-out-');
    const zip = path.join(out, 'a.zip');
    for (const name of ['', '/abs.txt', 'a/../b.txt', 'a\\b.txt', 'a//b.txt', 'dir/']) {
      await expect(writeZip(zip, [{ name, source: Buffer.from('x') }]), name).rejects.toBeInstanceOf(UserError);
    }
    const twice = [
      { name: 'a.txt', source: Buffer.from('1') },
      { name: 'a.txt', source: Buffer.from('2') },
    ];
    await expect(writeZip(zip, twice)).rejects.toThrow(/listed twice/);
    await mkdir(path.join(out, 'sub'));
    await expect(writeZip(zip, [{ name: 'sub', source: path.join(out, 'sub') }])).rejects.toThrow(/not a regular file/);
    expect(await readdir(out)).toEqual(['sub']);
  });
});
