// Fails (exit 1) when an import crosses a layer the wrong way. Layers, lowest first:
//   0  lib/util/, lib/types.ts, lib/errors.ts, lib/version.ts      (plain helpers and records)
//   1  the rest of lib/ that checks build on: lib/aws/, lib/run/, git, files, course, context,
//      answer schemas and the validators generated from them (lib/spec/generated/)
//   2  lib/checks/                                                   (the check kinds)
//   3  lib/engine.ts, lib/spec/, lib/report/, lib/pack/              (what runs and reports checks)
//   4  grader/ (the instructor's batch layer)   ·   standin/ (the AWS stand-in; apart from grader/)
//   5  cli/ (the command table and the commands)
// A file may import its own layer or a lower one. test/, bench/ and scripts/ may import anything.
// Run by `npm test` and `npm run lint`.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The layer of a repository-relative path (posix), or undefined for files outside the layers. */
export function layerOf(rel) {
  if (/^lib\/(util\/|types\.ts$|errors\.ts$|version\.ts$)/.test(rel)) return { rank: 0, name: 'lib (base)' };
  // The validators the build generates from schemas: data for the answer checks and the spec loader.
  if (/^lib\/spec\/generated\//.test(rel)) return { rank: 1, name: 'lib/spec/generated' };
  if (/^lib\/checks\//.test(rel)) return { rank: 2, name: 'lib/checks' };
  if (/^lib\/(engine\.ts$|spec\/|report\/|pack\/)/.test(rel)) return { rank: 3, name: rel.split('/').slice(0, 2).join('/') };
  if (/^lib\//.test(rel)) return { rank: 1, name: 'lib (core)' };
  if (/^grader\//.test(rel)) return { rank: 4, name: 'grader', apart: 'standin' };
  if (/^standin\//.test(rel)) return { rank: 4, name: 'standin', apart: 'grader' };
  if (/^cli\//.test(rel)) return { rank: 5, name: 'cli' };
  return undefined;
}

const IMPORT =
  /(?:^|[^\w.])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|(?:^|[^\w.])import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[^\w.])import\s+['"]([^'"]+)['"]/g;

/** Every wrong-way import in the repository: `[{ file, line, target, why }]`. */
export function violations(base = root) {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(path.join(base, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) {
        if (e.name !== 'generated' && e.name !== 'node_modules') walk(rel);
      } else if (/\.(ts|mts|mjs|js)$/.test(e.name) && !e.name.endsWith('.d.ts')) check(rel);
    }
  };
  const check = (rel) => {
    const from = layerOf(rel);
    if (!from) return;
    const text = readFileSync(path.join(base, rel), 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec.startsWith('.')) continue;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec)).replace(/\.js$/, '.ts');
      const to = layerOf(target);
      const line = text.slice(0, m.index).split('\n').length;
      if (!to) {
        out.push({ file: rel, line, target, why: `${from.name} imports ${target}, which is outside the layered code` });
      } else if (to.rank > from.rank) {
        out.push({ file: rel, line, target, why: `${from.name} (layer ${from.rank}) imports ${to.name} (layer ${to.rank})` });
      } else if (from.apart && to.name === from.apart) {
        out.push({ file: rel, line, target, why: `${from.name} imports ${to.name}; they are kept apart` });
      }
    }
  };
  for (const top of ['lib', 'grader', 'standin', 'cli']) walk(top);
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bad = violations();
  for (const v of bad) console.error(`${v.file}:${v.line}: ${v.why}`);
  if (bad.length) {
    console.error(`layers: ${bad.length} import${bad.length === 1 ? '' : 's'} cross a layer the wrong way (see scripts/layers.mjs)`);
    process.exit(1);
  }
}
