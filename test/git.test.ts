// The git checks against real repositories made in temp dirs (test/helpers/git.ts).
import { describe, it, expect, beforeEach } from 'vitest';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CheckKind } from '../lib/checks/kind.js';
import { Failure, Skip } from '../lib/errors.js';
import { CloneGit, runGit } from '../lib/git.js';
import gitRepo from '../lib/checks/git-repo.js';
import gitCommitted from '../lib/checks/git-committed.js';
import gitClean from '../lib/checks/git-clean.js';
import gitPushed from '../lib/checks/git-pushed.js';
import gitAuthor from '../lib/checks/git-author.js';
import { makeCtx, tempDir, testIdentity } from './helpers/fixture.js';
import { commit, git, makeRepo, write, type Repo } from './helpers/git.js';

type Outcome = { status: 'pass' | 'fail' | 'skip'; failure?: Failure; reason?: string };

/** Runs one kind on the assignment folder `dir`, as the engine would, and sorts the outcome. */
async function check(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- kinds of any params, as the registry holds them
  kind: CheckKind<any>,
  dir: string,
  params: Record<string, unknown> = {},
  opts: { required?: string[]; optional?: string[]; email?: string | null } = {},
): Promise<Outcome> {
  const ctx = makeCtx(dir, params);
  ctx.spec.files = { required: opts.required ?? ['q1.txt', 'q2.txt'], optional: opts.optional ?? [] };
  if (opts.email === null) ctx.identity = undefined;
  else if (opts.email) ctx.identity = testIdentity({ email: opts.email });
  try {
    await kind.run(ctx, params);
    return { status: 'pass' };
  } catch (e) {
    if (e instanceof Failure) return { status: 'fail', failure: e };
    if (e instanceof Skip) return { status: 'skip', reason: e.reason };
    throw e;
  }
}

const ANSWERS = { 'A1/q1.txt': 'one\n', 'A1/q2.txt': 'two\n', 'README.md': 'course\n' };
let repo: Repo;
let a1: string;

beforeEach(async () => {
  repo = await makeRepo({ files: ANSWERS });
  a1 = path.join(repo.dir, 'A1');
});

const kinds = [gitRepo, gitCommitted, gitClean, gitPushed, gitAuthor];

describe('a good repository', () => {
  it('passes every git kind, from the assignment folder and from the root', async () => {
    for (const k of kinds) expect([k.kind, (await check(k, a1)).status]).toEqual([k.kind, 'pass']);
    for (const k of kinds) {
      const at = await check(k, repo.dir, {}, { required: ['A1/q1.txt'] });
      expect([k.kind, at.status]).toEqual([k.kind, 'pass']);
    }
  });

  it('fails every kind outside any repository, with the same clear sentence', async () => {
    const plain = await tempDir({ 'q1.txt': 'x\n', 'q2.txt': 'y\n' });
    for (const k of kinds) {
      const o = await check(k, plain);
      expect([k.kind, o.status]).toEqual([k.kind, 'fail']);
      expect(o.failure!.rationale).toBe('The assignment folder is not inside a git repository.');
      expect(o.failure!.hint).toContain('git clone');
    }
  });
});

