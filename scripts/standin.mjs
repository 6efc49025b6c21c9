// `node scripts/standin.mjs [world.yaml] [--port N] [--quiet]`: starts the AWS stand-in
// (standin, bundled on the fly) with a world file or the sample world, prints the variables
// that point the AWS SDK and the harness at it, logs each call, and runs until Ctrl-C.
// See docs/standin.md.
import { build } from 'esbuild';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let port = 0;
let worldFile;
let quiet = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--port') port = Number(args[++i]);
  else if (args[i] === '--quiet') quiet = true;
  else if (args[i] === '--help' || args[i] === '-h') {
    console.log('usage: node scripts/standin.mjs [world.yaml] [--port N] [--quiet]');
    process.exit(0);
  } else worldFile = args[i];
}
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error('standin: --port needs a number between 0 and 65535');
  process.exit(2);
}

// Bundled inside the repository so that packages (s3rver, yaml) resolve from its node_modules.
const out = path.join(root, 'dist', '.standin', 'standin.mjs');
await mkdir(path.dirname(out), { recursive: true });
await build({
  entryPoints: [path.join(root, 'standin', 'index.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: out,
  packages: 'external',
  logLevel: 'error',
});
const { startStandin, loadWorld, sampleWorld } = await import(pathToFileURL(out).href + `?t=${Date.now()}`);

let world;
try {
  world = worldFile ? await loadWorld(worldFile) : sampleWorld();
} catch (e) {
  if (e?.name !== 'UserError') throw e;
  console.error(`standin: ${e.message}`);
  for (const d of e.details ?? []) console.error(`  ${d}`);
  if (e.fix) console.error(e.fix);
  process.exit(2);
}

const log = (c) => {
  const ms = (c.endedAt - c.startedAt).toFixed(0);
  // The access key id is deliberately left out: logs get pasted into forums.
  console.log(`${c.status} ${c.service} ${c.action} ${c.region} ${ms} ms${c.accessKeyId ? '' : ' (unsigned)'}`);
};
const standin = await startStandin(world, { port, onCall: quiet ? undefined : log });
console.log(`AWS stand-in on ${standin.url}, world: ${worldFile ?? 'the sample world (examples/worlds/sample.yaml)'}`);
console.log('Paste these into another shell, then set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to a credential from the world:\n');
for (const [k, v] of Object.entries(standin.env)) console.log(`export ${k}=${v}`);
console.log('\nCtrl-C stops it.');

const stop = async () => {
  await standin.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
