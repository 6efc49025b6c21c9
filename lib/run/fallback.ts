// Where bubblewrap cannot run (macOS, a machine without user namespaces), a student's own `check`
// still runs their code, with what this machine offers: `unshare -rn` for the network, prlimit (or
// ulimit) for each process's memory and file size. Never used by the grader, which refuses
// instead (unless the instructor passes --unsafe-no-sandbox). See docs/sandbox.md.
import { execFile } from 'node:child_process';
import { which } from './which.js';

export interface Isolation {
  /** Prefix that gives a process its own empty network namespace, or undefined. */
  net?: string[];
  /** How the memory limit is applied. */
  mem?: 'prlimit' | 'ulimit';
  /** `ip` can bring the namespace's loopback up (for `network: 'loopback'`). */
  ip?: string;
}

let isolation: Promise<Isolation> | undefined;
/** What the fallback can use on this machine, probed once (a few ms) and cached. HARNESS_SANDBOX=off disables both. */
export function probeIsolation(): Promise<Isolation> {
  return (isolation ??= (async () => {
    if (process.platform !== 'linux' || process.env.HARNESS_SANDBOX === 'off') return {};
    const ok = (cmd: string, args: string[]) => new Promise<boolean>((res) => execFile(cmd, args, { timeout: 5000 }, (e) => res(!e)));
    const unshare = which('unshare');
    const prlimit = which('prlimit');
    const out: Isolation = {};
    // -r maps the user to root inside a user namespace, so unprivileged users can make the network
    // namespace too; where user namespaces are off, plain -n still works for root.
    if (unshare) {
      if (await ok(unshare, ['-rn', 'true'])) out.net = [unshare, '-rn'];
      else if (await ok(unshare, ['-n', 'true'])) out.net = [unshare, '-n'];
    }
    if (prlimit && (await ok(prlimit, ['--as=1073741824', 'true']))) out.mem = 'prlimit';
    else if (await ok('sh', ['-c', 'ulimit -v 1048576'])) out.mem = 'ulimit';
    out.ip = which('ip');
    return out;
  })());
}

/** `argv` behind the prefixes this machine allows: no network, and each process's memory and file size capped. */
export async function fallbackArgv(
  argv: string[],
  limits: { memoryBytes: number; diskBytes: number },
  network: 'none' | 'loopback' | 'host',
  addressSpace: boolean,
): Promise<string[]> {
  const iso = await probeIsolation();
  const mem = addressSpace ? limits.memoryBytes : 0;
  if (iso.mem === 'prlimit') argv = [which('prlimit')!, ...(mem > 0 ? [`--as=${mem}`] : []), `--fsize=${limits.diskBytes}`, '--', ...argv];
  else if (iso.mem === 'ulimit')
    argv = [
      'sh',
      '-c',
      `${mem > 0 ? `ulimit -v ${Math.floor(mem / 1024)} && ` : ''}ulimit -f ${Math.floor(limits.diskBytes / 512)} && exec "$0" "$@"`,
      ...argv,
    ];
  if (network !== 'host' && iso.net) {
    if (network === 'loopback' && iso.ip) argv = [...iso.net, 'sh', '-c', `${iso.ip} link set lo up 2>/dev/null; exec "$0" "$@"`, ...argv];
    else argv = [...iso.net, ...argv];
  }
  return argv;
}
