// A fast path for the YAML answers students actually write: one "key: value" per line, plain
// values, comments, blank lines. Such a file is parsed here in a few microseconds, with the `yaml`
// package's own schema deciding what each value means (so `3`, `3.0`, `true`, `~`, `0x1f` come out
// exactly as `yaml` makes them); anything else returns undefined and is parsed by `yaml` itself.
// Why: `yaml` spends ~0.15 ms on a 200-byte answer in a fresh process (lexing and composing a
// document model), and a batch parses three per student (docs/decisions/0005-flat-yaml.md).
// test/flat-yaml.test.ts holds this to `yaml`'s results, values and key lines, on generated files.
import type { Document, Schema } from 'yaml';
import { yaml } from './yaml.js';

export interface FlatYaml {
  /** The mapping, as `doc.toJS()` gives it. */
  data: Record<string, unknown>;
  /** Each key's 1-based line. */
  lines: Map<string, number>;
  /** The first comment's line, if any. */
  commentLine?: number;
}

// A key at column 0 (a name, not something YAML reads as another type), a colon, one space or more,
// then a plain value of conservative characters: words separated by single spaces, none starting
// with '#' or ending with ':' (either would change what the line means), no quotes, no indicators.
const PAIR =
  /^([A-Za-z_][A-Za-z0-9_-]*):(?: +([A-Za-z0-9_./+~]|-(?=[^ ]))([A-Za-z0-9_./:+~-]*(?: [A-Za-z0-9_./+~-][A-Za-z0-9_./:+~-]*)*))?( +#.*)? *$/;
const COMMENT = /^ *#/;
const BLANK = /^ *$/;

let schema: { tags: Schema['tags']; options: Document['options'] } | undefined;

/** yaml's resolution of a plain scalar, with the same schema and options as a parsed answer. */
function resolve(text: string, atKey: boolean): { value: unknown } | undefined {
  if (!schema) {
    const doc = yaml().parseDocument('a: 1', { prettyErrors: false, uniqueKeys: true });
    schema = { tags: doc.schema.tags, options: doc.options };
  }
  // As yaml's composer does for an untagged plain scalar (findScalarTagByTest): the first default tag
  // whose test matches, else a string. Compat schemas (1.1) never reach here: no directives allowed.
  const tag = schema.tags.find((t) => (t.default === true || (atKey && t.default === 'key')) && 'test' in t && t.test?.test(text));
  if (!tag) return { value: text };
  let failed = false;
  const res = (tag as { resolve: (s: string, onError: (m: string) => void, o: unknown) => unknown }).resolve(
    text,
    () => (failed = true),
    schema.options,
  );
  if (failed) return undefined;
  return { value: yaml().isScalar(res) ? res.value : res };
}

/** The answer's mapping when `text` is a flat "key: value" file, else undefined (parse it with `yaml`). */
export function parseFlatYaml(text: string): FlatYaml | undefined {
  const rows = text.split('\n');
  const data: Record<string, unknown> = {};
  const lines = new Map<string, number>();
  let commentLine: number | undefined;
  for (let i = 0; i < rows.length; i++) {
    let row = rows[i];
    if (row.endsWith('\r')) row = row.slice(0, -1);
    if (row.includes('\r')) return undefined;
    if (BLANK.test(row)) continue;
    if (COMMENT.test(row)) {
      commentLine ??= i + 1;
      continue;
    }
    const m = PAIR.exec(row);
    if (!m) return undefined;
    const key = m[1];
    // A repeated key is an error yaml reports with its position; a key yaml reads as a boolean or
    // null, or one that would set an object's prototype, is left to yaml too.
    if (lines.has(key) || key === '__proto__') return undefined;
    const k = resolve(key, true);
    if (!k || k.value !== key) return undefined;
    const raw = m[2] === undefined ? undefined : m[2] + m[3];
    if (raw !== undefined && /:( |$)/.test(raw)) return undefined; // "a: b: c" is a nested key: yaml's error
    const v = raw === undefined ? { value: null } : resolve(raw, false);
    if (!v) return undefined;
    if (m[4] !== undefined) commentLine ??= i + 1;
    data[key] = v.value;
    lines.set(key, i + 1);
  }
  return lines.size ? { data, lines, commentLine } : undefined;
}
