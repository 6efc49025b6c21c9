// Loads assignment.yaml: YAML syntax, then the schema, then semantic rules. Every problem is
// collected and reported at once, each with file, line and column.
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Document, LineCounter, Node } from 'yaml';
import type { GeneratedValidator } from './generated/spec-validator.js';
import { loadYaml, yaml } from '../util/yaml.js';
import { memoJson } from '../util/memo.js';
import { loadPrecompiled } from '../answer-schema.js';
import { loadLinear } from '../util/pattern.js';
import { COMMON_KEYS } from './keys.js';
import { UserError } from '../errors.js';
import { zonedToUtc, parseDuration, formatInZone } from '../util/time.js';
import type { Course } from '../course.js';
import type { CheckSpec, Spec, SourcePos } from '../types.js';

let validateSpec: GeneratedValidator | undefined;
let semanticProblems: typeof import('./rules.js').semanticProblems | undefined;

/**
 * Loads what parsing needs (the YAML parser, the precompiled spec validator, the check kinds the
 * rules consult); only on a cache miss, so a warm run loads none of them.
 */
export async function loadSpecDeps(): Promise<void> {
  // loadLinear: validation checks each pattern against the linear-time engine's syntax too.
  await Promise.all([loadYaml(), loadPrecompiled(), loadLinear()]);
  validateSpec ??= (await import('./generated/spec-validator.js')).validateSpec;
  semanticProblems ??= (await import('./rules.js')).semanticProblems;
}

export interface SpecProblem extends SourcePos {
  message: string;
}

export class SpecError extends UserError {
  constructor(
    readonly file: string,
    readonly problems: SpecProblem[],
    cwd = process.cwd(),
  ) {
    const rel = path.relative(cwd, file) || file;
    super(
      `${rel}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the assignment spec`,
      'correct each problem listed above, then run `harness lint` (field reference: docs/spec.md)',
      problems.map((p) => `${path.relative(cwd, p.file) || p.file}:${p.line}:${p.column}: ${p.message}`),
    );
  }
}

/** Positions of YAML nodes for a path of keys and indexes. */
export class Locator {
  constructor(
    readonly file: string,
    private doc: Document,
    private lc: LineCounter,
  ) {}

  at(pathParts: (string | number)[], key = false): SourcePos {
    let node: unknown = this.doc.contents;
    let best: Node | undefined = yaml().isNode(node) ? (node as Node) : undefined;
    let keyNode: Node | undefined;
    const { isMap, isSeq, isNode } = yaml();
    for (const part of pathParts) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isNode(p.key) ? (p.key as { value?: unknown }).value : p.key) === part);
        if (!pair) break;
        keyNode = isNode(pair.key) ? pair.key : undefined;
        node = pair.value;
      } else if (isSeq(node) && typeof part === 'number') {
        keyNode = undefined;
        node = node.items[part];
      } else break;
      if (isNode(node)) best = node;
    }
    const target = key && keyNode ? keyNode : best;
    return this.pos(target?.range?.[0] ?? 0);
  }

  pos(offset: number): SourcePos {
    const { line, col } = this.lc.linePos(offset);
    return { file: this.file, line, column: col };
  }
}

/** Positions in a spec file that has already loaded (lint's later checks report through it). */
export async function locatorFor(file: string): Promise<Locator> {
  const { LineCounter, parseDocument } = await loadYaml();
  const lc = new LineCounter();
  const doc = parseDocument((await readFile(file, 'utf8')).replace(/^\uFEFF/, ''), { lineCounter: lc });
  return new Locator(file, doc, lc);
}

export async function loadSpec(file: string, course: Course): Promise<Spec> {
  const abs = path.resolve(file);
  let bytes: Buffer;
  try {
    bytes = await readFile(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `cannot read ${path.relative(process.cwd(), abs) || abs}: ${code ?? String(e)}`,
      'check that the assignment folder holds assignment.yaml',
    );
  }
  // Parsing and validating cost more than the rest of a `check`; a warm cache skips both.
  const cached = await memoJson(['spec', abs, course.timezone, bytes], async () => {
    await loadSpecDeps();
    return parseSpec(bytes, abs, course);
  });
  return { ...cached, dir: path.dirname(abs), file: abs };
}

