// The grader reads forks from git objects in-process (grader/objects.ts, grader/tree.ts). Every
// test here holds that reader to git itself on real repositories: the same bytes for every object
// (loose, packed whole, offset and reference deltas, several packs), the same history order as
// `git log`, the same commit as `git rev-list --before`, the same view of files as a checkout.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync, chmodSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { tempDir } from './helpers/fixture.js';
import { ObjectError, ObjectStore, parseCommit } from '../grader/objects.js';
import { CommitVolume } from '../grader/tree.js';
import { history, lastBefore } from '../grader/gitops.js';
import { BatchCache } from '../grader/cache.js';
import { AssignmentFiles } from '../lib/fsio.js';

const ENV = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.edu', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.edu' };
const git = (cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) => execFileSync('git', args, { cwd, env: { ...ENV, ...env }, maxBuffer: 1 << 28 });
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

function expectSameAsGit(gitdir: string): number {
  const store = new ObjectStore(gitdir);
  const objs = allObjects(gitdir);
  for (const o of objs) {
    const got = store.read(o.oid);
    expect(got.type).toBe(o.type);
    expect(got.data.equals(git(gitdir, ['cat-file', o.type, o.oid]))).toBe(true);
    expect(new ObjectStore(gitdir).size(o.oid)).toBe(o.size);
  }
  return objs.length;
}

/** The type of every entry in the repository's one pack (6: offset delta, 7: reference delta), read at the offsets git's own index gives. */
function entryTypes(gitdir: string): number[] {
  const dir = path.join(gitdir, 'objects', 'pack');
  const idx = readdirSync(dir).find((f) => f.endsWith('.idx'))!;
  const pack = readFileSync(path.join(dir, idx.replace(/\.idx$/, '.pack')));
  const offsets = execFileSync('git', ['show-index'], { input: readFileSync(path.join(dir, idx)) }).toString().trim().split('\n').map((l) => Number(l.split(' ')[0]));
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
    git(dir, ['commit', '-q', '-m', `step ${i}`], { GIT_COMMITTER_DATE: `${1700000000 + i * 60} +0000`, GIT_AUTHOR_DATE: `${1700000000 + i * 60} +0000` });
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
    const verify = gitText(gd, ['verify-pack', '-v', ...readdirSync(path.join(gd, 'objects', 'pack')).filter((f) => f.endsWith('.idx')).map((f) => path.join(gd, 'objects', 'pack', f))]);
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
  });

  it('gives a large blob\'s first bytes without the rest, and refuses corrupt, truncated and missing objects', async () => {
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
  });
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
        git(dir, ['merge', '-q', '--no-ff', '-m', `merge ${i}`, 'side'], { GIT_COMMITTER_DATE: `${t + 5} +0000`, GIT_AUTHOR_DATE: `${t + 5} +0000` });
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
  });
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
    const names = ['q1.txt', 'run.sh', 'sub', 'sub/deep.txt', 'link-in.txt', 'link-dir', 'link-dir/deep.txt', 'link-up.txt', 'link-abs.txt', 'dangling.txt', 'module', 'missing.txt', 'sub/../q1.txt', './q1.txt', 'q1.txt/x'];
    for (const n of names) {
      const [d, m] = await Promise.all([disk.info(n), mem.info(n)]);
      const pick = (i: typeof d) => ({ type: i.type, size: i.type === 'file' ? i.size : 0, symlink: i.symlink, outside: i.outside, executable: i.type === 'file' && i.executable });
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
