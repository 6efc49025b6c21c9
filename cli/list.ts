import { findRoot, listAssignments } from '../lib/repo.js';
import { loadCourse } from '../lib/course.js';
import { loadSpec, SpecError } from '../lib/spec/load.js';
import { formatInZone } from '../lib/util/time.js';
import type { GlobalOptions } from './options.js';

export async function list(_p: string[], values: Record<string, unknown>, g: GlobalOptions): Promise<number> {
  const root = findRoot(g.cwd);
  const course = await loadCourse(root);
  const rows: { id: string; title: string; points: number | null; due: string | null; problem?: string }[] = [];
  for (const a of await listAssignments(root)) {
    try {
      const s = await loadSpec(a.spec, course);
      rows.push({ id: s.id, title: s.title, points: s.points, due: s.due ? formatInZone(new Date(s.due), s.timezone) : null });
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      rows.push({ id: a.id, title: '(invalid spec: run `harness lint`)', points: null, due: null, problem: e.message });
    }
  }
  if (values.json) {
    process.stdout.write(JSON.stringify({ course: course.name, assignments: rows }, null, 2) + '\n');
    return 0;
  }
  process.stdout.write(`${course.name}\n`);
  const w = Math.max(2, ...rows.map((r) => r.id.length));
  for (const r of rows) {
    process.stdout.write(
      `  ${r.id.padEnd(w)}  ${r.title}${r.points !== null ? ` · ${r.points} pts` : ''}${r.due ? ` · due ${r.due}` : ''}\n`,
    );
  }
  if (!rows.length) process.stdout.write('  (no assignments found)\n');
  return 0;
}
