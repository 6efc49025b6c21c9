// The grader reads forks from git objects in-process (grader/objects.ts, grader/tree.ts). Every
// test here holds that reader to git itself on real repositories: the same bytes for every object
// (loose, packed whole, offset and reference deltas, several packs), the same history order as
// `git log`, the same commit as `git rev-list --before`, the same view of files as a checkout.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
  chmodSync,
  appendFileSync,
  openSync,
  writeSync,
  closeSync,
  rmSync,
  statSync,
  existsSync,
} from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { tempDir } from './helpers/fixture.js';
import { ObjectError, ObjectStore, parseCommit } from '../grader/objects.js';
import { inflateFile } from '../grader/packio.js';
import { CommitVolume } from '../grader/tree.js';
import { history, lastBefore } from '../grader/gitops.js';
import { BatchCache } from '../grader/cache.js';
import { AssignmentFiles } from '../lib/fsio.js';

const ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'T',
  GIT_AUTHOR_EMAIL: 't@example.edu',
  GIT_COMMITTER_NAME: 'T',
  GIT_COMMITTER_EMAIL: 't@example.edu',
};
const git = (cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  execFileSync('git', args, { cwd, env: { ...ENV, ...env }, maxBuffer: 1 << 28 });
const gitText = (cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) => git(cwd, args, env).toString('utf8').trim();

/** Every object git knows in `gitdir`, with its type and size. */
function allObjects(gitdir: string): { oid: string; type: string; size: number }[] {
  return gitText(gitdir, ['cat-file', '--batch-all-objects', '--batch-check=%(objectname) %(objecttype) %(objectsize)'])
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [oid, type, size] = l.split(' ');
      return { oid, type, size: Number(size) };
    });
}

/**
 * Every object read as git reads it, by one store for the whole repository and by one whose read
 * windows (256 bytes) are smaller than most objects, so entries, deltas and index buckets straddle them.
 */
function expectSameAsGit(gitdir: string): number {
  const stores = [new ObjectStore(gitdir), new ObjectStore(gitdir, { window: 256 })];
  const objs = allObjects(gitdir);
  // Every object's bytes from one `git cat-file --batch`: "<oid> <type> <size>\n<content>\n" each.
  const batch = execFileSync('git', ['cat-file', '--batch'], {
    cwd: gitdir,
    env: ENV,
    input: objs.map((o) => `${o.oid}\n`).join(''),
    maxBuffer: 1 << 28,
  });
  let at = 0;
  for (const o of objs) {
    const nl = batch.indexOf(10, at);
    expect(batch.toString('latin1', at, nl)).toBe(`${o.oid} ${o.type} ${o.size}`);
    const want = batch.subarray(nl + 1, nl + 1 + o.size);
    at = nl + 1 + o.size + 1;
    for (const store of stores) {
      const got = store.read(o.oid);
      expect(got.type).toBe(o.type);
      expect(got.data.equals(want)).toBe(true);
    }
    expect(new ObjectStore(gitdir).size(o.oid)).toBe(o.size);
    expect(new ObjectStore(gitdir, { window: 256 }).size(o.oid)).toBe(o.size);
  }
  return objs.length;
}

/** The type of every entry in the repository's one pack (6: offset delta, 7: reference delta), read at the offsets git's own index gives. */
function entryTypes(gitdir: string): number[] {
  const dir = path.join(gitdir, 'objects', 'pack');
  const idx = readdirSync(dir).find((f) => f.endsWith('.idx'))!;
  const pack = readFileSync(path.join(dir, idx.replace(/\.idx$/, '.pack')));
  const offsets = execFileSync('git', ['show-index'], { input: readFileSync(path.join(dir, idx)) })
    .toString()
    .trim()
    .split('\n')
    .map((l) => Number(l.split(' ')[0]));
  return offsets.map((o) => (pack[o] >> 4) & 7);
}

