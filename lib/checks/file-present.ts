// file.present: the answer file is there, is an ordinary file, and can be read.
import path from 'node:path';
import { defineKind } from './kind.js';
import { fileParam } from './params.js';
import { assertReadable, DEFAULT_MAX_BYTES, type AssignmentFiles } from '../fsio.js';
import { Failure, Skip } from '../errors.js';
import { decodeText, shellQuote } from '../util/text.js';
import type { CheckContext } from './kind.js';

export interface FilePresentParams {
  file: string;
}

export default defineKind<FilePresentParams>({
  kind: 'file.present',
  title: (p) => `${p.file} is handed in`,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['file'],
    properties: {
      file: fileParam(),
    },
  },
  files: (p) => [p.file],
  async run(ctx, { file }) {
    const info = await ctx.files.info(file);
    if (info.type === 'missing') {
      if (info.symlink) {
        throw new Failure({
          code: 'broken-link',
          rationale: `${file} is a symbolic link to a file that does not exist.`,
          hint: `Replace the link with the file itself: rm ${shellQuote(file)}, then copy or write your answer there.`,
          file,
        });
      }
      const near = await nearNames(ctx.files, info.abs);
      if (near.length > 0) {
        // Whether or not the file is optional, a near miss is almost surely a misnamed answer.
        throw new Failure({
          code: 'misnamed',
          rationale: `${file} is missing, but there is ${near.map((n) => `"${n}"`).join(' and ')} in the same folder.`,
          hint: `Rename it: git mv ${shellQuote(path.join(path.dirname(file), near[0]))} ${shellQuote(file)}`,
          expected: file,
          actual: near.join(', '),
          file,
        });
      }
      if (ctx.spec.files.optional.includes(file)) throw new Skip('optional file not handed in');
    }
    assertReadable(info);
    await ctx.files.head(file, 1); // opens it: a permission problem fails here, with a hint
  },
});

/**
 * Optional files are checked only when handed in: every file kind calls this first, so a spec
 * that forgets `dependsOn` still skips (rather than fails) an absent optional file.
 */
export async function skipIfOptionalAbsent(ctx: CheckContext, file: string): Promise<void> {
  if (!ctx.spec.files.optional.includes(file)) return;
  const info = await ctx.files.info(file);
  if (info.type === 'missing' && !info.symlink) throw new Skip('optional file not handed in');
}

/** An answer file's text, for the kinds that parse one: skipped when optional and absent, size-capped, decoded. */
export async function readAnswerText(ctx: CheckContext, file: string, maxBytes = DEFAULT_MAX_BYTES): Promise<string> {
  await skipIfOptionalAbsent(ctx, file);
  return decodeText(await ctx.files.read(file, maxBytes), file);
}

/**
 * Names in the same folder that the student probably meant: another case (fine on macOS, wrong on
 * the Linux grader), another Unicode normalisation, a doubled or missing extension (Windows hides
 * extensions, so "q1.txt" becomes "q1.txt.txt"), stray spaces.
 */
async function nearNames(files: AssignmentFiles, abs: string): Promise<string[]> {
  const names = await files.names(path.dirname(abs));
  const want = path.basename(abs);
  const norm = (s: string) => s.normalize('NFC').toLowerCase().replace(/\s+/g, '');
  const w = norm(want);
  const stem = w.replace(/\.[^.]*$/, '');
  return names
    .filter((n) => n !== want)
    .filter((n) => {
      const m = norm(n);
      return m === w || m.startsWith(`${w}.`) || (m === stem && stem !== w);
    })
    .sort()
    .slice(0, 2);
}
