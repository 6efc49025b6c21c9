// tool.present: a command-line tool is installed (found on PATH and runs), optionally at least some
// version. A missing tool is the student's setup to fix, so it is a Failure with an install hint,
// never a Skip: A0 exists to find exactly this.
import { spawn } from 'node:child_process';
import { defineKind } from './kind.js';
import { Failure } from '../errors.js';
import { compilePattern, linearTime } from '../util/pattern.js';

export interface ToolPresentParams {
  command: string;
  args?: string[];
  versionPattern?: string;
  minVersion?: string;
  install?: string;
}

/** How to install the tools the course uses; a spec can give its own with `install`. */
const INSTALL: Record<string, string> = {
  git: 'Install git: https://git-scm.com/downloads (macOS: xcode-select --install; Ubuntu: sudo apt install git).',
  python3: 'Install Python 3: https://www.python.org/downloads/ (Ubuntu: sudo apt install python3).',
  aws: 'Install the AWS CLI version 2: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html, then open a new terminal.',
  ssh: 'Install an OpenSSH client (Windows: Settings > Apps > Optional features > OpenSSH Client; Ubuntu: sudo apt install openssh-client).',
};

const DEFAULT_PATTERN = '([0-9]+(?:\\.[0-9]+)+)';
const MAX_OUTPUT = 64 * 1024;

/** -1, 0, 1 comparing dotted versions numerically ("3.10" > "3.9"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return Math.sign(d);
  }
  return 0;
}

interface Ran {
  code: number | null;
  out: string;
  missing: boolean;
}

function run(command: string, args: string[], signal: AbortSignal): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], signal, env: { ...process.env, LC_ALL: 'C' } });
    let out = '';
    const take = (d: Buffer) => {
      if (out.length < MAX_OUTPUT) out += d.toString('utf8');
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take); // older tools (aws v1, python 2) print their version on stderr
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'EACCES') resolve({ code: null, out: '', missing: true });
      else reject(e);
    });
    // 127 is a shell's (or a pyenv shim's) "command not found".
    child.on('close', (code) => resolve({ code, out, missing: code === 127 }));
  });
}

export default defineKind<ToolPresentParams>({
  kind: 'tool.present',
  needs: 'machine',
  spawns: true,
  title: (p) => `${p.command} is installed${p.minVersion ? ` (version ${p.minVersion} or later)` : ''}`,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['command'],
    properties: {
      command: {
        type: 'string',
        minLength: 1,
        pattern: '^[A-Za-z0-9_.+-]+$',
        description: "The program, looked up on PATH (`python3` uses the harness's python, HARNESS_PYTHON).",
      },
      args: { type: 'array', items: { type: 'string' }, description: 'Arguments that make it print its version; default `["--version"]`.' },
      versionPattern: {
        type: 'string',
        minLength: 1,
        description: 'Regular expression whose first group is the version in the output; default: the first dotted number.',
      },
      minVersion: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)*$', description: 'Lowest acceptable version, such as `3.8`.' },
      install: {
        type: 'string',
        minLength: 1,
        description: "How to install it, for the hint; the course's usual tools (git, python3, aws, ssh) have one built in.",
      },
    },
  },
  validate(p) {
    if (!p.versionPattern) return [];
    try {
      return compilePattern(p.versionPattern).groupCount >= 1 ? [] : ['versionPattern needs a capturing group around the version'];
    } catch (e) {
      return [`versionPattern: ${(e as Error).message}`];
    }
  },
  async run(ctx, p) {
    const args = p.args ?? ['--version'];
    const exe = p.command === 'python3' ? ctx.python : p.command;
    const shown = [p.command, ...args].join(' ');
    const install = p.install ?? INSTALL[p.command] ?? `Install ${p.command} and make sure it is on your PATH.`;
    const r = await run(exe, args, ctx.signal);
    if (r.missing) {
      throw new Failure({
        code: 'not-installed',
        rationale: `${p.command} is not installed, or not on your PATH.`,
        hint: `${install} Then check with: ${shown}`,
      });
    }
    const first = r.out.trim().split('\n')[0] ?? '';
    if (r.code !== 0) {
      throw new Failure({
        code: 'failed',
        rationale: `${p.command} is installed but \`${shown}\` failed (exit ${r.code ?? 'by signal'}).`,
        hint: `Run \`${shown}\` yourself and fix what it reports; reinstalling often helps. ${install}`,
        actual: first || undefined,
      });
    }
    const re = compilePattern(p.versionPattern ?? DEFAULT_PATTERN);
    const m = await linearTime(() => re.exec(r.out)); // guarded, whatever the tool prints
    const version = m?.[1];
    if (p.minVersion) {
      if (!version) {
        throw new Failure({
          code: 'no-version',
          rationale: `Could not find a version number in the output of \`${shown}\`.`,
          hint: `Run it yourself; if it is not ${p.command}, fix your PATH. ${install}`,
          actual: first || '(no output)',
        });
      }
      if (compareVersions(version, p.minVersion) < 0) {
        throw new Failure({
          code: 'too-old',
          rationale: `${p.command} ${version} is too old; the course needs ${p.minVersion} or later.`,
          hint: `Upgrade it. ${install}`,
          expected: `${p.minVersion} or later`,
          actual: version,
        });
      }
    }
    return { note: version ? `${p.command} ${version}` : first.slice(0, 80) };
  },
});
