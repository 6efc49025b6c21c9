// Real git repositories in temp dirs, made fast: execFile straight to git, no shell, and a HOME of
// their own so the user's global git config (signing, hooks, default branch) cannot leak in.
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { tempDir, writeFiles, type FileMap } from './fixture.js';

const run = promisify(execFile);

export interface Author {
  name: string;
  email: string;
}

export interface Repo {
  /** The work tree. */
  dir: string;
  /** The bare `origin` on local disk, when there is one. */
  origin?: string;
}

export const defaultAuthor: Author = { name: 'Ada Byron', email: 'ab123@example.edu' };
/** Commit dates are fixed so hashes and dates are the same on every run. */
export const defaultDate = '2024-09-01T12:00:00Z';

let home: Promise<string> | undefined;

/** Environment for every git the helpers run; `date` pins author and committer dates. */
async function env(date = defaultDate, author?: Author): Promise<NodeJS.ProcessEnv> {
  const h = await (home ??= tempDir({}, 'harness-home-'));
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) e[k] = v;
  return {
    ...e,
    HOME: h,
    XDG_CONFIG_HOME: path.join(h, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
    ...(author && { GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email }),
    LC_ALL: 'C',
  };
}

const FLAGS = ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', '-c', 'core.hooksPath=/dev/null'];

/** Runs git in `repo` (a Repo or a folder) and returns its standard output; throws with stderr on failure. */
export async function git(repo: Repo | string, ...args: string[]): Promise<string> {
  const cwd = typeof repo === 'string' ? repo : repo.dir;
  const { stdout } = await run('git', [...FLAGS, ...args], { cwd, env: await env() });
  return stdout;
}

export interface CommitOptions {
  message?: string;
  /** Author of this commit (the committer stays the repository's user). */
  author?: Author;
  date?: string;
  /** Files to `git rm` before committing. */
  remove?: string[];
}

/** Writes `files`, stages them (and only them), and commits; returns the new commit's hash. */
export async function commit(repo: Repo, files: FileMap, opts: CommitOptions = {}): Promise<string> {
  await writeFiles(repo.dir, files);
  const e = await env(opts.date, opts.author);
  const names = Object.keys(files);
  if (names.length) await run('git', [...FLAGS, 'add', '--', ...names], { cwd: repo.dir, env: e });
  if (opts.remove?.length) await run('git', [...FLAGS, 'rm', '-q', '--', ...opts.remove], { cwd: repo.dir, env: e });
  await run('git', [...FLAGS, 'commit', '-q', '--allow-empty', '-m', opts.message ?? 'commit'], { cwd: repo.dir, env: e });
  return (await git(repo, 'rev-parse', 'HEAD')).trim();
}

export interface MakeRepoOptions {
  /** Committed in the first commit. Empty: a repository with no commits. */
  files?: FileMap;
  /** user.name / user.email of the repository (author and committer of its commits). */
  author?: Author;
  date?: string;
  /** 'bare' (default): a bare origin on local disk, pushed to with upstream set. */
  origin?: 'bare' | 'none';
}

/** A work tree with one commit of `files`, and (by default) a bare origin it is pushed to. */
export async function makeRepo(opts: MakeRepoOptions = {}): Promise<Repo> {
  const author = opts.author ?? defaultAuthor;
  const base = await tempDir({}, 'harness-git-');
  const repo: Repo = { dir: path.join(base, 'work') };
  await mkdir(repo.dir);
  await git(repo, 'init', '-q');
  await git(repo, 'config', 'user.name', author.name);
  await git(repo, 'config', 'user.email', author.email);
  const files = opts.files ?? {};
  if (Object.keys(files).length > 0) await commit(repo, files, { message: 'Initial commit', date: opts.date });
  if ((opts.origin ?? 'bare') === 'bare') {
    repo.origin = path.join(base, 'origin.git');
    await git(base, 'init', '-q', '--bare', repo.origin);
    await git(repo, 'remote', 'add', 'origin', repo.origin);
    if (Object.keys(files).length > 0) await git(repo, 'push', '-q', '-u', 'origin', 'main');
  }
  return repo;
}

/** Writes files without staging them. */
export async function write(repo: Repo, files: FileMap): Promise<void> {
  await writeFiles(repo.dir, files);
}
