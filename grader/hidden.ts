// Hidden checks: a YAML file the instructor keeps outside the repository (`checks:` in the spec's
// own check format). They are validated like a spec (schema, kinds, params, dependencies; every
// problem with the hidden file's line and column), merged into the spec and counted in its points.
// Students see that a hidden check failed and its points, not what it tests. Beside `checks:`,
// `files:` names the instructor's own files (test files, data only they have), relative to the
// hidden file: the hidden checks use them by those names, read-only, in place of a student's file
// of the same name (grader/material.ts).
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { UserError } from '../lib/errors.js';
import { loadSpecDeps, parseSpec, SpecError } from '../lib/spec/load.js';
import { loadYaml } from '../lib/util/yaml.js';
import type { Course } from '../lib/course.js';
import type { Spec } from '../lib/types.js';
import { readMaterial } from './material.js';

export interface HiddenChecks {
  spec: Spec;
  hash: string;
}

export async function mergeHidden(spec: Spec, file: string, course: Course): Promise<HiddenChecks> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new UserError(
      `cannot read the hidden-checks file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      'give the path of a YAML file holding `checks:` with --hidden',
    );
  }
  await loadSpecDeps();
  const material = await readMaterial(bytes.toString('utf8').replace(/^\uFEFF/, ''), path.resolve(file));
  // With its `files:` blanked out (positions kept), the rest is checked as a spec of its own.
  const text = material.text;
  // Validated as a spec of its own: the hidden file's text comes first and unchanged (so positions
  // are its own), and the keys a spec also needs are appended after it.
  const { parse } = await loadYaml(); // not import('yaml'): see lib/util/yaml.ts
  let top: unknown;
  try {
    top = parse(text);
  } catch {
    top = undefined; // parseSpec reports the syntax error with its position
  }
  const rawChecks =
    top && typeof top === 'object' && Array.isArray((top as { checks?: unknown }).checks)
      ? (top as { checks: Record<string, unknown>[] }).checks
      : [];
  const points = rawChecks
    .filter((c) => c && c.extraCredit !== true && c.severity !== 'warn')
    .reduce((s, c) => s + (typeof c.points === 'number' ? c.points : 0), 0);
  const folder = path.basename(path.dirname(path.resolve(file)));
  const files = { required: spec.files.required, optional: [...spec.files.optional, ...material.files.keys()] };
  const extra = `\nid: ${JSON.stringify(folder)}\ntitle: hidden checks\npoints: ${points}\nfiles: ${JSON.stringify(files)}\n`;
  const main = new Set(spec.checks.map((c) => c.id));
  let hidden: Spec;
  try {
    hidden = parseSpec(Buffer.from(text + extra), path.resolve(file), course);
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    // A hidden check may depend on a check of the spec itself.
    const rest = e.problems.filter(
      (p) => !(/depends on "([^"]+)", which is not a check/.test(p.message) && main.has(/depends on "([^"]+)"/.exec(p.message)![1])),
    );
    if (rest.length) throw new SpecError(path.resolve(file), rest);
    hidden = await parseSpecLoose(text, extra, file, course, main);
  }
  const clash = hidden.checks.filter((c) => main.has(c.id));
  if (clash.length) {
    throw new SpecError(
      path.resolve(file),
      clash.map((c) => ({
        ...(c.where ?? { file, line: 1, column: 1 }),
        message: `hidden check id "${c.id}" is already a check in ${path.basename(spec.file)}; choose another id`,
      })),
    );
  }
  // The material is part of what the checks are: a changed test file is a changed hidden check.
  const h = createHash('sha256').update(bytes);
  for (const [name, body] of material.files) h.update(`\0${name}\0${body.length}\0`).update(body);
  const hash = h.digest('hex');
  const withMaterial = material.files.size ? { material: material.files } : {};
  return {
    hash,
    spec: {
      ...spec,
      points: spec.points + points,
      checks: [...spec.checks, ...hidden.checks.map((c) => ({ ...c, hidden: true, ...withMaterial }))],
    },
  };
}

/**
 * The checks of a hidden file whose only problems were dependencies on the spec's own checks:
 * parsed again with those dependencies left out (the rest was found valid), then put back.
 */
async function parseSpecLoose(text: string, extra: string, file: string, course: Course, main: Set<string>): Promise<Spec> {
  const { parseDocument, isMap, isSeq, isScalar } = await loadYaml();
  const doc = parseDocument(text);
  const deps = new Map<string, string[]>();
  const checks = doc.get('checks');
  if (isSeq(checks)) {
    for (const c of checks.items) {
      if (!isMap(c)) continue;
      const id = String(c.get('id'));
      const d = c.get('dependsOn');
      if (!isSeq(d)) continue;
      deps.set(
        id,
        d.items.map((x) => String(isScalar(x) ? x.value : x)),
      );
      d.items = d.items.filter((x) => !main.has(String(isScalar(x) ? x.value : x)));
    }
  }
  const spec = parseSpec(Buffer.from(doc.toString() + extra), path.resolve(file), course);
  return { ...spec, checks: spec.checks.map((c) => ({ ...c, dependsOn: deps.get(c.id) ?? c.dependsOn, where: undefined })) };
}