export function parseSpec(bytes: Buffer, file: string, course: Course): Spec {
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const { LineCounter, parseDocument } = yaml();
  if (!validateSpec || !semanticProblems) throw new Error('internal: loadSpecDeps() must be awaited before parseSpec()');
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const loc = new Locator(file, doc, lc);
  const problems: SpecProblem[] = [];
  for (const err of [...doc.errors, ...doc.warnings]) {
    problems.push({ ...loc.pos(err.pos[0]), message: `YAML: ${err.message.split('\n')[0]}` });
  }
  if (doc.errors.length) throw new SpecError(file, problems);
  const data = doc.toJS() as Record<string, unknown>;
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new SpecError(file, [{ ...loc.pos(0), message: 'the spec must be a YAML mapping (id, title, points, files, checks)' }]);
  }

  if (!validateSpec(data)) {
    for (const e of validateSpec.errors ?? []) {
      const parts = e.instancePath
        .split('/')
        .slice(1)
        .map((p) => (/^\d+$/.test(p) ? Number(p) : p.replace(/~1/g, '/').replace(/~0/g, '~')));
      let message = `${e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : 'spec'} ${e.message ?? e.keyword}`;
      let atKey = false;
      if (e.keyword === 'additionalProperties') {
        parts.push(String(e.params.additionalProperty));
        atKey = true;
        const checkKind = parts[0] === 'checks' ? (data.checks as Record<string, unknown>[])?.[parts[1] as number]?.kind : undefined;
        message = `unknown key "${e.params.additionalProperty}"${checkKind ? ` for a ${checkKind} check` : ''}`;
      } else if (e.keyword === 'required') {
        message = `${e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : 'spec'} is missing "${e.params.missingProperty}"`;
      } else if (e.keyword === 'enum') {
        message += `: ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      } else if (e.keyword === 'if' || e.keyword === 'anyOf') {
        continue; // the branch's own errors say more
      }
      problems.push({ ...loc.at(parts, atKey), message });
    }
  }

  // Semantic rules only make sense on a spec of the right shape.
  const checksRaw = Array.isArray(data.checks) ? (data.checks as Record<string, unknown>[]) : [];
  const timezone = typeof data.timezone === 'string' ? data.timezone : course.timezone;
  const spec: Spec = {
    id: String(data.id ?? ''),
    title: String(data.title ?? ''),
    timezone,
    points: Number(data.points ?? 0),
    files: {
      required: ((data.files as Record<string, unknown>)?.required as string[]) ?? [],
      optional: ((data.files as Record<string, unknown>)?.optional as string[]) ?? [],
    },
    checks: checksRaw.map((c, i) => toCheckSpec(c, loc.at(['checks', i]))),
    dir: path.dirname(file),
    file,
    hash: createHash('sha256').update(bytes).digest('hex'),
  };
  for (const field of ['release', 'due'] as const) {
    const v = data[field];
    if (typeof v !== 'string') continue;
    try {
      spec[field] = zonedToUtc(v, timezone).toISOString();
      if (field === 'due') spec.dueText = formatInZone(new Date(spec.due!), timezone);
    } catch (e) {
      problems.push({ ...loc.at([field]), message: `${field}: ${(e as Error).message}` });
    }
  }
  if (problems.length === 0) problems.push(...semanticProblems(spec, loc, checksRaw));
  if (problems.length) throw new SpecError(file, problems);
  return spec;
}

function toCheckSpec(raw: Record<string, unknown>, where: SourcePos): CheckSpec {
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw ?? {})) if (!(COMMON_KEYS as readonly string[]).includes(k)) params[k] = v;
  let timeout = 30;
  try {
    if (raw?.timeout !== undefined) timeout = parseDuration(raw.timeout as string | number);
  } catch {
    /* reported by the schema */
  }
  return {
    id: String(raw?.id ?? ''),
    kind: String(raw?.kind ?? ''),
    title: typeof raw?.title === 'string' ? raw.title : undefined,
    points: typeof raw?.points === 'number' ? raw.points : 0,
    dependsOn: Array.isArray(raw?.dependsOn) ? (raw.dependsOn as string[]) : [],
    severity: raw?.severity === 'warn' ? 'warn' : 'error',
    timeout,
    extraCredit: raw?.extraCredit === true,
    params,
    where,
  };
}
