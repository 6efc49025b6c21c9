// Every regular expression a spec gives, where it is (for file:line:col), and which engine runs
// it; and, for `harness lint`, the ones that backtrack catastrophically (scslre's analysis).
//
// Patterns that `check` matches itself (file.lines, program output formats, answer schemas,
// tool.present) run in linear time whatever they are (util/pattern.ts); a pattern that would take
// exponential time in a backtracking engine is still reported, because the same text is what an
// instructor reuses in Python or grep. Patterns the AWS kinds match with V8's RegExp (urlFrom,
// instanceIdFrom) are reported for polynomial backtracking too: there it is real.
import type { Spec } from '../types.js';
import type { Locator, SpecProblem } from './load.js';

export interface SpecPattern {
  /** Keys and indexes from the spec's root to the pattern's node. */
  path: (string | number)[];
  /** The path points at a key (patternProperties), not at a value. */
  atKey?: boolean;
  source: string;
  flags: string;
  /** As matched: field patterns must match the whole field. */
  matched: string;
  engine: 'linear' | 'backtracking';
}

/** Keywords of JSON Schema whose value is a subschema, a list of them, or a map of them. */
const ONE = [
  'additionalProperties',
  'items',
  'contains',
  'not',
  'if',
  'then',
  'else',
  'propertyNames',
  'unevaluatedItems',
  'unevaluatedProperties',
  'additionalItems',
];
const LIST = ['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items'];
const MAP = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function specPatterns(spec: Spec): SpecPattern[] {
  const out: SpecPattern[] = [];
  spec.checks.forEach((c, i) => {
    const at = (...p: (string | number)[]) => ['checks', i, ...p];
    const engine = c.kind.startsWith('aws.') ? 'backtracking' : 'linear';
    const add = (path: (string | number)[], source: unknown, flags = '', whole = false, atKey = false) => {
      if (typeof source === 'string') out.push({ path, atKey, source, flags, matched: whole ? `^(?:${source})$` : source, engine });
    };
    const rule = (path: (string | number)[], r: unknown, extra = '') => {
      if (typeof r === 'string') add(path, r, extra);
      else if (isObject(r))
        add([...path, 'pattern'], r.pattern, [...new Set(`${typeof r.flags === 'string' ? r.flags : ''}${extra}`)].join(''));
    };
    const p = c.params;
    rule(at('each'), p.each);
    rule(at('whole'), p.whole, 'm');
    if (Array.isArray(p.expect)) p.expect.forEach((r, j) => rule(at('expect', j), r));
    for (const key of ['fields', 'format']) {
      const f = p[key];
      if (isObject(f) && Array.isArray(f.patterns)) f.patterns.forEach((s, j) => add(at(key, 'patterns', j), s, '', true));
    }
    add(at('versionPattern'), p.versionPattern);
    if (isObject(p.urlFrom)) add(at('urlFrom', 'pattern'), p.urlFrom.pattern);
    if (isObject(p.instanceIdFrom)) add(at('instanceIdFrom', 'pattern'), p.instanceIdFrom.pattern, 'm');
    if (isObject(p.schema)) schemaPatterns(p.schema, at('schema'), (path, s, atKey) => add(path, s, 'u', false, atKey));
  });
  return out;
}

function schemaPatterns(
  s: Record<string, unknown>,
  path: (string | number)[],
  add: (path: (string | number)[], source: string, atKey: boolean) => void,
): void {
  if (typeof s.pattern === 'string') add([...path, 'pattern'], s.pattern, false);
  if (isObject(s.patternProperties)) for (const k of Object.keys(s.patternProperties)) add([...path, 'patternProperties', k], k, true);
  for (const k of ONE) if (isObject(s[k])) schemaPatterns(s[k] as Record<string, unknown>, [...path, k], add);
  for (const k of LIST) {
    const v = s[k];
    if (Array.isArray(v)) v.forEach((x, j) => isObject(x) && schemaPatterns(x, [...path, k, j], add));
  }
  for (const k of MAP) {
    const v = s[k];
    if (isObject(v)) for (const [name, x] of Object.entries(v)) if (isObject(x)) schemaPatterns(x, [...path, k, name], add);
  }
}

/**
 * Patterns with catastrophic backtracking, each as a spec problem at the pattern with a fix.
 * Loads the analyser (scslre) only when called: `harness lint`, never `check`.
 */
export async function patternHazards(spec: Spec, loc: Locator): Promise<SpecProblem[]> {
  // A CommonJS module: bundled, its exports are on `default`.
  const mod = (await import('scslre')) as typeof import('scslre') & { default?: typeof import('scslre') };
  const analyse = mod.analyse ?? mod.default!.analyse;
  const problems: SpecProblem[] = [];
  for (const p of specPatterns(spec)) {
    let reports;
    try {
      const re = new RegExp(p.matched, p.flags);
      reports = analyse({ source: re.source, flags: re.flags }, { reportTypes: { Move: false } }).reports;
    } catch (e) {
      if (e instanceof SyntaxError) continue; // not valid JavaScript: the kind's own validation says so
      throw e;
    }
    const exponential = reports.find((r) => r.exponential);
    const worst = exponential ?? (p.engine === 'backtracking' ? reports[0] : undefined);
    if (!worst) continue;
    const quant = worst.type === 'Trade' ? `${worst.startQuant.raw} and ${worst.endQuant.raw}` : worst.quant.raw;
    const attack = worst.character.pick;
    const fixed = worst.fix();
    const fixText = fixed
      ? `use /${new RegExp(fixed.source, fixed.flags).source}/, which matches the same text`
      : 'make the repeated parts unable to match the same text in more than one way (for example (a+)+ → a+, (\\w+\\s?)* → [\\w\\s]*)';
    const where =
      p.engine === 'linear'
        ? 'harness matches it in linear time, but a backtracking engine (Python re, grep -P, JavaScript) given the same pattern hangs'
        : 'this check matches it with a backtracking engine, so a student line can hang `check`';
    problems.push({
      ...loc.at(p.path, p.atKey),
      message: `/${p.source}/ takes ${exponential ? 'exponential' : 'polynomial'} time on a line of repeated ${JSON.stringify(attack)} that does not match (${quant} can match the same text in many ways); ${where}. Fix: ${fixText}`,
    });
  }
  return problems;
}