/** A repository whose one file goes through many versions (so repacking makes delta chains), plus a 300 KB blob. */
async function busyRepo(): Promise<string> {
  const dir = await tempDir({}, 'harness-objects-');
  git(dir, ['init', '-q', '-b', 'main']);
  let text = '';
  for (let i = 0; i < 30; i++) {
    text += `line ${i}: ${'x'.repeat(i % 7)} the quick brown fox\n`;
    writeFileSync(path.join(dir, 'notes.txt'), text);
    writeFileSync(path.join(dir, `f${i % 4}.txt`), `version ${i}\n`.repeat(50 + i));
    if (i === 10) writeFileSync(path.join(dir, 'big.bin'), randomBytes(300 * 1024));
    if (i === 20) writeFileSync(path.join(dir, 'big.bin'), Buffer.concat([readFileSync(path.join(dir, 'big.bin')), Buffer.from('tail')]));
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', `step ${i}`], {
      GIT_COMMITTER_DATE: `${1700000000 + i * 60} +0000`,
      GIT_AUTHOR_DATE: `${1700000000 + i * 60} +0000`,
    });
  }
  return dir;
}

describe('ObjectStore reads what git reads', () => {
  it('loose objects, one pack with offset deltas, a pack with reference deltas, and several packs at once', async () => {
    const dir = await busyRepo();
    const gd = path.join(dir, '.git');
    expect(readdirSync(path.join(gd, 'objects', 'pack')).filter((f) => f.endsWith('.pack'))).toHaveLength(0);
    const n = expectSameAsGit(gd); // all loose
    git(dir, ['repack', '-a', '-d', '-f', '--depth=50', '--window=50']);
    const verify = gitText(gd, [
      'verify-pack',
      '-v',
      ...readdirSync(path.join(gd, 'objects', 'pack'))
        .filter((f) => f.endsWith('.idx'))
        .map((f) => path.join(gd, 'objects', 'pack', f)),
    ]);
    expect(verify).toMatch(/chain length = [2-9]/); // deltas on deltas
    expect(expectSameAsGit(gd)).toBe(n);
    expect(entryTypes(gd)).toContain(6); // offset deltas in this pack
    git(dir, ['-c', 'repack.useDeltaBaseOffset=false', '-c', 'pack.useDeltaBaseOffset=false', 'repack', '-a', '-d', '-f']);
    const types = entryTypes(gd);
    expect(types).toContain(7); // reference deltas now
    expect(types).not.toContain(6);
    expect(expectSameAsGit(gd)).toBe(n);
    // A later commit stays loose beside the pack; then a second pack beside the first.
    writeFileSync(path.join(dir, 'late.txt'), 'after the repack\n');
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', 'late']);
    expectSameAsGit(gd);
    git(dir, ['repack', '-d']); // packs only the loose objects: two packs now
    expect(readdirSync(path.join(gd, 'objects', 'pack')).filter((f) => f.endsWith('.pack'))).toHaveLength(2);
    expectSameAsGit(gd);
  }, 60_000);

  it("gives a large blob's first bytes without the rest, and refuses corrupt, truncated and missing objects", async () => {
    const dir = await busyRepo();
    const gd = path.join(dir, '.git');
    const big = gitText(dir, ['rev-parse', 'HEAD:big.bin']);
    const want = git(gd, ['cat-file', 'blob', big]);
    expect(new ObjectStore(gd).head(big, 1000).equals(want.subarray(0, 1000))).toBe(true);
    git(dir, ['repack', '-a', '-d']);
    expect(new ObjectStore(gd).head(big, 1000).equals(want.subarray(0, 1000))).toBe(true);

    // Missing.
    expect(() => new ObjectStore(gd).read('0123456789012345678901234567890123456789')).toThrow(ObjectError);
    // A loose object whose bytes were changed: its content no longer hashes to its name.
    const dir2 = await busyRepo();
    const gd2 = path.join(dir2, '.git');
    const blob = gitText(dir2, ['rev-parse', 'HEAD:notes.txt']);
    const file = path.join(gd2, 'objects', blob.slice(0, 2), blob.slice(2));
    chmodSync(file, 0o644);
    const bytes = readFileSync(file);
    bytes[bytes.length - 6] ^= 0xff;
    writeFileSync(file, bytes);
    expect(() => new ObjectStore(gd2).read(blob)).toThrow(ObjectError);
    // A truncated pack.
    const pack = readdirSync(path.join(gd, 'objects', 'pack')).find((f) => f.endsWith('.pack'))!;
    const packFile = path.join(gd, 'objects', 'pack', pack);
    chmodSync(packFile, 0o644);
    truncateSync(packFile, 2000);
    expect(() => expectSameAsGitQuiet(gd, gitText(dir, ['rev-parse', 'HEAD']))).toThrow(ObjectError);
  }, 60_000);
});

