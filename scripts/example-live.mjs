// `npm run example:live`: the example student's A1 with every live check, against a local AWS
// stand-in instead of AWS (see scripts/lib/live-example.mjs). No network, no AWS account.
import { mkdtemp, realpath } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO } from './lib/fork.mjs';
import { startLiveExample } from './lib/live-example.mjs';

const work = await realpath(await mkdtemp(path.join(tmpdir(), 'harness-example-live-')));
const { fork, env, stop } = await startLiveExample(work);
try {
  console.log('Example student "ex123" (synthetic) with its AWS work in a local stand-in (no AWS account, no network).');
  console.log(`$ harness check A1    (in ${fork})`);
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'harness.mjs'), 'check', 'A1'], { cwd: fork, env, stdio: 'inherit' });
  console.log('\nStart a stand-in of your own with `npm run standin` (docs/standin.md).');
  process.exitCode = r.status ?? 1;
} finally {
  stop();
}
