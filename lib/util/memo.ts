// A small on-disk cache of parsed, validated inputs (course.yaml, assignment specs), so repeated
// `check` runs skip YAML parsing and validation. Entries are keyed by a hash of the input bytes,
// everything else the result depends on, and the harness build; a stale entry can never match.
// Only successes are cached. The cache is best-effort: any problem reading or writing it is ignored.
import { createHash, randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { mkdir, readFile, rename, writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';

import { BUILD as HARNESS_BUILD } from '../version.js';
/** Identifies the exact harness code; undefined when running from source (tests), which disables the cache. */
const BUILD = HARNESS_BUILD === 'dev' ? undefined : HARNESS_BUILD;

/** `$HARNESS_CACHE_DIR`, else `$XDG_CACHE_HOME/course-harness`, else `~/.cache/course-harness`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.HARNESS_NO_CACHE) return undefined;
  if (env.HARNESS_CACHE_DIR) return env.HARNESS_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || (homedir() ? path.join(homedir(), '.cache') : '');
  return base ? path.join(base, 'course-harness') : undefined;
}

export async function memoJson<T>(parts: (string | Buffer)[], compute: () => Promise<T>): Promise<T> {
  const dir = BUILD ? cacheDir() : undefined;
  if (!dir) return compute();
  const h = createHash('sha256').update(BUILD!);
  for (const p of parts) h.update('\0').update(p);
  const file = path.join(dir, `${h.digest('hex').slice(0, 32)}.json`);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    /* miss */
  }
  const value = await compute();
  try {
    await mkdir(dir, { recursive: true });
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify(value));
    await rename(tmp, file).catch(() => rm(tmp, { force: true }));
  } catch {
    /* a read-only checkout still works, only slower */
  }
  return value;
}

/**
 * A set of names kept across runs in the cache folder, for one purpose and one build (a file of
 * lines, appended to): e.g. the file contents the secret scan has found clean, which never change.
 * Off when running from source, or with no cache folder.
 */
export class PersistentSet {
  private readonly file?: string;
  private readonly known = new Set<string>();
  private added: string[] = [];

  constructor(name: string, env: NodeJS.ProcessEnv = process.env) {
    const dir = BUILD ? cacheDir(env) : undefined;
    if (!dir) return;
    this.file = path.join(dir, `${name}-${BUILD}.txt`);
    try {
      for (const line of readFileSync(this.file, 'utf8').split('\n')) if (line) this.known.add(line);
    } catch {
      /* none yet */
    }
  }

  has(name: string): boolean {
    return this.known.has(name);
  }

  add(name: string): void {
    if (!this.file || this.known.has(name)) return;
    this.known.add(name);
    this.added.push(name);
  }

  /** Appends what was added (best effort). */
  save(): void {
    if (!this.file || !this.added.length) return;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      appendFileSync(this.file, this.added.join('\n') + '\n');
      this.added = [];
    } catch {
      /* a read-only home still works, only slower */
    }
  }
}
