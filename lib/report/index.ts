// Reporters turn a RunReport into text, one function each, in a name → function map (knip's
// habit). `--reporter ./my-reporter.mjs` loads a user's own module whose default export is a
// Reporter. Reporters only format: they never print, exit or read the clock unless told to.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../errors.js';
import type { RunReport } from '../types.js';
import { json } from './json.js';
import { junit } from './junit.js';
import { pretty } from './pretty.js';

export interface ReporterOptions {
  color: boolean;
  /** Show stacks of crashed checks (the JSON reporter always includes them). */
  debug: boolean;
  /** Folder that absolute file locations are shown relative to. */
  cwd?: string;
  /** IANA time zone for dates shown to people (pretty); default UTC. */
  timeZone?: string;
  /** Time of the run, for reports that need one (JUnit) and the report lacks `startedAt`. */
  now?: Date;
  /** Host name for JUnit; default the machine's. */
  hostname?: string;
}

export type Reporter = (report: RunReport, opts: ReporterOptions) => string;

export const reporters: Record<string, Reporter> = { pretty, json, junit };

export { shouldColor } from './color.js';
export { pretty, json, junit };

/** A name from `reporters` is used as is; anything that looks like a path is loaded as a module. */
function looksLikePath(name: string): boolean {
  return /[\\/]/.test(name) || /\.[cm]?js$/.test(name) || name.startsWith('.');
}

/**
 * Returns the reporter called `name`, or loads the module at `name` (relative to `cwd`) and
 * returns its default export. Bad names and broken modules are the user's setup: UserError.
 */
export async function loadReporter(name: string, cwd: string = process.cwd()): Promise<Reporter> {
  if (Object.hasOwn(reporters, name)) return reporters[name];
  const known = Object.keys(reporters).join(', ');
  if (!looksLikePath(name)) {
    throw new UserError(
      `There is no reporter called "${name}".`,
      `Use one of ${known}, or a path to your own module such as ./my-reporter.mjs.`,
    );
  }
  const file = path.resolve(cwd, name);
  if (!existsSync(file)) {
    throw new UserError(
      `The reporter module ${name} was not found (looked for ${file}).`,
      'Check the path; it is relative to the folder you ran the command in.',
    );
  }
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (err) {
    throw new UserError(
      `The reporter module ${name} could not be loaded: ${(err as Error).message}`,
      'Fix the error in that file, or run again with --debug to see where it happened.',
    );
  }
  const fn = mod.default;
  if (typeof fn !== 'function') {
    throw new UserError(
      `The reporter module ${name} has no default export function.`,
      'Write `export default function (report, opts) { return "..."; }` in it.',
    );
  }
  // Checked at call time because a module's return type cannot be known in advance.
  return (report, opts) => {
    const out: unknown = (fn as (r: RunReport, o: ReporterOptions) => unknown)(report, opts);
    if (typeof out !== 'string') {
      throw new UserError(
        `The reporter module ${name} returned ${out instanceof Promise ? 'a Promise' : typeof out}, not a string.`,
        'A reporter must return its text synchronously.',
      );
    }
    return out;
  };
}

/** The name lib/cli uses. */
export const getReporter = loadReporter;