function expectSameAsGitQuiet(gd: string, tip: string): void {
  const s = new ObjectStore(gd);
  let c = parseCommit(tip, s.read(tip).data);
  for (;;) {
    s.read(c.tree);
    if (!c.parents.length) break;
    c = parseCommit(c.parents[0], s.read(c.parents[0]).data);
  }
}

/** A student's CSV data set, made up from `seed`: `rows` rows numbered from `from`. */
function csv(rows: number, seed: number, from = 0): string {
  let s = seed;
  const lines: string[] = [];
  for (let i = from; i < from + rows; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    lines.push(`${i},${(s % 100000) / 100},station-${s % 977},2017-01-${String(1 + (s % 28)).padStart(2, '0')},${(s >> 8) % 1000}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('large blobs are read only as far as a check asks', () => {
  it('gives the first bytes of a 12 MB data file stored whole or as offset or reference deltas, reading a small part of the pack in small reads', async () => {
    const dir = await tempDir({}, 'harness-bigblob-');
    git(dir, ['init', '-q', '-b', 'main']);
    // Versions edited at the start, in the middle and at the end: repacked, git stores one whole
    // and the others as deltas (copies from all over the base, and inserts).
    const body = csv(270_000, 1);
    const third = Math.floor(body.length / 3);
    const v1 = `id,value,station,date,count\n${body}`;
    const v2 = `id,value,station,date,count,flag\n${csv(1000, 2, 900_000)}${body.slice(0, third)}${csv(5000, 3, 800_000)}${body.slice(third, 2 * third)}${body.slice(2 * third + 100_000)}`;
    const v3 = `# corrected\n${v2}${csv(20_000, 4, 700_000)}`;
    // Smaller than v3 and new at its start: a delta whose first bytes are all inserted.
    const v4 = `${csv(3000, 5, 600_000)}${v3.slice(2_000_000)}`;
    for (const [i, v] of [v1, v2, v3, v4].entries()) {
      writeFileSync(path.join(dir, 'data.csv'), v);
      writeFileSync(path.join(dir, 'answer.txt'), `answer ${i}\n`);
      git(dir, ['add', '-A']);
      git(dir, ['commit', '-q', '-m', `data ${i}`]);
    }
    const gd = path.join(dir, '.git');
    const blobs = ['HEAD~3', 'HEAD~2', 'HEAD~1', 'HEAD'].map((c) => gitText(dir, ['rev-parse', `${c}:data.csv`]));
    for (const ofs of ['true', 'false']) {
      git(dir, [
        '-c',
        `repack.useDeltaBaseOffset=${ofs}`,
        '-c',
        `pack.useDeltaBaseOffset=${ofs}`,
        'repack',
        '-a',
        '-d',
        '-f',
        '--depth=50',
        '--window=10',
      ]);
      expect(entryTypes(gd)).toContain(ofs === 'true' ? 6 : 7);
      const base = new Map(
        gitText(gd, ['cat-file', '--batch-all-objects', '--batch-check=%(objectname) %(deltabase)'])
          .split('\n')
          .map((l) => l.split(' ') as [string, string]),
      );
      expect(blobs.filter((b) => base.get(b) !== '0'.repeat(40)).length).toBeGreaterThanOrEqual(1); // some are deltas
      const packDir = path.join(gd, 'objects', 'pack');
      const packSize = statSync(
        path.join(
          packDir,
          readdirSync(packDir).find((f) => f.endsWith('.pack'))!,
        ),
      ).size;
      for (const b of blobs) {
        const full = git(gd, ['cat-file', 'blob', b]);
        for (const n of [1, 4096, (1 << 20) + 17, full.length - 3]) {
          expect([b, n, new ObjectStore(gd).head(b, n).equals(full.subarray(0, n))]).toEqual([b, n, true]);
        }
        // A 64 KB prefix is read in reads no larger than a few windows; of a blob stored whole, it
        // costs a small part of the pack. (A delta's first bytes may copy from anywhere in its base,
        // which is then read forwards that far, a window at a time.)
        const s = new ObjectStore(gd);
        expect(s.head(b, 65536).equals(full.subarray(0, 65536))).toBe(true);
        expect(s.stats.largest).toBeLessThanOrEqual(256 * 1024);
        if (base.get(b) === '0'.repeat(40)) expect(s.stats.bytes).toBeLessThan(Math.min(packSize / 4, 1 << 20));
        // Small windows give the same bytes.
        expect(new ObjectStore(gd, { window: 512 }).head(b, 100_000).equals(full.subarray(0, 100_000))).toBe(true);
        expect(new ObjectStore(gd).read(b).data.equals(full)).toBe(true);
        // A size is a header: a window or two, never the rest of the pack.
        const sized = new ObjectStore(gd);
        expect(sized.size(b)).toBe(full.length);
        expect(sized.stats.bytes).toBeLessThan(200_000);
      }
    }
    // Cut short, the pack fails each read with an ObjectError (the student's status), never a crash.
    const packDir = path.join(gd, 'objects', 'pack');
    const packFile = path.join(
      packDir,
      readdirSync(packDir).find((f) => f.endsWith('.pack'))!,
    );
    chmodSync(packFile, 0o644);
    truncateSync(packFile, Math.floor(statSync(packFile).size / 2));
    for (const b of blobs) {
      expect(() => {
        const s = new ObjectStore(gd);
        s.head(b, s.size(b) - 1);
      }).toThrow(ObjectError);
    }
  }, 120_000);
});

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

