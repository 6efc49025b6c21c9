// file.yaml: a YAML answer (A1's q3.txt) parses, and its values fit an inline JSON Schema.
// Problems are reported at the key's line, with the schema's own `description` as the hint.
import { createRequire } from 'node:module';
import { loadYaml, yaml } from '../util/yaml.js';
import type { Node as YamlNode } from 'yaml';
import { defineKind } from './kind.js';
import { fileParam, maxBytesParam } from './params.js';
import { readAnswerText } from './file-present.js';
import { Failure } from '../errors.js';
import type { Finding } from '../types.js';
import { answerValidator, isPrecompiled } from '../answer-schema.js';
import type { SchemaError } from '../answer-schema.js';
import { editDistance, plural, quoteLine } from '../util/text.js';
import { parseFlatYaml, type FlatYaml } from '../util/flat-yaml.js';

export interface FileYamlParams {
  file: string;
  schema: Record<string, unknown>;
  comments?: boolean;
  maxBytes?: number;
}

export const schemaParam = {
  type: 'object',
  description:
    'JSON Schema (draft-07) the parsed answer must satisfy. Give each property a `description`: it is the hint a student reads. Use `pattern` rather than `format` (formats are not checked).',
};

export default defineKind<FileYamlParams>({
  kind: 'file.yaml',
  title: (p) => `${p.file} is YAML with the expected keys and values`,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['file', 'schema'],
    properties: {
      file: fileParam(),
      schema: schemaParam,
      comments: { type: 'boolean', description: '`true` (default): `#` comments are allowed. `false`: any comment fails.' },
      maxBytes: maxBytesParam,
    },
  },
  files: (p) => [p.file],
  validate: (p) => validateSchema(p.schema),
  prepare: loadYaml,
  async run(ctx, p) {
    await loadYaml(); // loaded on demand (lib/util/yaml.ts)
    const { file } = p;
    const text = await readAnswerText(ctx, file, p.maxBytes);
    if (text.trim() === '')
      throw new Failure({
        code: 'empty',
        rationale: `${file} is empty.`,
        hint: `Write your answer into ${file} as "key: value" lines.`,
        file,
      });
    // Most answers are flat "key: value" lines: read those without building a document (same values
    // and lines as yaml gives); anything else, errors included, goes through yaml itself.
    const flat = parseFlatYaml(text);
    const { data, locate } =
      flat && !(p.comments === false && flat.commentLine !== undefined) ? fromFlat(flat) : parseWithYaml(text, file, p.comments);
    const errors = await (await answerValidator(p.schema))(data);
    if (errors.length === 0) return;
    const f = schemaFinding(errors, { file, data, schema: p.schema, locate });
    if (typeof data === 'string' && /:\S/.test(data)) f.hint = 'Put a space after each colon: "key: value", one key per line.';
    throw new Failure({ ...f, file });
  },
});

interface Parsed {
  data: unknown;
  /** The line of the node at a JSON pointer. */
  locate(pointer: string): number | undefined;
}

function fromFlat(flat: FlatYaml): Parsed {
  // A JSON round trip gives the validator plain JSON values (NaN and infinities become null), as below.
  const data: unknown = JSON.parse(JSON.stringify(flat.data));
  const first = flat.lines.values().next().value;
  // The whole mapping starts at its first key; a key's own line otherwise (keys hold no '/' or '~').
  return { data, locate: (pointer) => (pointer === '' ? first : flat.lines.get(pointer.slice(1))) };
}

function parseWithYaml(text: string, file: string, comments: boolean | undefined): Parsed {
  const lc = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length === 0 && doc.contents === null) {
    throw new Failure({
      code: 'no-answer',
      rationale: `${file} holds no answer, only comments or blank lines.`,
      hint: `Write your answer into ${file} as "key: value" lines.`,
      file,
    });
  }
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const { line, col } = lc.linePos(e.pos[0]);
    throw new Failure({
      code: 'syntax',
      rationale: `${file} is not valid YAML: ${yamlMessage(e.code, e.message)} (line ${line}, column ${col}).`,
      hint: yamlHint(e.code),
      actual: quoteLine(text.split(/\r?\n/)[line - 1] ?? ''),
      file,
      line,
    });
  }
  if (comments === false) {
    const at = firstComment(text);
    if (at !== undefined) {
      const { line } = lc.linePos(at);
      throw new Failure({
        code: 'comment',
        rationale: `${file} has a comment on line ${line}, but comments are not allowed in this answer.`,
        hint: 'Delete the text from # to the end of that line.',
        file,
        line,
      });
    }
  }
  // A JSON round trip gives the validator plain JSON values: a YAML 1.1 timestamp becomes its ISO text.
  const data: unknown = JSON.parse(JSON.stringify(doc.toJS({ maxAliasCount: 100 }) ?? null));
  return {
    data,
    locate: (pointer) => {
      const node = nodeAt(doc.contents, pointer);
      return node?.range ? lc.linePos(node.range[0]).line : undefined;
    },
  };
}

