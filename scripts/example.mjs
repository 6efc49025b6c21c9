// `npm run example`: a bundled example student (synthetic answers in examples/A1-student/) gets a
// real git fork in a temp folder, then runs `check` and `submit` on A1 there.
import { mkdtemp, realpath } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeExampleFork, REPO } from './lib/fork.mjs';

const work = await realpath(await mkdtemp(path.join(tmpdir(), 'harness-example-')));
const { fork } = await makeExampleFork(work);
const harness = path.join(REPO, 'bin', 'harness.mjs');
const run = (...args) => {
  console.log(`\n$ harness ${args.join(' ')}`);
  return spawnSync(process.execPath, [harness, ...args], {
    cwd: fork,
    stdio: 'inherit',
    env: { ...process.env, INIT_CWD: '', GIT_CONFIG_GLOBAL: '/dev/null' },
  }).status;
};
console.log(`Example student "ex123" (synthetic answers, clearly fake) with a real git fork in\n  ${fork}`);
// --offline: the example's bucket and repository are made up, so the live checks (S3, the website,
// the repository's privacy) would fail against the real network; offline they are skipped.
console.log("Live checks (AWS, the repository's privacy) are skipped with --offline: the example's bucket and repository are made up.");
const checked = run('check', 'A1', '--offline');
const submitted = run('submit', 'A1', '--offline');
console.log(`\nThe example fork stays in ${fork}: edit an answer there and run the harness again.`);
process.exit(checked || submitted ? 1 : 0);
