// A tiny ANSI colour helper. Only the pretty reporter uses it; every other reporter is plain text.

export interface Palette {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  magenta(s: string): string;
  cyan(s: string): string;
}

// Each style closes with its own reset code (not the global `0`), so styles nest without
// cancelling each other: dim(red(x)) stays dim after the red ends.
const wrap = (open: number, close: number) => (s: string) => (s === '' ? s : `\u001b[${open}m${s}\u001b[${close}m`);

const on: Palette = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  magenta: wrap(35, 39),
  cyan: wrap(36, 39),
};

const same = (s: string) => s;
const off: Palette = { bold: same, dim: same, red: same, green: same, yellow: same, magenta: same, cyan: same };

export function palette(enabled: boolean): Palette {
  return enabled ? on : off;
}

/** Removes ANSI colour codes, for measuring and for tests. */
export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '');
}

/**
 * Whether to colour output written to `stream`, following the NO_COLOR (no-color.org) and
 * FORCE_COLOR conventions:
 * - NO_COLOR set and non-empty: off;
 * - FORCE_COLOR set: on, unless it is `0` or `false`;
 * - otherwise on only for a terminal that is not `TERM=dumb`.
 */
export function shouldColor(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return stream.isTTY === true && env.TERM !== 'dumb';
}
