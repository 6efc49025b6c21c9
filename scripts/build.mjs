// Build: generate the spec schema and compile it, with every inline answer schema, to standalone
// validators (so `check` compiles nothing at run time), then bundle the CLI into dist/harness.mjs.
// The AWS SDK stays external: it is imported only when a live check runs.
import { build } from 'esbuild';
import { readFile, writeFile, mkdir, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { computeBuildId } from './lib/build-id.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
const t0 = Date.now();

// 1. Load the schema builder and the registry from source (bundled to a temp module).
const tmp = path.join(root, 'dist', '.build');
await mkdir(tmp, { recursive: true });
await build({
  stdin: {
    contents: `export { buildSpecSchema } from './lib/spec/schema.ts'; export { schemaHash } from './lib/answer-schema.ts'; export { registry } from './lib/checks/registry.ts'; export { ajvPattern } from './lib/util/pattern.ts'; export { notebookSchemas } from './lib/notebook/notebook.ts';`,
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: path.join(tmp, 'schema.mjs'),
  external: ['@aws-sdk/*', 'ajv', 'yaml'],
  logLevel: 'error',
  // The generated validators are what this step produces; the schema does not need them.
  plugins: [{ name: 'no-generated', setup: (b) => b.onResolve({ filter: /\/generated\// }, (a) => ({ path: a.path, external: true })) }],
});
const { buildSpecSchema, schemaHash, registry, ajvPattern, notebookSchemas } = await import(
  pathToFileURL(path.join(tmp, 'schema.mjs')).href + `?t=${t0}`
);
const specSchema = buildSpecSchema();
const schemaFile = path.join(root, 'schemas', 'assignment.schema.json');
const schemaText = JSON.stringify(specSchema, null, 2) + '\n';
await mkdir(path.dirname(schemaFile), { recursive: true });
if (!existsSync(schemaFile) || (await readFile(schemaFile, 'utf8')) !== schemaText) {
  await writeFile(schemaFile, schemaText);
  console.error('build: schemas/assignment.schema.json changed; commit it');
}

// 2. Inline answer schemas in the repository's specs (file.yaml / file.json checks).
const { parse } = await import('yaml');
const answer = new Map();
const assignments = path.join(root, 'assignments');
for (const d of existsSync(assignments) ? await readdir(assignments, { withFileTypes: true }) : []) {
  const f = path.join(assignments, d.name, 'assignment.yaml');
  if (!d.isDirectory() || !existsSync(f)) continue;
  let doc;
  try {
    doc = parse(await readFile(f, 'utf8'));
  } catch {
    continue; // `harness lint` reports it
  }
  for (const c of Array.isArray(doc?.checks) ? doc.checks : []) {
    if (c && typeof c.schema === 'object' && c.schema && registry.has(c.kind)) answer.set(schemaHash(c.schema), c.schema);
  }
}
// nbformat's schema (lib/notebook/), which every notebook check validates against.
for (const s of notebookSchemas()) answer.set(schemaHash(s), s);

// 3. Standalone validators: one module for the spec, one for answers (loaded only when needed).
const { default: Ajv } = await import('ajv');
const { default: standaloneCode } = await import('ajv/dist/standalone/index.js');
const newAjv = () => new Ajv({ code: { source: true, esm: true }, allErrors: true, strict: false, validateFormats: false });
const gen = path.join(root, 'lib', 'spec', 'generated');
const specAjv = newAjv();
specAjv.addSchema(specSchema, 'spec');
await writeFile(path.join(gen, 'spec-validator.js'), standaloneCode(specAjv, { validateSpec: 'spec' }));
// Answer schemas' `pattern`s match in linear time (lib/util/pattern.ts): the generated code calls
// ajvPattern, imported at the top of the module, instead of new RegExp.
const answerAjv = new Ajv({
  code: { source: true, esm: true, regExp: ajvPattern },
  allErrors: true,
  strict: false,
  validateFormats: false,
});
const exportsMap = {};
for (const [hash, schema] of answer) {
  answerAjv.addSchema(schema, `answer_${hash}`);
  exportsMap[`answer_${hash}`] = `answer_${hash}`;
}
let answerCode = answer.size
  ? `import { ajvPattern as ${ajvPattern.code} } from '../../util/pattern';\n${standaloneCode(answerAjv, exportsMap)}`
  : '';
answerCode += `\nexport const answerSchemas = {${[...answer.keys()].map((h) => `${JSON.stringify(h)}: answer_${h}`).join(', ')}};\n`;
await writeFile(path.join(gen, 'answer-validators.js'), answerCode);

// 4. The CLI bundle, with its build id (scripts/lib/build-id.mjs: everything that shapes a verdict
// or an output).
const buildId = await computeBuildId(root, pkg.version);
// ajv itself is needed only to compile a schema that was not precompiled (a spec edited after the
// build): keep it out of the bundle, so it costs nothing unless used. Its runtime helpers
// (ajv/dist/runtime/*), which the standalone code imports, are bundled.
const lazyAjv = {
  name: 'lazy-ajv',
  setup(b) {
    b.onResolve({ filter: /^ajv$/ }, () => ({ path: 'ajv', external: true }));
  },
};
// Code splitting keeps what a run may not need (the YAML parser, the spec validator,
// submit's zip writer) in chunks that load only when imported: start-up time is mostly the time
// to compile the code loaded, so less code loaded is the main lever.
await rm(path.join(root, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: { harness: path.join(root, 'cli', 'entry.ts') },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  splitting: true,
  outdir: path.join(root, 'dist'),
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  external: ['@aws-sdk/*', '@smithy/*'],
  plugins: [lazyAjv],
  define: { __HARNESS_VERSION__: JSON.stringify(pkg.version), __HARNESS_BUILD__: JSON.stringify(buildId) },
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  // HARNESS_BUILD_READABLE=1: unminified, so a CPU profile (node --cpu-prof) names functions.
  minify: !process.env.HARNESS_BUILD_READABLE,
  keepNames: false,
  legalComments: 'none',
  sourcemap: 'linked',
  logLevel: 'error',
});
await rm(tmp, { recursive: true, force: true });
console.error(`build: dist/harness.mjs (${answer.size} answer schemas precompiled) in ${Date.now() - t0} ms`);
