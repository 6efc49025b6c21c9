// What a zip upload is graded on: the student's answer files laid over the course's own files of
// the assignment (its data, starter modules, the tests it ships, its Makefile), taken from the
// course repository the grader runs in. `submit` packs only the answer files, so without this a
// check that reads data/ or imports a course module would fail for a zip where it passes for the
// same work in a fork. A student's upload can never replace a course file that is not an answer:
// course data and tests are always the course's.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { isJunk } from '../lib/pack/junk.js';
import type { Spec } from '../lib/types.js';

export interface CourseFiles {
  /** The course files laid under uploads (relative to the assignment folder), sorted. */
  files: string[];
  /** A hash of their names and bytes: part of every upload's cache key. */
  hash: string;
  /** Copies the course files into an unpacked upload, replacing any copy the student sent. */
  layUnder(dir: string): Promise<string[]>;
}

/**
 * The files of the spec's folder the course ships (tracked by git in the course repository, or,
 * outside git, every regular file but junk and zips), less the answer files the students write.
 */
export function courseFilesOf(spec: Spec): CourseFiles {
  const answers = new Set([...spec.files.required, ...spec.files.optional].map((f) => path.posix.normalize(f)));
  const files = listCourseFiles(spec.dir)
    .filter((f) => !answers.has(f) && !isJunk(f) && !/\.zip$/i.test(f))
    .sort();
  const h = createHash('sha256');
  for (const f of files)
    h.update(f)
      .update('\0')
      .update(readFileSync(path.join(spec.dir, f)))
      .update('\0');
  return {
    files,
    hash: h.digest('hex'),
    async layUnder(dir: string): Promise<string[]> {
      const replaced: string[] = [];
      for (const f of files) {
        const to = path.join(dir, f);
        // Whatever the student put at this path (a file, a folder, a link) gives way.
        try {
          lstatSync(to);
          replaced.push(f);
          rmSync(to, { recursive: true, force: true });
        } catch {
          /* nothing there */
        }
        mkdirSync(path.dirname(to), { recursive: true });
        copyFileSync(path.join(spec.dir, f), to);
      }
      return replaced;
    },
  };
}

function listCourseFiles(dir: string): string[] {
  try {
    const out = execFileSync('git', ['-c', 'core.quotePath=false', 'ls-files', '-z', '--', '.'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
    });
    const tracked = out
      .split('\0')
      .filter(Boolean)
      .filter((f) => {
        try {
          return lstatSync(path.join(dir, f)).isFile();
        } catch {
          return false; // deleted in the work tree
        }
      });
    if (tracked.length) return tracked;
  } catch {
    /* not a git repository, or git missing: walk the folder */
  }
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (isJunk(r)) continue;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  walk('');
  return out;
}
