// file.text: a plain UTF-8 text file a grader can read: not empty, not a renamed document or
// archive, no byte-order mark, Unix line endings, a newline at the end.
import { defineKind } from './kind.js';
import { fileParam } from './params.js';
import { skipIfOptionalAbsent } from './file-present.js';
import { DEFAULT_MAX_BYTES } from '../fsio.js';
import { Failure } from '../errors.js';
import type { Finding } from '../types.js';
import {
  SNIFF_BYTES,
  firstInvalidUtf8,
  hasUtf8Bom,
  lineAt,
  lineEndings,
  notTextHint,
  plural,
  shellQuote,
  sniff,
  utf8Hint,
} from '../util/text.js';

export interface FileTextParams {
  file: string;
  maxBytes?: number;
}

export default defineKind<FileTextParams>({
  kind: 'file.text',
  title: (p) => `${p.file} is a plain text file`,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['file'],
    properties: {
      file: fileParam(),
      maxBytes: {
        type: 'integer',
        minimum: 1,
        description: `Largest size accepted, in bytes; a larger file fails without being read. Default ${DEFAULT_MAX_BYTES} (16 MB).`,
      },
    },
  },
  files: (p) => [p.file],
  async run(ctx, { file, maxBytes = DEFAULT_MAX_BYTES }) {
    await skipIfOptionalAbsent(ctx, file);
    // Sniff the head first, so a large archive is named for what it is, not only "too large".
    const kind = sniff(await ctx.files.head(file, SNIFF_BYTES));
    if (kind.type !== 'text' && kind.type !== 'empty') {
      throw new Failure({
        code: 'not-text',
        rationale: `${file} is really ${kind.what}, not a text file.`,
        hint: notTextHint(kind.type, file),
        file,
      });
    }
    let problems = textProblems(await ctx.files.read(file, maxBytes), file);
    // Windows line endings that git turns into LF when the file is committed are not what is handed
    // in (the grader reads the commit; `submit` packs what git would store): say so, cost nothing.
    let note: string | undefined;
    if (problems.some((p) => p.code === 'crlf') && (await ctx.git?.normalizesEol(file, ctx.signal))) {
      problems = problems.filter((p) => p.code !== 'crlf');
      note = 'your copy has Windows line endings (CRLF); git stores them as LF when you commit, so what you hand in is fine';
    }
    if (problems.length === 0) return note ? { note } : undefined;
    const [first, ...rest] = problems;
    const also = rest.length ? `also: ${rest.map((p) => p.short).join('; ')}` : undefined;
    // A slip of form (line endings, a BOM, the last newline) costs this check only: the checks of
    // the content still judge it, line endings and all normalized.
    const soft = problems.every((p) => FORM.has(p.code));
    throw new Failure({ ...first, actual: [first.actual, also].filter(Boolean).join('; ') || undefined, file, soft });
  },
});

/** Problems of form only: the content is readable as it is. */
const FORM = new Set<TextProblem['code']>(['bom', 'crlf', 'cr', 'final-newline']);

export interface TextProblem extends Finding {
  code: 'empty' | 'blank' | 'not-text' | 'utf8' | 'bom' | 'crlf' | 'cr' | 'final-newline';
  /** A few words for the "also:" list. */
  short: string;
}

/**
 * Every text-format problem of a whole file, most important first. Exported so `submit` and the
 * grader can run the same rules over files that are not in a folder.
 */
export function textProblems(buf: Buffer, rel: string): TextProblem[] {
  const q = shellQuote(rel);
  if (buf.length === 0) {
    return [{ code: 'empty', short: 'empty', rationale: `${rel} is empty.`, hint: `Write your answer into ${rel} and save it.` }];
  }
  const kind = sniff(buf);
  if (kind.type !== 'text') {
    return [
      {
        code: 'not-text',
        short: kind.what,
        rationale: `${rel} is really ${kind.what}, not a text file.`,
        hint: notTextHint(kind.type, rel),
      },
    ];
  }
  const bad = firstInvalidUtf8(buf);
  if (bad >= 0) {
    // Nothing past this point can be trusted to mean what it says.
    const { line } = lineAt(buf, bad);
    const byte = `0x${buf[bad].toString(16).toUpperCase().padStart(2, '0')}`;
    return [
      {
        code: 'utf8',
        short: 'not UTF-8',
        line,
        rationale: `${rel} is not valid UTF-8: line ${line} holds the byte ${byte} (byte offset ${bad}), probably from a Latin-1 or Windows editor.`,
        hint: utf8Hint(rel),
        expected: 'UTF-8 text',
        actual: `byte ${byte} at offset ${bad}`,
      },
    ];
  }
  const out: TextProblem[] = [];
  const bom = hasUtf8Bom(buf);
  if (/^\s*$/.test(buf.toString('utf8', bom ? 3 : 0))) {
    out.push({
      code: 'blank',
      short: 'only blank lines',
      rationale: `${rel} holds only blank lines.`,
      hint: `Write your answer into ${rel} and save it.`,
    });
  }
  if (bom) {
    out.push({
      code: 'bom',
      short: 'starts with a byte-order mark',
      line: 1,
      rationale: `${rel} starts with an invisible UTF-8 byte-order mark (BOM).`,
      hint: `Save it as "UTF-8" rather than "UTF-8 with BOM" in your editor, or remove it: sed -i '1s/^\\xEF\\xBB\\xBF//' ${q}`,
    });
  }
  const e = lineEndings(buf);
  if (e.crlf > 0) {
    out.push({
      code: 'crlf',
      short: `Windows line endings on ${plural(e.crlf, 'line')}`,
      line: e.firstCrlf,
      rationale: `${rel} has Windows line endings (CRLF), first on line ${e.firstCrlf}, on ${e.crlf} of ${plural(e.lines, 'line')}.`,
      hint: `Convert it to Unix line endings: dos2unix ${q}  (or: sed -i 's/\\r$//' ${q}); set your editor to save with LF line endings.`,
      expected: 'Unix line endings (LF)',
      actual: `CRLF on ${plural(e.crlf, 'line')}`,
    });
  }
  if (e.loneCr > 0) {
    out.push({
      code: 'cr',
      short: `old Mac line endings on ${plural(e.loneCr, 'line')}`,
      line: e.firstLoneCr,
      rationale: `${rel} ends lines with a bare carriage return (old Mac style), first on line ${e.firstLoneCr}.`,
      hint: `Convert it to Unix line endings: mac2unix ${q}  (or: sed -i 's/\\r/\\n/g' ${q}).`,
      expected: 'Unix line endings (LF)',
      actual: `bare CR on ${plural(e.loneCr, 'line')}`,
    });
  }
  if (!e.finalNewline && !(e.loneCr > 0 && buf[buf.length - 1] === 0x0d)) {
    out.push({
      code: 'final-newline',
      short: 'no newline at the end',
      line: e.lines,
      rationale: `${rel} does not end with a newline: its last line (line ${e.lines}) is unfinished.`,
      hint: `Open ${rel}, go to the end of the last line, press Enter and save; or run: echo >> ${q}`,
    });
  }
  return out;
}
