#!/usr/bin/env node
// Entry point. The CLI is bundled to dist/ by `npm run build` (run by `npm ci` through `prepare`).
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/harness.mjs', import.meta.url);
if (!existsSync(bundle)) {
  console.error('error: the harness is not built yet\n  fix: run `npm ci` (or `npm run build`) in the repository first');
  process.exit(2);
}
await import(bundle.href);
