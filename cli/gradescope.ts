// `harness gradescope A1`: writes autograder.zip for a Gradescope programming assignment: setup.sh
// and run_autograder at the root (templates/gradescope/), and under harness/ the harness that is
// running (its built bundle, package.json and lock for setup.sh's install), the course settings,
// the assignment's own files (its spec, data, starter code) and, with --hidden, the hidden checks.
// run_autograder calls `harness autograde`. Instructor's steps: docs/gradescope.md.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync, type Zippable } from 'fflate';
import { UserError } from '../lib/errors.js';
import { loadCourse } from '../lib/course.js';
import { loadSpec } from '../lib/spec/load.js';
import { findRoot, resolveAssignment } from '../lib/repo.js';
import { writeFileAtomic } from '../lib/util/atomic.js';
import { mergeHidden } from '../grader/hidden.js';
import { courseFilesOf } from '../grader/layout.js';
import type { GlobalOptions } from './options.js';

/** The harness install this command runs from: the folder holding package.json above dist/. */
export function harnessHome(from = fileURLToPath(import.meta.url)): string {
  for (let d = path.dirname(from); path.dirname(d) !== d; d = path.dirname(d)) {
    if (path.basename(d) === 'dist' && existsSync(path.join(d, 'harness.mjs')) && existsSync(path.join(d, '..', 'package.json')))
      return path.dirname(d);
    if (existsSync(path.join(d, 'package.json')) && existsSync(path.join(d, 'dist', 'harness.mjs'))) return d;
  }
  throw new UserError(
    'the harness is not built here (no dist/harness.mjs)',
    'run `npm ci` in the course repository, then this command again',
  );
}

function filesUnder(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(dir, r));
    else if (e.isFile() && !r.endsWith('.map')) out.push(r);
  }
  return out.sort();
}

// A fixed time for every entry, so the same inputs give the same zip.
const MTIME = new Date('2000-01-01T00:00:00Z');
const FILE = { os: 3, attrs: 0o100644 << 16, mtime: MTIME } as const;
const EXEC = { os: 3, attrs: 0o100755 << 16, mtime: MTIME } as const;

export async function gradescope(positionals: string[], values: Record<string, unknown>, g: GlobalOptions): Promise<number> {
  if (positionals.length !== 1) throw new UserError('give one assignment id', 'e.g. `harness gradescope A1 --hidden ~/hidden/A1.yaml`');
  const root = findRoot(g.cwd);
  const course = await loadCourse(root);
  const spec = await loadSpec((await resolveAssignment(root, positionals[0], g.cwd)).spec, course);
  const hiddenFile = values.hidden ? path.resolve(g.cwd, values.hidden as string) : undefined;
  // Validated now, like grade does: a broken hidden file is the instructor's to fix here, not a
  // failure in every student's Gradescope run.
  if (hiddenFile) await mergeHidden(spec, hiddenFile, course);
  const home = harnessHome();
  const rel = path.relative(root, spec.dir).split(path.sep).join('/');
  const hiddenArg = hiddenFile ? `--hidden hidden/${spec.id}.yaml` : '';
  const template = (name: string) =>
    readFileSync(path.join(home, 'templates', 'gradescope', name), 'utf8')
      .replaceAll('{{id}}', spec.id)
      .replaceAll(' {{hidden}}', hiddenArg ? ` ${hiddenArg}` : '');

  const z: Zippable = {
    'setup.sh': [Buffer.from(template('setup.sh')), EXEC],
    run_autograder: [Buffer.from(template('run_autograder')), EXEC],
  };
  const put = (name: string, abs: string) => (z[`harness/${name}`] = [readFileSync(abs), statSync(abs).mode & 0o111 ? EXEC : FILE]);
  for (const f of ['package.json', 'package-lock.json', 'bin/harness.mjs']) put(f, path.join(home, f));
  for (const f of filesUnder(path.join(home, 'dist'))) put(`dist/${f}`, path.join(home, 'dist', f));
  if (existsSync(path.join(root, 'course.yaml'))) put('course.yaml', path.join(root, 'course.yaml'));
  for (const f of courseFilesOf(spec).files) put(`${rel}/${f}`, path.join(spec.dir, f));
  if (hiddenFile) put(`hidden/${spec.id}.yaml`, hiddenFile);
  const out = path.resolve(g.cwd, (values.out as string | undefined) ?? 'autograder.zip');
  const bytes = zipSync(z, { level: 9 });
  await writeFileAtomic(out, Buffer.from(bytes));
  process.stderr.write(
    `gradescope: wrote ${path.relative(g.cwd, out) || out} (${Object.keys(z).length} files, ${Math.round(bytes.length / 1024)} KiB): upload it as the autograder of ${spec.id}'s programming assignment (docs/gradescope.md)\n`,
  );
  return 0;
}