const streamed = (s: ObjectStore, oid: string, signal?: AbortSignal) => {
  const at = s.whole(oid);
  if (!at) throw new Error(`${oid} is a delta`);
  return collect(inflateFile(at.file, at.from, at.end, at.skip, at.size, oid, signal));
};

describe('large blobs streamed whole (the secret scan of committed data sets)', () => {
  it('gives what git cat-file gives, loose and packed among other objects; deltas are left to git; damage and aborts throw', async () => {
    const dir = await tempDir({}, 'harness-streamblob-');
    git(dir, ['init', '-q', '-b', 'main']);
    const v1 = `id,value,station,date,count\n${csv(300_000, 7)}`;
    writeFileSync(path.join(dir, 'data.csv'), v1);
    writeFileSync(path.join(dir, 'answer.txt'), 'answer\n');
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', 'data']);
    const gd = path.join(dir, '.git');
    const blob = gitText(dir, ['rev-parse', 'HEAD:data.csv']);
    const full = git(gd, ['cat-file', 'blob', blob]);
    // Loose: the stream starts with the object's header, which is skipped.
    expect(existsSync(path.join(gd, 'objects', blob.slice(0, 2), blob.slice(2)))).toBe(true);
    expect((await streamed(new ObjectStore(gd), blob)).equals(full)).toBe(true);
    // Packed whole, with an edited version stored as a delta and other objects after it.
    writeFileSync(path.join(dir, 'data.csv'), `${v1}${csv(1000, 8, 900_000)}`);
    git(dir, ['commit', '-q', '-am', 'more data']);
    git(dir, ['repack', '-a', '-d', '-f']);
    const blob2 = gitText(dir, ['rev-parse', 'HEAD:data.csv']);
    const bases = new Map(
      gitText(gd, ['cat-file', '--batch-all-objects', '--batch-check=%(objectname) %(deltabase)'])
        .split('\n')
        .map((l) => l.split(' ') as [string, string]),
    );
    const [whole, delta] = bases.get(blob) === '0'.repeat(40) ? [blob, blob2] : [blob2, blob];
    expect(bases.get(delta)).not.toBe('0'.repeat(40));
    const store = new ObjectStore(gd);
    expect((await streamed(store, whole)).equals(git(gd, ['cat-file', 'blob', whole]))).toBe(true);
    expect(store.whole(delta)).toBeUndefined();
    // An aborted read stops with the signal's reason.
    const ac = new AbortController();
    const aborted = (async () => {
      const at = store.whole(whole)!;
      for await (const _ of inflateFile(at.file, at.from, at.end, at.skip, at.size, 'x', ac.signal)) ac.abort(new Error('stopped'));
    })();
    await expect(aborted).rejects.toThrow('stopped');
    // A changed byte in the middle of its compressed data (zlib's checks catch it), or a pack cut
    // short inside it: an ObjectError, never a short clean read.
    const at = store.whole(whole)!;
    const pack = readFileSync(at.file);
    for (const hurt of [
      (b: Buffer) => ((b[at.from + Math.floor((at.end - at.from) / 3)] ^= 0x10), b),
      (b: Buffer) => b.subarray(0, at.from + 5000),
    ]) {
      chmodSync(at.file, 0o644);
      writeFileSync(at.file, hurt(Buffer.from(pack)));
      const s = new ObjectStore(gd);
      await expect(
        (async () => {
          const w = s.whole(whole)!;
          return collect(inflateFile(w.file, w.from, w.end, w.skip, w.size, 'data.csv'));
        })(),
      ).rejects.toThrow(ObjectError);
    }
  }, 60_000);
});

