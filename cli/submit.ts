import path from 'node:path';
import { prepare, runAndReport, exitCodeFor } from './run.js';
import { buildSubmission } from '../lib/pack/submit.js';
import { formatBytes } from '../lib/fsio.js';
import type { GlobalOptions } from './options.js';
import { VERSION } from '../lib/version.js';

export async function submit(positionals: string[], values: Record<string, unknown>, g: GlobalOptions): Promise<number> {
  const p = await prepare(positionals, values, g);
  const report = await runAndReport(p, values, g);
  const out = await buildSubmission({
    spec: p.spec,
    identity: p.identity,
    results: report.results,
    summary: report.summary,
    version: VERSION,
  });
  const rel = path.relative(g.cwd, out.zipPath) || out.zipPath;
  const lines = ['', `Wrote ${rel}`, `  size    ${formatBytes(out.bytes)}`, `  sha256  ${out.sha256}`, `  ${out.entries.length} entries:`];
  for (const e of out.entries) lines.push(`    ${e}`);
  if (out.missing.length) {
    lines.push('', `REQUIRED FILES MISSING (${out.missing.length}); the zip holds what you have, but these are not in it:`);
    for (const m of out.missing) lines.push(`    ${m}`);
  }
  lines.push(
    '',
    exitCodeFor(report) || out.missing.length
      ? 'Upload the zip to Canvas, but note: some checks failed.'
      : 'All checks passed. Upload the zip to Canvas.',
  );
  process.stdout.write(lines.join('\n') + '\n');
  return out.missing.length ? 1 : exitCodeFor(report);
}
