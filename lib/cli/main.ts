// The `harness` command table: parse arguments, run one command, map errors to exit codes.
// 0: all good · 1: checks failed · 2: the tool could not do its job (bad input, bad setup).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import path from 'node:path';
import { UserError } from '../errors.js';
import { HELP, COMMAND_HELP } from './help.js';

declare const __HARNESS_VERSION__: string;
export const VERSION = typeof __HARNESS_VERSION__ === 'string' ? __HARNESS_VERSION__ : '0.0.0-dev';

export interface GlobalOptions {
  cwd: string;
  debug: boolean;
  color: boolean | undefined;
  argv: string[];
}

type Command = (positionals: string[], values: Record<string, unknown>, g: GlobalOptions) => Promise<number>;

const COMMON: ParseArgsConfig['options'] = {
  help: { type: 'boolean', short: 'h' },
  debug: { type: 'boolean' },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
};

const RUN_OPTIONS: ParseArgsConfig['options'] = {
  ...COMMON,
  user: { type: 'string' },
  reporter: { type: 'string', short: 'r' },
  output: { type: 'string', short: 'o' },
  only: { type: 'string', multiple: true },
  offline: { type: 'boolean' },
  profile: { type: 'string' },
  region: { type: 'string' },
};

/** The instructor's batch commands (grader/cli.ts). */
const GRADER_OPTIONS: ParseArgsConfig['options'] = {
  ...COMMON,
  roster: { type: 'string' },
  zips: { type: 'string' },
  out: { type: 'string' },
  hidden: { type: 'string' },
  shard: { type: 'string' },
  jobs: { type: 'string' },
  'canvas-id': { type: 'string' },
  offline: { type: 'boolean' },
  quiet: { type: 'boolean' },
};

const COMMANDS: Record<string, { options: ParseArgsConfig['options']; load: () => Promise<Command> }> = {
  check: { options: RUN_OPTIONS, load: async () => (await import('./check.js')).check },
  submit: { options: RUN_OPTIONS, load: async () => (await import('./submit.js')).submit },
  lint: { options: { ...COMMON }, load: async () => (await import('./lint.js')).lint },
  new: { options: { ...COMMON, title: { type: 'string' } }, load: async () => (await import('./new.js')).newAssignment },
  list: { options: { ...COMMON, json: { type: 'boolean' } }, load: async () => (await import('./list.js')).list },
  guard: { options: { ...COMMON, json: { type: 'boolean' }, profile: { type: 'string' }, region: { type: 'string' } }, load: async () => (await import('./guard.js')).guard },
  evidence: { options: { ...COMMON, output: { type: 'string', short: 'o' } }, load: async () => (await import('./evidence.js')).evidence },
  collect: { options: GRADER_OPTIONS, load: async () => (await import('../../grader/cli.js')).collectCommand },
  grade: { options: GRADER_OPTIONS, load: async () => (await import('../../grader/cli.js')).gradeCommand },
  merge: { options: GRADER_OPTIONS, load: async () => (await import('../../grader/cli.js')).mergeCommand },
};

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const [name, ...rest] = argv;
    if (!name || name === 'help' || name === '--help' || name === '-h') {
      const topic = name === 'help' ? rest[0] : undefined;
      process.stdout.write((topic && COMMAND_HELP[topic]) || HELP);
      return 0;
    }
    if (name === '--version' || name === '-v' || name === 'version') {
      process.stdout.write(`${VERSION}\n`);
      return 0;
    }
    const cmd = COMMANDS[name];
    if (!cmd) {
      throw new UserError(`unknown command "${name}"`, `run \`harness --help\`; commands: ${Object.keys(COMMANDS).join(', ')}`);
    }
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: cmd.options, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UserError((e as Error).message.split('\n')[0].replace(/^TypeError \[\w+\]: /, ''), `run \`harness help ${name}\``);
    }
    const values = parsed.values as Record<string, unknown>;
    if (values.help) {
      process.stdout.write(COMMAND_HELP[name] ?? HELP);
      return 0;
    }
    const color = values['no-color'] ? false : values.color ? true : undefined;
    const cwd = userCwd(env);
    const run = await cmd.load();
    return await run(parsed.positionals, values, { cwd, debug, color, argv });
  } catch (e) {
    return reportError(e, debug);
  }
}

/**
 * Where the user typed the command. npm runs scripts from the package root and records the
 * original folder in INIT_CWD; trust it only when it lies inside the folder we were started in, so
 * a stale INIT_CWD inherited from an outer npm process (make under npx, say) is ignored.
 */
export function userCwd(env: NodeJS.ProcessEnv): string {
  const here = process.cwd();
  const init = env.INIT_CWD;
  if (!init) return here;
  const rel = path.relative(here, init);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel)) ? init : here;
}

export function reportError(e: unknown, debug: boolean): number {
  if (e instanceof UserError) {
    const lines = [`error: ${e.message}`, ...e.details.map((d) => `  ${d}`)];
    if (e.fix) lines.push(`  fix: ${e.fix}`);
    if (debug && e.stack) lines.push(e.stack);
    process.stderr.write(lines.join('\n') + '\n');
    return 2;
  }
  // Anything else is a bug in the harness: keep the stack.
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`internal error (a bug in the harness; please report it with this output):\n${err.stack ?? err.message}\n`);
  return 2;
}