/** The node at a JSON pointer; for a key that is a map's own key, the key node (so its line is the key's). */
export function nodeAt(root: unknown, pointer: string, lastWins = false): YamlNode | undefined {
  let node = root as YamlNode | undefined;
  const parts =
    pointer === ''
      ? []
      : pointer
          .slice(1)
          .split('/')
          .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  for (const [i, part] of parts.entries()) {
    if (yaml().isMap(node)) {
      const same = node.items.filter((it) => yaml().isPair(it) && String(yaml().isScalar(it.key) ? it.key.value : it.key) === part);
      const pair = lastWins ? same[same.length - 1] : same[0]; // JSON.parse keeps the last duplicate
      if (!pair) return undefined;
      if (i === parts.length - 1) return (pair.key ?? pair.value) as YamlNode | undefined;
      node = pair.value as YamlNode | undefined;
    } else if (yaml().isSeq(node)) {
      node = node.items[Number(part)] as YamlNode | undefined;
    } else return undefined;
  }
  return node;
}

function firstComment(text: string): number | undefined {
  let found: number | undefined;
  const walk = (v: unknown): void => {
    if (found !== undefined || !v || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach(walk);
    const o = v as Record<string, unknown>;
    if (o.type === 'comment' && typeof o.offset === 'number') found = o.offset;
    else Object.values(o).forEach(walk);
  };
  for (const tok of new (yaml().Parser)().parse(text)) walk(tok);
  return found;
}

function yamlMessage(code: string, message: string): string {
  if (code === 'DUPLICATE_KEY') return 'a key appears twice';
  if (code === 'TAB_AS_INDENT') return 'a tab is used for indentation';
  if (code === 'MULTIPLE_DOCS') return 'it holds more than one document (a second "---" line)';
  return message.replace(/; please use .*$/, '').replace(/\.$/, '');
}

function yamlHint(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'Give each key only once; delete or rename the second one.';
    case 'TAB_AS_INDENT':
      return 'Indent with spaces, never tabs.';
    case 'MULTIPLE_DOCS':
      return 'Remove the "---" line and keep one set of keys.';
    case 'MISSING_CHAR':
      return 'Close every quote and bracket you open, on the same line.';
    default:
      return 'Write one "key: value" per line, with a space after the colon; quote values that contain ": " or start with a special character such as @ or `.';
  }
}

export interface SchemaContext {
  file: string;
  data: unknown;
  schema: Record<string, unknown>;
  /** Line of the value (or map key) at a JSON pointer, when known. */
  locate(pointer: string): number | undefined;
}

/** The first schema error as a finding the student can act on; the rest are listed in the hint. */
export function schemaFinding(errors: SchemaError[], c: SchemaContext): Finding {
  // A misspelt key shows up twice, as missing and as unexpected; report it once, as the typo.
  const typos = errors.filter(
    (e) =>
      e.message.startsWith('unexpected key') &&
      errors.some((m) => m.message.startsWith('missing key') && m.path === e.path && close(m.key ?? '', e.key ?? '')),
  );
  const fixed = errors.filter(
    (m) => !(m.message.startsWith('missing key') && typos.some((t) => t.path === m.path && close(m.key ?? '', t.key ?? ''))),
  );
  errors = [...typos, ...fixed.filter((e) => !typos.includes(e))];
  const described = errors.slice(0, 6).map((e) => describeError(e, c));
  const [first, ...rest] = described;
  const also = rest.length ? ` Also: ${rest.map((d) => d.short).join('; ')}.` : '';
  const more = errors.length > described.length ? ` (${plural(errors.length, 'problem')} in all)` : '';
  return { ...first.finding, hint: `${first.finding.hint ?? ''}${also}${more}`.trim() };
}

