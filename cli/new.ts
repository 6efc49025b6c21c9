// `harness new A6 --title "..."`: a new assignment folder from templates/assignment/, with its id,
// title and dates filled in (due a week from today, 23:59 in the course's time zone). The result
// passes `harness lint` as it is, so an instructor starts from something that works.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../lib/errors.js';
import { loadCourse } from '../lib/course.js';
import { formatInZone, zonedToUtc } from '../lib/util/time.js';
import { findRoot } from '../lib/repo.js';
import type { GlobalOptions } from './options.js';

const ID = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** YYYY-MM-DD of `date` on the wall calendar of `timeZone`. */
function dayIn(date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}

export async function newAssignment(positionals: string[], values: Record<string, unknown>, g: GlobalOptions): Promise<number> {
  const [id, ...extra] = positionals;
  if (!id) throw new UserError('which assignment id?', 'harness new A6 --title "Streaming at scale"');
  if (extra.length) throw new UserError(`one assignment id at a time, got ${positionals.length}`, 'harness new A6 --title "..."');
  if (!ID.test(id))
    throw new UserError(`"${id}" is not a valid assignment id`, 'use letters, digits, _ and -, starting with a letter, such as A6');
  const title = typeof values.title === 'string' ? values.title.trim() : '';
  if (!title) throw new UserError('the new assignment needs a title', `harness new ${id} --title "Streaming at scale"`);
  if (/[\r\n]/.test(title)) throw new UserError('the title must be one line', `harness new ${id} --title "..."`);

  const root = findRoot(g.cwd);
  const course = await loadCourse(root);
  const dir = path.join(root, 'assignments', id);
  if (existsSync(dir)) throw new UserError(`assignments/${id} already exists`, 'choose another id, or edit that folder');
  const from = path.join(root, 'templates', 'assignment');
  if (!existsSync(from))
    throw new UserError(
      'templates/assignment/ is missing from this repository',
      'restore it from the course repository (git checkout -- templates)',
    );

  const tz = course.timezone;
  const now = new Date();
  const due = `${dayIn(new Date(now.getTime() + 7 * 86_400_000), tz)} 23:59`;
  const vars: Record<string, string> = {
    id,
    title,
    // JSON strings are valid YAML scalars: a title with ": " or "#" stays a title.
    titleYaml: JSON.stringify(title),
    release: `${dayIn(now, tz)} 09:00`,
    due,
    dueText: formatInZone(zonedToUtc(due, tz), tz),
  };
  const fill = (text: string, yaml: boolean) =>
    text.replace(/\{\{(\w+)\}\}/g, (m, k: string) => (yaml && k === 'title' ? vars.titleYaml : (vars[k] ?? m)));

  const written: string[] = [];
  try {
    await copyTree(from, dir, fill, written);
  } catch (e) {
    await rm(dir, { recursive: true, force: true }); // no half-made assignment left behind
    throw e;
  }
  const rel = path.relative(g.cwd, dir) || '.';
  process.stdout.write(`created ${rel}/ (${written.length} files: ${written.join(', ')}), due ${vars.dueText}\n`);
  process.stdout.write(`next: edit ${path.join(rel, 'assignment.yaml')} and README.md, then run \`harness lint\`\n`);
  return 0;
}

async function copyTree(from: string, to: string, fill: (t: string, yaml: boolean) => string, written: string[], rel = ''): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const e of await readdir(from, { withFileTypes: true })) {
    const src = path.join(from, e.name);
    const dst = path.join(to, e.name);
    if (e.isDirectory()) await copyTree(src, dst, fill, written, path.join(rel, e.name));
    else if (e.isFile()) {
      await writeFile(dst, fill(await readFile(src, 'utf8'), /\.ya?ml$/.test(e.name)), { flag: 'wx' });
      written.push(path.join(rel, e.name).split(path.sep).join('/'));
    }
  }
}
