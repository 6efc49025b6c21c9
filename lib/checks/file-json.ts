// file.json: a JSON answer or piece of evidence (the EC2 instance identity document) parses, and
// fits an inline JSON Schema. Reporting is shared with file.yaml.
import { loadYaml, yaml } from '../util/yaml.js';
import { defineKind } from './kind.js';
import { fileParam, maxBytesParam } from './params.js';
import { readAnswerText } from './file-present.js';
import { nodeAt, schemaFinding, schemaParam, validateSchema } from './file-yaml.js';
import { Failure } from '../errors.js';
import { answerValidator } from '../answer-schema.js';
import { quoteLine } from '../util/text.js';

export interface FileJsonParams {
  file: string;
  schema: Record<string, unknown>;
  maxBytes?: number;
}

export default defineKind<FileJsonParams>({
  kind: 'file.json',
  title: (p) => `${p.file} is JSON with the expected contents`,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['file', 'schema'],
    properties: {
      file: fileParam(),
      schema: schemaParam,
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
      throw new Failure({ code: 'empty', rationale: `${file} is empty.`, hint: `Save the JSON document into ${file}.`, file });
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      const err = jsonError(text) ?? { offset: 0, message: (e as Error).message };
      const before = text.slice(0, err.offset);
      const line = before.split('\n').length;
      const col = err.offset - before.lastIndexOf('\n');
      throw new Failure({
        code: 'syntax',
        rationale: `${file} is not valid JSON: ${err.message} (line ${line}, column ${col}).`,
        hint: 'Save the output of the command itself (for example with > file), unedited; JSON needs double quotes and no trailing commas or comments.',
        actual: quoteLine(text.split(/\r?\n/)[line - 1] ?? ''),
        file,
        line,
      });
    }
    const errors = await (await answerValidator(p.schema))(data);
    if (errors.length === 0) return;
    // Locations come from parsing the same text as YAML (JSON is YAML's flow style); should that
    // fail on some corner, findings simply carry no line.
    const lc = new (yaml().LineCounter)();
    const doc = yaml().parseDocument(text, { lineCounter: lc, uniqueKeys: false, prettyErrors: false });
    const locate = (pointer: string) => {
      const node = nodeAt(doc.contents, pointer, true);
      return node?.range ? lc.linePos(node.range[0]).line : undefined;
    };
    throw new Failure({ ...schemaFinding(errors, { file, data, schema: p.schema, locate }), file });
  },
});

/**
 * Where JSON.parse gave up, and why, in words a student follows. V8's own messages name a position
 * only sometimes, so this small strict scanner finds it. Returns undefined if it finds no error.
 */
export function jsonError(text: string): { offset: number; message: string } | undefined {
  let i = 0;
  class Stop {
    constructor(
      readonly offset: number,
      readonly message: string,
    ) {}
  }
  const fail = (message: string, at = i): never => {
    throw new Stop(at, message);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === undefined) fail('the text ends where a value is expected');
    if (c === '{') return container('}', true);
    if (c === '[') return container(']', false);
    if (c === '"') return string();
    if (c === "'") fail('strings must use double quotes "…", not single quotes');
    if (c === '/' || c === '#') fail('comments are not allowed in JSON');
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m)
      fail(
        `unexpected ${JSON.stringify(text.slice(i, i + 10).split(/\s/)[0] || c)}; a value (a number, "text", true, false, null, {…} or […]) is expected`,
      );
    i += m![0].length;
  };
  const string = () => {
    const start = i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        if (!/^(["\\/bfnrt]|u[0-9a-fA-F]{4})/.test(text.slice(i + 1, i + 6)))
          fail('a backslash in a string must start an escape such as \\n, \\" or \\\\');
        i++;
      } else if (text.charCodeAt(i) < 0x20) fail('a string runs past the end of its line; close it with " first');
      i++;
    }
    if (i >= text.length) fail('a string is never closed', start);
    i++;
  };
  const container = (close: string, isObject: boolean) => {
    i++;
    ws();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (isObject) {
        if (text[i] === close) fail(`a comma before "${close}" is not allowed (trailing comma)`);
        if (text[i] !== '"') fail('a key in double quotes is expected');
        string();
        ws();
        if (text[i] !== ':') fail('a ":" is expected after the key');
        i++;
      } else if (text[i] === close) fail(`a comma before "${close}" is not allowed (trailing comma)`);
      value();
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === close) {
        i++;
        return;
      }
      fail(i >= text.length ? `the text ends before the closing "${close}"` : `a "," or "${close}" is expected here`);
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail('there is more text after the end of the JSON value');
  } catch (e) {
    if (e instanceof Stop) return { offset: e.offset, message: e.message };
    throw e;
  }
  return undefined;
}
