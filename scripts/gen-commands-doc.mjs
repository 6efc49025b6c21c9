// Writes the command reference in docs/commands.md from the command declarations (cli/commands.ts),
// so the documentation is the help itself and cannot drift. `--check`: exit 1 if the file is stale.
// The part between the markers is generated; the rest of the page is written by hand.
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = path.join(root, 'dist', '.commands-doc');
await mkdir(tmp, { recursive: true });
const out = path.join(tmp, 'help.mjs');
await build({
  stdin: {
    contents: "export { COMMANDS } from './cli/commands.ts'; export { commandHelp, mainHelp } from './cli/help.ts';",
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: out,
  logLevel: 'error',
  packages: 'external',
});
const { COMMANDS, commandHelp, mainHelp } = await import(pathToFileURL(out).href + `?t=${Date.now()}`);
await rm(tmp, { recursive: true, force: true });

const BEGIN = '<!-- generated from cli/commands.ts by scripts/gen-commands-doc.mjs: do not edit by hand -->';
const END = '<!-- end of generated part -->';
const block = (t) => '```text\n' + t.trimEnd() + '\n```';
const generated = [
  BEGIN,
  '',
  block(mainHelp()),
  '',
  ...Object.values(COMMANDS).flatMap((c) => [`## \`harness ${c.name}\``, '', block(commandHelp(c)), '']),
  END,
].join('\n');

const file = path.join(root, 'docs', 'commands.md');
const text = await readFile(file, 'utf8');
const a = text.indexOf(BEGIN);
const b = text.indexOf(END);
const next = a >= 0 && b > a ? text.slice(0, a) + generated + text.slice(b + END.length) : `${text.trimEnd()}\n\n${generated}\n`;
if (process.argv.includes('--check')) {
  if (next !== text) {
    console.error('docs/commands.md is out of date with cli/commands.ts: run `node scripts/gen-commands-doc.mjs`');
    process.exit(1);
  }
} else if (next !== text) {
  await writeFile(file, next);
  console.error('gen-commands-doc: docs/commands.md written');
}
