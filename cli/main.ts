// The `harness` command table: parse arguments, run one command, map errors to exit codes.
// 0: all good · 1: checks failed · 2: the tool could not do its job (bad input, bad setup).
// Each command's options, help and examples are declared once, in cli/commands.ts; the help text
// is made from those declarations, and a command accepts only the options it declares.
import { parseArgs } from 'node:util';
import path from 'node:path';
import { UserError } from '../lib/errors.js';
import { VERSION } from '../lib/version.js';
import { COMMANDS, parseConfig, type CommandDef } from './commands.js';
import { commandHelp, mainHelp } from './help.js';
import { nearest as didYouMean } from '../lib/util/text.js';

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const [name, ...rest] = argv;
    if (!name || name === 'help' || name === '--help' || name === '-h') {
      const topic = name === 'help' ? rest[0] : undefined;
      if (topic && !COMMANDS[topic]) throw unknownCommand(topic);
      process.stdout.write(topic ? commandHelp(COMMANDS[topic]) : mainHelp());
      return 0;
    }
    if (name === '--version' || name === '-v' || name === 'version') {
      process.stdout.write(`${VERSION}\n`);
      return 0;
    }
    const cmd = COMMANDS[name];
    if (!cmd) throw unknownCommand(name);
    const parsed = parseOptions(cmd, rest);
    const values = parsed.values;
    if (values.help) {
      process.stdout.write(commandHelp(cmd));
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

function unknownCommand(name: string): UserError {
  const guess = didYouMean(name, Object.keys(COMMANDS));
  return new UserError(
    `unknown command "${name}"${guess ? `; did you mean "${guess}"?` : ''}`,
    `run \`harness --help\`; commands: ${Object.keys(COMMANDS).join(', ')}`,
  );
}

/**
 * The command's own options, strictly: an option another command takes, or a typo, is an error
 * naming the closest option this command has.
 */
export function parseOptions(cmd: CommandDef, args: string[]): { values: Record<string, unknown>; positionals: string[] } {
  const config = parseConfig(cmd);
  // parseArgs stops at the first unknown option with a message written for programmers; look for
  // unknown ones first so the user gets the command's own words and a suggestion.
  const known = new Set(Object.keys(config));
  const shorts = new Map(
    Object.entries(config)
      .filter(([, o]) => o.short)
      .map(([k, o]) => [o.short!, k]),
  );
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') break;
    if (a.startsWith('--')) {
      const key = a.slice(2).split('=')[0];
      if (!known.has(key)) {
        const guess = didYouMean(key, [...known]);
        const elsewhere = Object.values(COMMANDS)
          .filter((c) => c !== cmd && key in c.options)
          .map((c) => c.name);
        throw new UserError(
          `${cmd.name} has no option --${key}${guess ? `; did you mean --${guess}?` : elsewhere.length ? ` (that is an option of ${elsewhere.join(', ')})` : ''}`,
          `run \`harness help ${cmd.name}\` for its options`,
        );
      }
      if (config[key].type === 'string' && !a.includes('=')) i++;
    } else if (a.startsWith('-') && a.length > 1) {
      const key = shorts.get(a[1]);
      if (!key) throw new UserError(`${cmd.name} has no option ${a.slice(0, 2)}`, `run \`harness help ${cmd.name}\` for its options`);
      if (config[key].type === 'string' && a.length === 2) i++;
    }
  }
  try {
    const parsed = parseArgs({ args, options: config, allowPositionals: true, strict: true });
    return { values: parsed.values as Record<string, unknown>, positionals: parsed.positionals };
  } catch (e) {
    // What remains: an option given without its value, or a value given to a switch.
    const msg = (e as Error).message.split('\n')[0].replace(/^TypeError \[\w+\]: /, '');
    throw new UserError(msg, `run \`harness help ${cmd.name}\` for its options`);
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