function describeError(e: SchemaError, c: SchemaContext): { finding: Finding; short: string } {
  const segs =
    e.path === ''
      ? []
      : e.path
          .slice(1)
          .split('/')
          .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const keyed = e.message.startsWith('unexpected key') || e.message.startsWith('missing key');
  const childSegs = keyed && e.key !== undefined ? [...segs, e.key] : segs;
  const name = displayPath(childSegs);
  const sub = subSchema(c.schema, childSegs);
  const value = keyed ? undefined : valueAt(c.data, segs);
  const line = c.locate(toPointer(childSegs)) ?? c.locate(toPointer(segs));
  const where = line ? ` on line ${line}` : '';
  let message = friendly(e.message, sub);
  let rationale: string;
  let code = 'wrong-value';
  let hint = typeof sub?.description === 'string' ? `\`${name}\`: ${sub.description}` : undefined;
  if (e.message.startsWith('missing key')) {
    code = 'missing-key';
    rationale = `${c.file} has no \`${e.key}\` key${segs.length ? ` under \`${displayPath(segs)}\`` : ''}.`;
    hint ??= `Add a line "${e.key}: ..." with your answer.`;
    message = `\`${name}\` is missing`;
  } else if (e.message.startsWith('unexpected key')) {
    code = 'unexpected-key';
    const known = Object.keys((subSchema(c.schema, segs)?.properties as object | undefined) ?? {});
    const near = known.find((k) => close(k, e.key ?? ''));
    rationale = `${c.file} has an unexpected key \`${e.key}\`${where}.`;
    hint = near
      ? `Did you mean \`${near}\`? Key names must be spelled exactly.`
      : `Remove it; the keys expected here are: ${known.join(', ') || '(none)'}.`;
    message = `unexpected key \`${name}\``;
  } else if (segs.length === 0) {
    rationale = `${c.file} ${message}.`;
  } else {
    rationale = `In ${c.file}, \`${name}\`${where} ${message}.`;
    message = `\`${name}\` ${message}`;
    if (typeof value === 'string' && /^(number|integer)$/.test(String(sub?.type)) && /^\s*-?\d/.test(value)) {
      hint = `Write only the number, without units or quotes.${hint ? ` ${hint}` : ''}`;
    }
  }
  const finding: Finding = { code, rationale, hint, line };
  if (value !== undefined) finding.actual = quoteLine(JSON.stringify(value));
  return { finding, short: `${message}${where}` };
}

function friendly(message: string, sub: Record<string, unknown> | undefined): string {
  const article: Record<string, string> = {
    number: 'a number',
    integer: 'a whole number',
    string: 'text',
    boolean: 'true or false',
    object: 'a mapping of "key: value" lines',
    array: 'a list',
    null: 'empty',
  };
  const m = /^must be (\w+)$/.exec(message);
  if (m && article[m[1]]) return `must be ${article[m[1]]}`;
  if (message === 'must be equal to constant' && sub && 'const' in sub) return `must be ${JSON.stringify(sub.const)}`;
  if (message.startsWith('must match pattern')) return 'is not in the expected form';
  return message;
}

function subSchema(schema: Record<string, unknown>, segs: string[]): Record<string, unknown> | undefined {
  let s: Record<string, unknown> | undefined = schema;
  for (const seg of segs) {
    if (!s) return undefined;
    const props = s.properties as Record<string, Record<string, unknown>> | undefined;
    if (props && seg in props) s = props[seg];
    else if (s.items && typeof s.items === 'object' && !Array.isArray(s.items)) s = s.items as Record<string, unknown>;
    else if (s.additionalProperties && typeof s.additionalProperties === 'object') s = s.additionalProperties as Record<string, unknown>;
    else return undefined;
  }
  return s;
}

function valueAt(data: unknown, segs: string[]): unknown {
  let v = data;
  for (const seg of segs) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
  return v;
}

const toPointer = (segs: string[]) => segs.map((s) => `/${s.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
const displayPath = (segs: string[]) => segs.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i ? `.${s}` : s)).join('') || '(top level)';

/** A likely typo: same letters in another case, or one or two edits away. */
function close(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase() || editDistance(a, b) <= 2;
}

/**
 * Problems with an inline schema, for `harness lint`: it must compile, and should not lean on
 * `format` (no formats are installed, so it would silently check nothing). ajv is required
 * synchronously here because lint is not on a student's hot path.
 */
export function validateSchema(schema: unknown): string[] {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return ['schema must be a JSON Schema object'];
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (k === 'format' && typeof x === 'string') out.push(`schema uses "format: ${x}", which is not checked; use "pattern" instead`);
      else walk(x);
    }
  };
  walk(schema);
  // A schema compiled at build time is known to compile; only one added since needs ajv here.
  if (!isPrecompiled(schema)) {
    try {
      const Ajv = createRequire(import.meta.url)('ajv').default as typeof import('ajv').default;
      new Ajv({ strict: false, logger: false }).compile(schema);
    } catch (e) {
      out.push(`schema does not compile: ${(e as Error).message}`);
    }
  }
  return out;
}
