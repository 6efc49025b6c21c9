// Temporary files and folders that a killed harness may leave behind, named so that they are
// never stageable and can be swept: `.harness-tmp-<pid>-<random>-<name>` beside the file being
// written (the repository's .gitignore covers the prefix, so `git add -A` never picks one up), and
// `harness-run-<pid>-<random>` work folders in the system temp folder. The next run sweeps those
// whose process is gone (or that are older than a day, in case the pid was reused).
import { randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

export const TMP_PREFIX = '.harness-tmp-';
export const RUN_PREFIX = 'harness-run-';
const DAY = 24 * 60 * 60 * 1000;

/** A temp path beside `file` for writing it, under a name .gitignore covers. */
export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `${TMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}-${path.basename(file)}`);
}

/** Whether a process with this id exists (EPERM: it does, under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the entries of `dir` named `<prefix><pid>-…` whose process is gone, and any such entry
 * older than `maxAgeMs` (a name without a pid, from an older harness, goes by age alone). Never
 * throws: a folder that cannot be read or an entry that cannot be removed is left as it is.
 * Returns the names removed.
 */
export async function sweepStale(dir: string, prefix: string, maxAgeMs = DAY): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1] ?? NaN);
    if (pid === process.pid) continue;
    const abs = path.join(dir, name);
    let stale = Number.isInteger(pid) && pid > 0 && !processAlive(pid);
    if (!stale) {
      const s = await stat(abs).catch(() => undefined);
      stale = s !== undefined && Date.now() - s.mtimeMs > maxAgeMs;
    }
    if (
      stale &&
      (await rm(abs, { recursive: true, force: true }).then(
        () => true,
        () => false,
      ))
    )
      removed.push(name);
  }
  return removed;
}