describe('git.repo', () => {
  it('fails without an origin remote, and hints git remote add', async () => {
    const r = await makeRepo({ files: ANSWERS, origin: 'none' });
    const o = await check(gitRepo, path.join(r.dir, 'A1'));
    expect(o.status).toBe('fail');
    expect(o.failure!.rationale).toContain('no remote called origin');
    expect(o.failure!.hint).toContain('git remote add origin');
  });

  it('checks the remote named in its params', async () => {
    expect((await check(gitRepo, a1, { remote: 'upstream' })).status).toBe('fail');
    await git(repo, 'remote', 'add', 'upstream', repo.origin!);
    expect((await check(gitRepo, a1, { remote: 'upstream' })).status).toBe('pass');
  });

  it('fails inside a bare repository and inside .git', async () => {
    const bare = await check(gitRepo, repo.origin!);
    expect(bare.status).toBe('fail');
    expect(bare.failure!.rationale).toContain('not in a working copy');
    expect((await check(gitRepo, path.join(repo.dir, '.git'))).failure!.rationale).toContain('not in a working copy');
  });

  it('skips when git is not installed', async () => {
    const saved = process.env.PATH;
    process.env.PATH = path.join(repo.dir, 'no-such-bin');
    try {
      const o = await check(gitRepo, a1);
      expect(o.status).toBe('skip');
      expect(o.reason).toContain('git is not installed');
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe('git.committed', () => {
  it('names an untracked file and gives partial credit', async () => {
    await write(repo, { 'A1/q3.txt': 'three\n' });
    const o = await check(gitCommitted, a1, {}, { required: ['q1.txt', 'q2.txt', 'q3.txt'] });
    expect(o.status).toBe('fail');
    expect(o.failure!.rationale).toBe('q3.txt is not committed to git.');
    expect(o.failure!.hint).toContain('git add q3.txt && git commit');
    expect(o.failure!.partial).toBeCloseTo(2 / 3);
  });

  it('names files that are staged but not committed', async () => {
    await write(repo, { 'A1/q3.txt': 'three\n', 'A1/q4.txt': 'four\n' });
    await git(repo, 'add', 'A1/q3.txt');
    const o = await check(gitCommitted, a1, {}, { required: ['q1.txt', 'q3.txt', 'q4.txt'] });
    expect(o.status).toBe('fail');
    expect(o.failure!.rationale).toBe('q4.txt is not committed to git, and q3.txt is staged but not committed.');
    expect(o.failure!.partial).toBeCloseTo(1 / 3);
  });

  it('counts a missing required file, and optional files only when they exist', async () => {
    const o = await check(gitCommitted, a1, {}, { required: ['q1.txt', 'gone.txt'], optional: ['extra.py'] });
    expect(o.failure!.rationale).toBe('gone.txt is not committed to git.');
    await write(repo, { 'A1/extra.py': 'print(1)\n' });
    const p = await check(gitCommitted, a1, {}, { required: ['q1.txt'], optional: ['extra.py', 'absent.png'] });
    expect(p.failure!.rationale).toBe('extra.py is not committed to git.');
  });

  it('uses the files param instead of the spec lists', async () => {
    expect((await check(gitCommitted, a1, { files: ['q1.txt'] }, { required: ['nope.txt'] })).status).toBe('pass');
  });

  it('handles names with spaces and non-ASCII letters', async () => {
    const names = ['my answer.txt', 'réponse ü.txt', 'data/ç 2.csv'];
    await commit(repo, Object.fromEntries(names.map((n) => [`A1/${n}`, 'x\n'])));
    expect((await check(gitCommitted, a1, {}, { required: names })).status).toBe('pass');
    await write(repo, { 'A1/naïve file.txt': 'x\n' });
    const o = await check(gitCommitted, a1, {}, { required: [...names, 'naïve file.txt'] });
    expect(o.failure!.rationale).toBe('naïve file.txt is not committed to git.');
    expect(o.failure!.hint).toContain("git add 'naïve file.txt'");
  });

  it('fails everything in a repository with no commits', async () => {
    const r = await makeRepo({ origin: 'none' });
    await write(r, { 'q1.txt': '1\n', 'q2.txt': '2\n' });
    const o = await check(gitCommitted, r.dir);
    expect(o.failure!.rationale).toBe('q1.txt and q2.txt are not committed to git.');
    expect(o.failure!.partial).toBe(0);
  });
});

describe('git.clean', () => {
  it('names a file modified but not staged', async () => {
    await write(repo, { 'A1/q2.txt': 'changed\n' });
    const o = await check(gitClean, a1);
    expect(o.status).toBe('fail');
    expect(o.failure!.rationale).toBe('q2.txt has changes that are not committed, so they would not be handed in.');
    expect(o.failure!.actual).toBe('q2.txt: modified, not staged');
    expect(o.failure!.hint).toContain('git commit -am');
    expect(o.failure!.partial).toBe(0.5);
  });

  it('names a change that is staged but not committed', async () => {
    await write(repo, { 'A1/q1.txt': 'changed\n' });
    await git(repo, 'add', 'A1/q1.txt');
    const o = await check(gitClean, a1);
    expect(o.failure!.actual).toBe('q1.txt: modified and staged, not committed');
    expect(o.failure!.hint).toContain('git commit -m');
  });

  it('names a deleted file', async () => {
    await rm(path.join(a1, 'q1.txt'));
    expect((await check(gitClean, a1)).failure!.actual).toBe('q1.txt: deleted, not staged');
  });

  it('ignores changes to files it does not look at', async () => {
    await write(repo, { 'README.md': 'edited\n', 'A1/notes.txt': 'untracked\n' });
    expect((await check(gitClean, a1)).status).toBe('pass');
  });

  it('lists names with spaces and non-ASCII letters exactly', async () => {
    const names = ['my answer.txt', 'réponse ü.txt'];
    await commit(repo, Object.fromEntries(names.map((n) => [`A1/${n}`, 'x\n'])));
    await write(repo, Object.fromEntries(names.map((n) => [`A1/${n}`, 'changed\n'])));
    const o = await check(gitClean, a1, { files: names });
    expect(o.failure!.rationale).toBe(
      'my answer.txt and réponse ü.txt have changes that are not committed, so they would not be handed in.',
    );
    expect(o.failure!.actual).toBe('my answer.txt: modified, not staged\nréponse ü.txt: modified, not staged');
  });
});

describe('git.pushed', () => {
  it('passes when the branch is behind its upstream (HEAD is contained in it)', async () => {
    await commit(repo, { 'A1/q1.txt': 'v2\n' });
    await git(repo, 'push', '-q');
    await git(repo, 'reset', '-q', '--hard', 'HEAD~1');
    expect((await check(gitPushed, a1)).status).toBe('pass');
  });

  it('says how many commits are not pushed', async () => {
    await commit(repo, { 'A1/q1.txt': 'v2\n' });
    await commit(repo, { 'A1/q1.txt': 'v3\n' });
    const o = await check(gitPushed, a1);
    expect(o.status).toBe('fail');
    expect(o.failure!.rationale).toBe('2 commits on main are not pushed to origin/main.');
    expect(o.failure!.hint).toBe('Push them: git push');
    expect(o.failure!.actual).toBe('2 ahead');
  });

  it('fails a branch with no upstream, hinting git push -u', async () => {
    await git(repo, 'switch', '-q', '-c', 'work');
    const o = await check(gitPushed, a1);
    expect(o.failure!.rationale).toContain('has no upstream branch');
    expect(o.failure!.hint).toContain('git push -u origin work');
    const none = await makeRepo({ files: ANSWERS, origin: 'none' });
    expect((await check(gitPushed, none.dir)).failure!.hint).toContain('git push -u origin main');
  });

  it('fails when the upstream ref is gone', async () => {
    await git(repo, 'update-ref', '-d', 'refs/remotes/origin/main');
    const o = await check(gitPushed, a1);
    expect(o.failure!.rationale).toBe('The upstream of main, origin/main, does not exist (as of your last fetch or push).');
  });

  it('fails on a detached HEAD', async () => {
    await git(repo, 'checkout', '-q', '--detach');
    const o = await check(gitPushed, a1);
    expect(o.failure!.rationale).toContain('HEAD is detached');
    expect(o.failure!.hint).toContain('git switch main');
  });

  it('fails in a repository with no commits', async () => {
    const r = await makeRepo({ origin: 'none' });
    expect((await check(gitPushed, r.dir)).failure!.rationale).toBe('The repository has no commits yet.');
  });
});

describe('git.author', () => {
  it('matches the email without regard to case', async () => {
    expect((await check(gitAuthor, a1, {}, { email: 'AB123@Example.EDU' })).status).toBe('pass');
  });

  it("passes when any one commit in the history is the student's", async () => {
    await commit(repo, { 'A1/q1.txt': 'v2\n' }, { author: { name: 'TA', email: 'ta@example.edu' } });
    expect((await check(gitAuthor, a1)).status).toBe('pass');
  });

  it('fails with the wrong author and shows up to three emails found', async () => {
    for (const who of ['one', 'two', 'three', 'four']) {
      await commit(repo, { 'A1/q1.txt': `${who}\n` }, { author: { name: who, email: `${who}@example.com` } });
    }
    const o = await check(gitAuthor, a1, {}, { email: 'zz999@example.edu' });
    expect(o.status).toBe('fail');
    expect(o.failure!.rationale).toBe('No commit is authored with your email zz999@example.edu.');
    expect(o.failure!.actual).toBe('author emails found: four@example.com, three@example.com, two@example.com and 2 more');
    expect(o.failure!.hint).toContain('git config user.email zz999@example.edu');
    expect(o.failure!.hint).toContain('--amend --reset-author');
  });

  it('skips without a user.cfg identity', async () => {
    expect(gitAuthor.needsIdentity).toBe(true);
    expect((await check(gitAuthor, a1, {}, { email: null })).status).toBe('skip');
  });
});

describe('lib/git.ts', () => {
  it('reports the root and the folder prefix, also for non-ASCII folder names', async () => {
    const dir = path.join(repo.dir, 'Aufgabe ü');
    await mkdir(dir);
    await writeFile(path.join(dir, 'x'), '');
    expect(await new CloneGit(dir).repo()).toEqual({ ok: true, root: repo.dir, prefix: 'Aufgabe ü/' });
  });

  it('pays no wait after a git process that prints nothing', async () => {
    // simple-git slept 50 ms after any silent process (decision 0013). Interleaved best-of-5, so a
    // busy machine slows both alike: a silent command is no slower than one that prints.
    let silent = Infinity;
    let printing = Infinity;
    for (let i = 0; i < 5; i++) {
      let t = performance.now();
      await runGit(repo.dir, ['update-index', '-q', '--refresh']);
      silent = Math.min(silent, performance.now() - t);
      t = performance.now();
      await runGit(repo.dir, ['rev-parse', '--show-toplevel']);
      printing = Math.min(printing, performance.now() - t);
    }
    expect(silent).toBeLessThan(printing + 25);
  });

  it("runs git apart from the caller's GIT_* variables and the repository's fsmonitor, feeds it input, and stops it on abort", async () => {
    // A hook's GIT_DIR would point git at another repository.
    process.env.GIT_DIR = path.join(repo.dir, 'elsewhere');
    try {
      expect((await runGit(repo.dir, ['rev-parse', '--show-toplevel'])).stdout.trim()).toBe(repo.dir);
    } finally {
      delete process.env.GIT_DIR;
    }
    // A repository's config naming a program for git status: not run.
    const ran = path.join(repo.dir, '..', `fsmonitor-ran-${process.pid}`);
    await writeFile(
      path.join(repo.dir, '..', 'fsmonitor.sh'),
      `#!/bin/sh
touch '${ran}'
`,
      { mode: 0o755 },
    );
    await git(repo, 'config', 'core.fsmonitor', path.join(repo.dir, '..', 'fsmonitor.sh'));
    try {
      await new CloneGit(repo.dir).status();
      expect(existsSync(ran)).toBe(false);
    } finally {
      await git(repo, 'config', '--unset', 'core.fsmonitor');
    }
    const batch = await runGit(repo.dir, ['cat-file', '--batch-check'], { input: 'HEAD\nno-such-thing\n' });
    expect(batch.stdout).toMatch(/^[0-9a-f]{40} commit \d+\nno-such-thing missing\n$/);
    const ac = new AbortController();
    const t = performance.now();
    setTimeout(() => ac.abort(new Error('timed out')), 200);
    await expect(runGit(repo.dir, ['-c', 'alias.nap=!sleep 20', 'nap'], { signal: ac.signal })).rejects.toThrow('timed out');
    expect(performance.now() - t).toBeLessThan(5000);
    await expect(runGit(path.join(repo.dir, 'no-such-folder'), ['status'])).rejects.toThrow(/does not exist/);
  });
});
