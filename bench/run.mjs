// `npm run bench`: every benchmark, each in its own process; ratios against baselines measured in
// the same run. Exit 1 if any misses its target. `node bench/run.mjs grade` runs only those whose
// name contains "grade" (grade.mjs and grade-bigdata.mjs, which needs about 30 GB of free disk and
// says so before it starts).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs')
  .filter((f) => !only.length || only.some((o) => f.includes(o)))
  .sort();
let failed = 0;
for (const b of benches) {
  console.log(`\n=== ${b}`);
  const r = spawnSync(process.execPath, [path.join(here, b)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
console.log(failed ? `\n${failed} benchmark(s) missed their target` : '\nall benchmarks met their targets');
process.exitCode = failed ? 1 : 0;
