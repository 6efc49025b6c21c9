// Help text, made from the command declarations (cli/commands.ts) so it cannot drift from them.
import { COMMANDS, COMMON, type CommandDef, type OptionDef } from './commands.js';

const flag = (name: string, o: OptionDef) => `${o.short ? `-${o.short}, ` : '    '}--${name}${o.arg ? ` ${o.arg}` : ''}`;

function optionLines(options: Record<string, OptionDef>): string[] {
  const rows = Object.entries(options).map(([k, o]) => [flag(k, o), o.help] as const);
  const w = Math.max(...rows.map(([f]) => f.length));
  return rows.map(([f, h]) => `  ${f.padEnd(w)}  ${h}`);
}

export function mainHelp(): string {
  const out = ['harness: check, submit and grade course assignments', '', 'Usage: harness <command> [assignment] [options]'];
  for (const group of ['Students', 'Instructors'] as const) {
    const cmds = Object.values(COMMANDS).filter((c) => c.group === group);
    const w = Math.max(...cmds.map((c) => c.synopsis.length));
    out.push('', group, ...cmds.map((c) => `  ${c.synopsis.padEnd(w)}  ${c.summary}`));
  }
  out.push(
    '',
    'With npm: npm run check -- A1, npm run submit -- A1. Inside assignments/A1/ the id may be left out.',
    '',
    'Every command takes:',
    ...optionLines({ ...COMMON, version: { type: 'boolean', short: 'v', help: 'the harness version' } }),
    '',
    "harness help <command> lists a command's own options.",
    'Exit codes: 0 all good · 1 checks failed · 2 the tool could not run',
    'Docs: docs/README.md',
    '',
  );
  return out.join('\n');
}

export function commandHelp(c: CommandDef): string {
  const out = [`Usage: harness ${c.synopsis} [options]`, '', c.description];
  if (Object.keys(c.options).length) out.push('', 'Options', ...optionLines(c.options));
  out.push('', 'Also: -h/--help, --debug, --color, --no-color');
  if (c.examples?.length) out.push('', 'Examples', ...c.examples.map((e) => `  ${e}`));
  if (c.exitCodes) out.push('', `Exit codes: ${c.exitCodes}`);
  out.push('');
  return out.join('\n');
}
