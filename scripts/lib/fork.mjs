// Makes a student's fork of the course repository in `dir`: course.yaml, an assignment with the
// bundled example answers, a user.cfg, and a real git history pushed to a bare origin beside it.
// Used by `npm run example` and the benchmarks.
import { cp, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function makeExampleFork(
  dir,
  { id = 'A1', netid = 'ex123', name = 'Example Student', email = `${netid}@georgetown.edu`, beforeCommit } = {},
) {
  const fork = path.join(dir, 'fork');
  const origin = path.join(dir, 'origin.git');
  await cp(path.join(REPO, 'course.yaml'), path.join(fork, 'course.yaml'));
  await cp(path.join(REPO, 'assignments', id), path.join(fork, 'assignments', id), { recursive: true });
  await cp(path.join(REPO, 'examples', `${id}-student`), path.join(fork, 'assignments', id), {
    recursive: true,
    filter: (src) => path.basename(src) !== 'README.md', // keep the assignment's own README
  });
  await writeFile(path.join(fork, 'user.cfg'), `# EXAMPLE (synthetic student)\n[USER]\nname: ${name}\nemail: ${email}\n`);
  const env = {
    ...process.env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: email,
    GIT_COMMITTER_NAME: name,
    GIT_COMMITTER_EMAIL: email,
  };
  const git = (cwd, ...args) =>
    execFileSync('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], { cwd, env, stdio: 'pipe' });
  git(dir, 'init', '-q', '--bare', origin);
  if (beforeCommit) await beforeCommit(path.join(fork, 'assignments', id));
  git(fork, 'init', '-q');
  git(fork, 'add', '-A');
  git(fork, 'commit', '-q', '-m', `${id} answers (example)`);
  git(fork, 'remote', 'add', 'origin', origin);
  git(fork, 'push', '-q', '-u', 'origin', 'main');
  return { fork, origin, assignment: path.join(fork, 'assignments', id) };
}
