// The build id: a hash of every file that shapes a verdict or an output, the core (lib/, with the
// generated validators), the grader and its exporters (grader/) and the commands (cli/), and the
// version. Caches and the grader's "nothing changed" test key on it, so a rebuilt harness never
// trusts a result or keeps an output another build wrote. (Specs, hidden checks and course.yaml are
// hashed where they are read, into the same keys.)
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export const BUILD_DIRS = ['lib', 'grader', 'cli'];

export async function computeBuildId(root, version) {
  const hash = createHash('sha256').update(version);
  const walk = async (dir) => {
    for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (/\.(ts|js|json)$/.test(e.name)) hash.update(p.slice(root.length)).update(await readFile(p));
    }
  };
  for (const dir of BUILD_DIRS) await walk(path.join(root, dir));
  return hash.digest('hex').slice(0, 16);
}
