import { prepare, runAndReport, exitCodeFor } from './run.js';
import type { GlobalOptions } from './options.js';

export async function check(positionals: string[], values: Record<string, unknown>, g: GlobalOptions): Promise<number> {
  const p = await prepare(positionals, values, g);
  return exitCodeFor(await runAndReport(p, values, g));
}