/**
 * Rewrites a repository's one pack so that every entry but the first lies past 2 GiB: the pack
 * becomes a sparse file (a hole after the first entry, nothing written there) and its index gets
 * the 64-bit offsets table, as git writes for packs that large. OFS deltas stay valid: they point
 * backwards by distance, and everything after the first entry moves together.
 */
function movePastTwoGiB(gitdir: string): void {
  const dir = path.join(gitdir, 'objects', 'pack');
  const idxName = readdirSync(dir).find((f) => f.endsWith('.idx'))!;
  const idx = readFileSync(path.join(dir, idxName));
  const packFile = path.join(dir, idxName.replace(/\.idx$/, '.pack'));
  const pack = readFileSync(packFile);
  const n = idx.readUInt32BE(8 + 255 * 4);
  const offs = 8 + 1024 + 24 * n;
  const offsets = Array.from({ length: n }, (_, i) => idx.readUInt32BE(offs + 4 * i));
  const second = Math.min(...offsets.filter((o) => o > 12));
  const shift = 2 ** 31 + 2 ** 20;
  rmSync(packFile, { force: true });
  const fd = openSync(packFile, 'w');
  writeSync(fd, pack, 0, second, 0);
  writeSync(fd, pack, second, pack.length - second, second + shift);
  closeSync(fd);
  // git allows at most n - 1 wide offsets: the first entry is always at 12.
  const out = Buffer.alloc(offs + 4 * n + 8 * (n - 1) + 40);
  idx.copy(out, 0, 0, offs);
  let k = 0;
  offsets.forEach((o, i) => {
    if (o === 12) return void out.writeUInt32BE(12, offs + 4 * i);
    out.writeUInt32BE((0x80000000 | k) >>> 0, offs + 4 * i);
    out.writeBigUInt64BE(BigInt(o + shift), offs + 4 * n + 8 * k++);
  });
  pack.copy(out, out.length - 40, pack.length - 20); // the pack's checksum, as the index records it
  createHash('sha1')
    .update(out.subarray(0, out.length - 20))
    .digest()
    .copy(out, out.length - 20);
  rmSync(path.join(dir, idxName), { force: true });
  writeFileSync(path.join(dir, idxName), out);
}

describe('pack indexes with 64-bit offsets', () => {
  it('reads an index whose offsets git itself put in the 64-bit table', async () => {
    const dir = await busyRepo();
    const gd = path.join(dir, '.git');
    git(dir, ['repack', '-a', '-d', '-f', '--depth=50']);
    const packDir = path.join(gd, 'objects', 'pack');
    const idxName = readdirSync(packDir).find((f) => f.endsWith('.idx'))!;
    const before = statSync(path.join(packDir, idxName)).size;
    const forced = path.join(dir, 'forced.idx');
    // A test-suite option of git's: 64-bit entries for every object past offset 12 (all but the
    // first, which git requires to have a 32-bit one).
    git(dir, ['index-pack', '--index-version=2,12', '-o', forced, path.join(packDir, idxName.replace(/\.idx$/, '.pack'))]);
    rmSync(path.join(packDir, idxName), { force: true });
    writeFileSync(path.join(packDir, idxName), readFileSync(forced));
    const n = readFileSync(path.join(packDir, idxName)).readUInt32BE(8 + 255 * 4);
    expect(statSync(path.join(packDir, idxName)).size).toBe(before + 8 * (n - 1));
    expect(expectSameAsGit(gd)).toBe(n);
  }, 60_000);

  it('reads objects lying past 2 GiB in a pack, as git does (a sparse file: nothing near 2 GiB is written)', async () => {
    const dir = await busyRepo();
    const gd = path.join(dir, '.git');
    git(dir, ['repack', '-a', '-d', '-f', '--depth=50']);
    const n = allObjects(gd).length;
    movePastTwoGiB(gd);
    const packDir = path.join(gd, 'objects', 'pack');
    const pack = statSync(
      path.join(
        packDir,
        readdirSync(packDir).find((f) => f.endsWith('.pack'))!,
      ),
    );
    expect(pack.size).toBeGreaterThan(2 ** 31);
    expect(pack.blocks * 512).toBeLessThan(64 * 1024 * 1024); // really sparse
    expect(expectSameAsGit(gd)).toBe(n);
  }, 60_000);
});

