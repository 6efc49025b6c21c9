// The instructor's own files for hidden checks: `files:` beside `checks:` in the hidden-checks
// file, paths relative to it (a test file, the full data set only the instructor has). Read once
// here; each hidden check's run gets them read-only (lib/run/workdir.ts, lib/run/sandbox.ts).
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { loadYaml } from '../lib/util/yaml.js';
import { SpecError, type SpecProblem } from '../lib/spec/load.js';
import { MAX_COPY_BYTES } from '../lib/run/workdir.js';

export interface Material {
  /** The hidden file's text with its `files:` entry blanked out, every other position unchanged. */
  text: string;
  /** Name (as the checks use it) → bytes. */
  files: Map<string, Buffer>;
}

export async function readMaterial(text: string, file: string): Promise<Material> {
  const { parseDocument, LineCounter, isMap, isSeq, isScalar } = await loadYaml();
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const files = new Map<string, Buffer>();
  if (!isMap(doc.contents)) return { text, files };
  const pair = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'files');
  if (!pair) return { text, files };
  const problems: SpecProblem[] = [];
  const at = (offset: number, message: string) => {
    const { line, col } = lc.linePos(offset);
    problems.push({ file, line, column: col, message });
  };
  const keyStart = isScalar(pair.key) ? (pair.key.range?.[0] ?? 0) : 0;
  const items = isSeq(pair.value) ? pair.value.items : undefined;
  if (!items)
    at(keyStart, '`files:` lists your own files for the hidden checks, relative to this file: files: [test_hidden.py, data/full.log]');
  for (const item of items ?? []) {
    const offset = isScalar(item) ? (item.range?.[0] ?? keyStart) : keyStart;
    const rel = isScalar(item) && typeof item.value === 'string' ? item.value : undefined;
    const norm = rel === undefined ? '' : path.posix.normalize(rel.replace(/\\/g, '/'));
    if (!rel || path.posix.isAbsolute(norm) || norm === '..' || norm.startsWith('../') || norm === '.') {
      at(
        offset,
        `${JSON.stringify(rel ?? item)} is not a path inside the hidden file's folder; name files relative to it, such as test_hidden.py or data/full.log`,
      );
      continue;
    }
    const abs = path.join(path.dirname(file), norm);
    const s = await stat(abs).catch(() => undefined);
    if (!s?.isFile()) at(offset, `${norm} ${s ? 'is not a file' : 'does not exist'} (looked for ${abs})`);
    else if (s.size > MAX_COPY_BYTES)
      at(
        offset,
        `${norm} is ${Math.round(s.size / 1024 / 1024)} MB; files for hidden checks are copied into every run, keep them under ${MAX_COPY_BYTES / 1024 / 1024} MB`,
      );
    else if (files.has(norm)) at(offset, `${norm} is listed twice`);
    else files.set(norm, await readFile(abs));
  }
  if (problems.length) throw new SpecError(file, problems);
  // Blank the entry out (keeping line breaks), so the checks are validated with their own positions.
  const end = (pair.value as { range?: number[] } | null)?.range?.[1] ?? keyStart;
  const blanked = text.slice(0, keyStart) + text.slice(keyStart, end).replace(/[^\n]/g, ' ') + text.slice(end);
  return { text: blanked, files };
}
