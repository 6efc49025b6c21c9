// A0's own kinds, called directly: tool.present, ssh.key, and git.repo's `remotes`.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import toolPresent, { compareVersions } from '../lib/checks/tool-present.js';
import sshKey from '../lib/checks/ssh-key.js';
import gitRepo from '../lib/checks/git-repo.js';
import { Failure } from '../lib/errors.js';
import { makeCtx, tempDir } from './helpers/fixture.js';

const failure = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    if (e instanceof Failure) return e.rationale;
    throw e;
  }
  throw new Error('expected a Failure');
};

describe('tool.present', () => {
  it('compares dotted versions numerically', () => {
    expect([compareVersions('3.10', '3.9'), compareVersions('2.0', '2'), compareVersions('1.9.9', '2')]).toEqual([1, 0, -1]);
  });

  it('passes for an installed tool and notes its version', async () => {
    const dir = await tempDir();
    const r = await toolPresent.run(makeCtx(dir), { command: 'git', minVersion: '1.0' });
    expect(r?.note).toMatch(/^git \d+\.\d+/);
  });

  it('fails a missing tool with an install hint, a too-old one, and one that errors', async () => {
    const dir = await tempDir({ old: '#!/bin/sh\necho "tool version 1.2.3"\n', broken: '#!/bin/sh\necho oops >&2\nexit 3\n' });
    chmodSync(path.join(dir, 'old'), 0o755);
    chmodSync(path.join(dir, 'broken'), 0o755);
    const ctx = makeCtx(dir);
    expect(await failure(toolPresent.run(ctx, { command: 'no-such-tool-xyz' }))).toBe(
      'no-such-tool-xyz is not installed, or not on your PATH.',
    );
    const pathBefore = process.env.PATH;
    process.env.PATH = `${dir}:${pathBefore}`;
    try {
      expect(await failure(toolPresent.run(ctx, { command: 'old', minVersion: '1.10' }))).toMatch(/old 1\.2\.3 is too old/);
      expect(await failure(toolPresent.run(ctx, { command: 'broken' }))).toMatch(/failed \(exit 3\)/);
    } finally {
      process.env.PATH = pathBefore;
    }
  });

  it('lint: versionPattern must compile and capture', () => {
    expect(toolPresent.validate!({ command: 'x', versionPattern: '(' })[0]).toMatch(/invalid regular expression/);
    expect(toolPresent.validate!({ command: 'x', versionPattern: 'v\\d+' })).toEqual([
      'versionPattern needs a capturing group around the version',
    ]);
    expect(toolPresent.validate!({ command: 'x', versionPattern: 'v(\\d+)' })).toEqual([]);
  });
});

describe('ssh.key', () => {
  const keyIn = async () => {
    const dir = await tempDir();
    mkdirSync(path.join(dir, 'ssh'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'ssh', 'k')]);
    return dir;
  };

  it('passes a private key readable by its owner only, with its .pub beside it', async () => {
    const dir = await keyIn();
    const r = await sshKey.run(makeCtx(dir), { files: ['ssh/none', 'ssh/k'] });
    expect(r?.note).toBe('ssh/k (mode 600)');
  });

  it('fails: none found, readable by others, no .pub, a public key in its place', async () => {
    const dir = await keyIn();
    const ctx = makeCtx(dir);
    expect(await failure(sshKey.run(ctx, { files: ['ssh/none'] }))).toBe('No SSH private key found (looked for ssh/none).');
    chmodSync(path.join(dir, 'ssh', 'k'), 0o640);
    expect(await failure(sshKey.run(ctx, { files: ['ssh/k'] }))).toMatch(/mode 640/);
    chmodSync(path.join(dir, 'ssh', 'k'), 0o600);
    renameSync(path.join(dir, 'ssh', 'k.pub'), path.join(dir, 'ssh', 'p'));
    expect(await failure(sshKey.run(ctx, { files: ['ssh/k'] }))).toMatch(/no public half/);
    expect(await failure(sshKey.run(ctx, { files: ['ssh/p'] }))).toMatch(/holds a public key/);
  });
});

describe('git.repo remotes', () => {
  const git = (cwd: string, ...a: string[]) =>
    execFileSync('git', ['-c', 'init.defaultBranch=main', ...a], {
      cwd,
      stdio: 'pipe',
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' },
    });

  // lib/git.ts remembers answers per repository for the process, so each case gets its own.
  const repo = async (remotes: Record<string, string>) => {
    const dir = await tempDir();
    git(dir, 'init', '-q');
    for (const [name, url] of Object.entries(remotes)) git(dir, 'remote', 'add', name, url);
    return makeCtx(dir);
  };

  it('wants every listed remote, each pointing somewhere different', async () => {
    const fork = 'git@example.org:me/fork.git';
    expect(gitRepo.title({ remotes: ['upstream'] })).toBe('The assignment is in a git repository with origin and upstream remotes');
    expect(await failure(gitRepo.run(await repo({ origin: fork }), { remotes: ['upstream'] }))).toMatch(
      /no remote called upstream, so you cannot fetch/,
    );
    expect(await failure(gitRepo.run(await repo({ origin: fork, upstream: fork }), { remotes: ['upstream'] }))).toMatch(
      /origin and upstream point to the same repository/,
    );
    await expect(
      gitRepo.run(await repo({ origin: fork, upstream: 'git@example.org:course/class.git' }), { remotes: ['upstream'] }),
    ).resolves.toBeUndefined();
  });
});