describe('history walks in git log order', () => {
  it('matches git log and git rev-list --before on merges with forged, out-of-order and equal dates', async () => {
    const dir = await tempDir({}, 'harness-history-');
    git(dir, ['init', '-q', '-b', 'main']);
    // A seeded pseudo-random walk: commits on two branches, merges, dates that go backwards or repeat.
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const dates: number[] = [];
    const commitAt = (msg: string, t: number, file = 'f.txt') => {
      writeFileSync(path.join(dir, file), `${msg}\n`);
      git(dir, ['add', '-A']);
      git(dir, ['commit', '-q', '--allow-empty', '-m', msg], { GIT_COMMITTER_DATE: `${t} +0000`, GIT_AUTHOR_DATE: `${t} +0000` });
      dates.push(t);
    };
    commitAt('root', 1_600_000_000);
    git(dir, ['branch', 'side']);
    for (let i = 0; i < 40; i++) {
      const t = 1_600_000_000 + (rand(5) === 0 ? -rand(100000) : rand(3) === 0 ? 0 : rand(200000));
      if (rand(6) === 0) {
        git(dir, ['checkout', '-q', 'side']);
        commitAt(`side ${i}`, t, 'side.txt');
        git(dir, ['checkout', '-q', 'main']);
        git(dir, ['merge', '-q', '--no-ff', '-m', `merge ${i}`, 'side'], {
          GIT_COMMITTER_DATE: `${t + 5} +0000`,
          GIT_AUTHOR_DATE: `${t + 5} +0000`,
        });
      } else {
        commitAt(`main ${i}`, t);
      }
    }
    const gd = path.join(dir, '.git');
    const h = await history(gd, 'main');
    if ('error' in h) throw new Error(h.error);
    expect(h.map((c) => c.hash)).toEqual(gitText(dir, ['log', '--format=%H', 'main']).split('\n'));
    expect(h.map((c) => c.email)).toEqual(gitText(dir, ['log', '--format=%ae', 'main']).split('\n'));
    for (const t of [...new Set(dates)].sort().filter((_, i) => i % 3 === 0)) {
      const iso = new Date(t * 1000).toISOString();
      const byGit = gitText(dir, ['rev-list', '-1', `--before=${iso}`, 'main']);
      expect(lastBefore(h, new Date(iso))?.hash ?? '').toBe(byGit);
    }
    // Walked again from a table of parsed commits, the same; a tip not in this fork is an error.
    const known = new Map();
    await history(gd, 'main', undefined, undefined, known);
    // A branch of this fork is walked from the table alone; a commit named from outside (the ledger's) must be in the fork.
    const fromTable = await history(gd, 'main', undefined, new ObjectStore('/nonexistent'), known);
    expect(fromTable).toEqual(h);
    const pinned = await history(gd, h[0].hash, undefined, new ObjectStore('/nonexistent'), known);
    expect(pinned).toMatchObject({ error: expect.stringMatching(/not in the repository/) });
    expect(await history(gd, 'no-such-branch')).toEqual({ error: 'no commit on no-such-branch' });
    git(dir, ['pack-refs', '--all']);
    expect(((await history(gd, 'main')) as unknown[]).length).toBe(h.length);
  }, 60_000);
});

