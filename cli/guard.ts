// `harness guard`: what is running in the student's AWS account, in every region, and a reminder to
// shut it down. Exit 0 nothing running · 1 something running · 2 could not scan (no credentials, a
// region that could not be scanned while nothing was found elsewhere).
import { AwsAccess } from '../lib/aws/access.js';
import { scanCosts, runningLines, since, type CostScan } from '../lib/aws/guard.js';
import { Skip, Unavailable, UserError } from '../lib/errors.js';
import { maskKeyIds } from '../lib/aws/mask.js';
import type { GlobalOptions } from './options.js';

export const REMINDER = "Don't forget to shut down: a student once lost $250 to a cluster left running in another region.";

export async function guard(positionals: string[], values: Record<string, unknown>, _g: GlobalOptions): Promise<number> {
  if (positionals.length)
    throw new UserError(
      `guard takes no arguments, got: ${positionals.join(' ')}`,
      'run `harness guard [--profile P] [--region R] [--json]`',
    );
  const aws = new AwsAccess({ profile: values.profile as string | undefined, region: values.region as string | undefined });
  const json = Boolean(values.json);
  let scan: CostScan;
  try {
    await aws.credentials();
    scan = await scanCosts(aws);
  } catch (e) {
    if (!(e instanceof Skip || e instanceof Unavailable)) throw e;
    const reason = e instanceof Skip ? e.reason : e.reason;
    const hint = e instanceof Unavailable ? e.hint : undefined;
    if (json) process.stdout.write(JSON.stringify({ ok: false, error: maskKeyIds(reason), hint }, null, 2) + '\n');
    else process.stderr.write(`error: cannot scan your AWS account: ${maskKeyIds(reason)}\n${hint ? `  fix: ${hint}\n` : ''}`);
    return 2;
  } finally {
    aws.destroy();
  }
  const code = scan.running > 0 ? 1 : scan.failed > 0 ? 2 : 0;
  if (json) {
    process.stdout.write(JSON.stringify({ ok: code === 0, ...scan }, null, 2) + '\n');
    return code;
  }
  process.stdout.write(formatScan(scan));
  return code;
}

export function formatScan(scan: CostScan, now = new Date()): string {
  const out: string[] = [];
  const w = Math.max(6, ...scan.regions.map((r) => r.region.length));
  out.push(`${'region'.padEnd(w)}  instances  EMR clusters`);
  for (const r of scan.regions) {
    const cell = (n: number) => (r.error ? '?' : String(n));
    out.push(
      `${r.region.padEnd(w)}  ${cell(r.instances.length).padStart(9)}  ${cell(r.clusters.length).padStart(12)}${r.error ? `  could not scan: ${maskKeyIds(r.error.reason)}` : ''}`,
    );
    for (const i of r.instances)
      out.push(`${''.padEnd(w)}    ${i.id} ${i.type} ${i.state}${i.name ? ` "${i.name}"` : ''}${since(i.launchTime, now)}`);
    for (const c of r.clusters) out.push(`${''.padEnd(w)}    ${c.id} "${c.name}" ${c.state}${since(c.createdAt, now)}`);
  }
  out.push('');
  const lines = runningLines(scan, now);
  if (lines.length) out.push(...lines.map((l) => `running: ${l}`));
  else if (!scan.failed) out.push(`Nothing running in ${scan.regions.length} regions.`);
  if (scan.failed) out.push(`${scan.failed} region${scan.failed === 1 ? '' : 's'} could not be scanned; look there in the console.`);
  if (scan.regionSource === 'builtin')
    out.push('(ec2:DescribeRegions is not allowed for you, so the standard regions were scanned; opt-in regions may be missing.)');
  out.push(REMINDER);
  return out.join('\n') + '\n';
}
