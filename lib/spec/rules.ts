// Semantic rules over a spec that already has the right shape (changesets' two-step habit:
// schema first, then small rules that collect every problem).
import path from 'node:path';
import { registry, kindNames } from '../checks/registry.js';
import { needOf } from '../checks/kind.js';
import { nearest } from '../util/text.js';
import type { Spec } from '../types.js';
import type { Locator, SpecProblem } from './load.js';

/** Extensions of files that are never text, so text-format checks do not apply to them. */
export const BINARY_EXTENSIONS = new Set([
  '.png',
  '.jpg',
  '.jpeg',
  '.gif',
  '.webp',
  '.pdf',
  '.zip',
  '.gz',
  '.tgz',
  '.bz2',
  '.xz',
  '.parquet',
  '.xlsx',
  '.docx',
  '.pptx',
]);
const TEXT_KINDS = new Set(['file.text', 'file.lines', 'file.yaml', 'file.json', 'python.syntax']);
/** Checks about money left running: they run whatever keys the student uses. */
const MONEY_KINDS = new Set(['aws.cost-guard', 'aws.billing-alarm']);

export function semanticProblems(spec: Spec, loc: Locator, raw: Record<string, unknown>[]): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const add = (parts: (string | number)[], message: string, key = false) => problems.push({ ...loc.at(parts, key), message });

  const folder = path.basename(spec.dir);
  if (spec.id !== folder) add(['id'], `id "${spec.id}" does not match its folder "${folder}"; rename one of them`);

  const required = new Set(spec.files.required);
  spec.files.optional.forEach((f, i) => {
    if (required.has(f)) add(['files', 'optional', i], `${f} is listed as both required and optional`);
  });
  const listed = new Set([...spec.files.required, ...spec.files.optional]);

  const ids = new Map<string, number>();
  spec.checks.forEach((c, i) => {
    if (ids.has(c.id)) add(['checks', i, 'id'], `duplicate check id "${c.id}" (first used by check ${ids.get(c.id)! + 1})`);
    else ids.set(c.id, i);
  });

  spec.checks.forEach((c, i) => {
    const kind = registry.get(c.kind);
    if (!kind) {
      const near = nearest(c.kind, kindNames());
      add(
        ['checks', i, 'kind'],
        `unknown check kind "${c.kind}"${near ? ` (did you mean "${near}"?)` : ''}; known kinds: ${kindNames().join(', ')}`,
      );
    } else {
      for (const msg of kind.validate?.(c.params) ?? []) add(['checks', i], `${c.id}: ${msg}`);
    }
    c.dependsOn.forEach((d, j) => {
      if (!ids.has(d)) add(['checks', i, 'dependsOn', j], `${c.id} depends on "${d}", which is not a check in this spec`);
      if (d === c.id) add(['checks', i, 'dependsOn', j], `${c.id} depends on itself`);
    });
    if (c.severity === 'warn' && c.points > 0)
      add(['checks', i, 'points'], `${c.id} has severity warn, so it cannot carry points (a failing warn check costs nothing)`);
    const need = kind ? needOf(kind, c.params) : 'files';
    if ((need === 'machine' || need === 'account') && c.points > 0) {
      // The grader never sees a student's computer or AWS account: such points would be the same
      // work graded differently by `check` and by `grade`.
      const what = need === 'machine' ? "the student's own computer or clone" : "the student's AWS account";
      add(
        ['checks', i, 'points'],
        `${c.id} (${c.kind}) looks at ${what}, which the grader cannot judge, so it cannot carry points; set points: 0 and give the points to evidence the student commits (a file, as A1 does with instance-identity.json)`,
      );
    }
    for (const f of new Set([...filesOf(c.params), ...(kind?.files?.(c.params) ?? [])])) {
      // data/ holds the sample data the course bundles for checks that run code: never handed in.
      if (!listed.has(f) && !f.startsWith('data/'))
        add(['checks', i], `${c.id} reads ${f}, which is not listed under files.required or files.optional`);
      if (TEXT_KINDS.has(c.kind) && BINARY_EXTENSIONS.has(path.extname(f).toLowerCase())) {
        add(['checks', i], `${c.id} puts ${f} through a text check, but ${path.extname(f)} files are binary`);
      }
    }
  });

  for (const cycle of findCycles(spec)) {
    const first = spec.checks.findIndex((c) => c.id === cycle[0]);
    add(['checks', first, 'dependsOn'], `dependency cycle: ${[...cycle, cycle[0]].join(' → ')}`);
  }

  // The money checks must run with root keys: aws.identity fails on them, and a dependency on it
  // would skip the guard exactly when a forgotten instance matters most.
  const byId = new Map(spec.checks.map((c) => [c.id, c]));
  spec.checks.forEach((c, i) => {
    if (!MONEY_KINDS.has(c.kind)) return;
    const seen = new Set<string>();
    const walk = (id: string): string | undefined => {
      if (seen.has(id)) return undefined;
      seen.add(id);
      const d = byId.get(id);
      if (!d) return undefined;
      if (d.kind === 'aws.identity') return d.id;
      for (const x of d.dependsOn) {
        const found = walk(x);
        if (found) return found;
      }
      return undefined;
    };
    const identity = c.dependsOn.map(walk).find(Boolean);
    if (identity)
      add(
        ['checks', i, 'dependsOn'],
        `${c.id} (${c.kind}) must not depend on ${identity} (aws.identity): that check fails for root keys, which would skip ${c.id} when it matters most`,
      );
  });

  const total = spec.checks.filter((c) => !c.extraCredit).reduce((s, c) => s + c.points, 0);
  if (Math.abs(total - spec.points) > 1e-9) {
    add(['points'], `points is ${spec.points}, but the checks (not counting extra credit) add up to ${round(total)}`);
  }
  void raw;
  return problems;
}

function filesOf(params: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (typeof params.file === 'string') out.push(params.file);
  if (Array.isArray(params.files)) out.push(...params.files.filter((f): f is string => typeof f === 'string'));
  return out;
}

/** Each elementary cycle reported once, by depth-first search with colours. */
export function findCycles(spec: Spec): string[][] {
  const deps = new Map<string, string[]>();
  for (const c of spec.checks) if (!deps.has(c.id)) deps.set(c.id, c.dependsOn); // duplicates are reported apart
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (id: string) => {
    state.set(id, 1);
    stack.push(id);
    for (const d of deps.get(id) ?? []) {
      if (!deps.has(d) || d === id) continue;
      if (state.get(d) === 1) cycles.push(stack.slice(stack.indexOf(d)));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(id, 2);
  };
  for (const id of deps.keys()) if (!state.has(id)) visit(id);
  return cycles;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