describe('CommitVolume shows a commit as a checkout would', () => {
  it('files, folders, executable bits, links inside, out of the folder, absolute and dangling, and submodules', async () => {
    const dir = await tempDir({}, 'harness-volume-');
    git(dir, ['init', '-q', '-b', 'main']);
    const a = path.join(dir, 'assignments', 'A1');
    mkdirSync(path.join(a, 'sub'), { recursive: true });
    writeFileSync(path.join(a, 'q1.txt'), 'answer\n');
    writeFileSync(path.join(a, 'run.sh'), '#!/bin/sh\necho hi\n');
    chmodSync(path.join(a, 'run.sh'), 0o755);
    writeFileSync(path.join(a, 'sub', 'deep.txt'), 'deep\n');
    writeFileSync(path.join(dir, 'README.md'), 'course\n');
    symlinkSync('q1.txt', path.join(a, 'link-in.txt'));
    symlinkSync('sub', path.join(a, 'link-dir'));
    symlinkSync('../../README.md', path.join(a, 'link-up.txt'));
    symlinkSync('/etc/hostname', path.join(a, 'link-abs.txt'));
    symlinkSync('nowhere.txt', path.join(a, 'dangling.txt'));
    git(dir, ['add', '-A']);
    const sub = randomBytes(20).toString('hex');
    git(dir, ['update-index', '--add', '--cacheinfo', `160000,${sub},assignments/A1/module`]);
    git(dir, ['commit', '-q', '-m', 'all kinds']);
    const gd = path.join(dir, '.git');
    const commit = gitText(dir, ['rev-parse', 'HEAD']);
    const store = new ObjectStore(gd);
    const root = path.join(await tempDir(), 'made-up-root');
    const vol = new CommitVolume(store, root, parseCommit(commit, store.read(commit).data).tree);
    expect(vol.tracked()).toEqual(gitText(dir, ['ls-files']).split('\n'));

    // The same questions, asked of the real checkout and of the volume.
    mkdirSync(path.join(a, 'module'), { recursive: true }); // a checkout makes an empty folder for a submodule
    const disk = new AssignmentFiles(a);
    const mem = new AssignmentFiles(path.join(root, 'assignments', 'A1'), vol);
    const names = [
      'q1.txt',
      'run.sh',
      'sub',
      'sub/deep.txt',
      'link-in.txt',
      'link-dir',
      'link-dir/deep.txt',
      'link-up.txt',
      'link-abs.txt',
      'dangling.txt',
      'module',
      'missing.txt',
      'sub/../q1.txt',
      './q1.txt',
      'q1.txt/x',
    ];
    for (const n of names) {
      const [d, m] = await Promise.all([disk.info(n), mem.info(n)]);
      const pick = (i: typeof d) => ({
        type: i.type,
        size: i.type === 'file' ? i.size : 0,
        symlink: i.symlink,
        outside: i.outside,
        executable: i.type === 'file' && i.executable,
      });
      if (n === 'link-abs.txt') {
        // Out of the repository: the disk follows it onto this machine; the volume only knows it leaves.
        expect([m.symlink, m.outside, d.outside]).toEqual([true, true, true]);
        continue;
      }
      expect({ n, ...pick(m) }).toEqual({ n, ...pick(d) });
      if (d.type === 'file' && !d.outside) expect((await mem.read(n)).equals(await disk.read(n))).toBe(true);
    }
    expect((await mem.names(mem.abs('.'))).sort()).toEqual((await disk.names(disk.abs('.'))).sort());
    expect(await mem.peek(path.join(root, 'README.md'), 3)).toEqual(Buffer.from('cou'));
    expect(await mem.peek(path.join(root, 'assignments/A1/link-in.txt'), 10)).toBeUndefined(); // a link is not a file
  });
});

describe('BatchCache', () => {
  it('appends results, survives a torn last line, compacts stale lines, and keeps parsed commits', async () => {
    const out = await tempDir();
    const c1 = new BatchCache(out);
    c1.put('["a"]', { results: [1] });
    c1.put('["b"]', { results: [2] });
    c1.commits.set('c'.repeat(40), { oid: 'c'.repeat(40), tree: 't'.repeat(40), parents: [], time: 5, authorEmail: 'x@y' });
    c1.close();
    const log = path.join(out, '.cache', 'results.jsonl');
    appendFileSync(log, '["c"]\t{"results":[3'); // a kill mid-line
    const c2 = new BatchCache(out);
    expect(c2.get('["a"]')).toEqual({ results: [1] });
    expect(c2.get('["c"]')).toBeUndefined();
    expect(c2.commits.get('c'.repeat(40))?.time).toBe(5);
    c2.put('["c"]', { results: [3] });
    for (let i = 0; i < 5; i++) c2.put('["a"]', { results: [10 + i] });
    c2.close();
    const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(3); // compacted: a, b, c
    const c3 = new BatchCache(out);
    expect([c3.get('["a"]'), c3.get('["b"]'), c3.get('["c"]')]).toEqual([{ results: [14] }, { results: [2] }, { results: [3] }]);
  });
});
