// The sandbox student code runs in on Linux: bubblewrap (`bwrap`, the sandbox Flatpak uses; see
// docs/sandbox.md and docs/decisions/0007-sandbox.md). Each run gets its own user, PID, network,
// IPC and UTS namespaces and a root file system made of: the system read-only (/usr and the /lib,
// /bin links, a few files of /etc), the interpreter's own prefix when it lives elsewhere (pyenv,
// a virtualenv), the user's `pip install --user` packages read-only, its temporary copy of the
// files at /assignment (the only writable place on disk), a private size-limited /tmp, a fresh
// /proc and a minimal read-only /dev. Nothing else of the machine is there: no home folder, no
// course repository, no grader output, no other student's files, no sockets.
// This module probes bwrap once and turns one run into bwrap's arguments; sandbox.ts spawns it.
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RUN_PREFIX } from '../util/tmpfiles.js';

/** Where the run's folder appears inside the sandbox. */
export const INSIDE = '/assignment';
/** The user inside: not root, the same in every run (outputs do not depend on who grades). */
const UID = 1000;
const GID = 1000;

export interface Bwrap {
  path: string;
  version: string;
  /** This bwrap knows `--size` (0.7+) and `--disable-userns` (0.8+); older ones run without. */
  modern: boolean;
}

export type BwrapProbe = { ok: true; bwrap: Bwrap } | { ok: false; reason: string; fix: string };

let probe: Promise<BwrapProbe> | undefined;

/** Whether bwrap can build the sandbox here: tried once with a real sandbox (about 10 ms), then cached. */
export function probeBwrap(find: (cmd: string) => string | undefined): Promise<BwrapProbe> {
  return (probe ??= (async (): Promise<BwrapProbe> => {
    if (process.platform !== 'linux')
      return {
        ok: false,
        reason: `the sandbox needs Linux, and this is ${process.platform}`,
        fix: 'grade on Linux (a Linux VM or a self-hosted runner will do); see docs/sandbox.md',
      };
    const exe = find('bwrap');
    if (!exe)
      return {
        ok: false,
        reason: 'bubblewrap (bwrap) is not installed',
        fix: 'install it: sudo apt-get install bubblewrap (Fedora: sudo dnf install bubblewrap); see docs/sandbox.md',
      };
    const version = (await run(exe, ['--version'])).out.trim().replace(/^bubblewrap\s*/, '') || '?';
    const tryWith = async (modern: boolean) =>
      run(
        exe,
        [
          ...baseArgs(modern, 'none'),
          ...systemArgs(),
          ...(modern ? ['--size', '1048576'] : []),
          '--tmpfs',
          '/tmp',
          '--remount-ro',
          '/',
          '--',
          '/bin/true',
        ],
        5000,
      );
    let r = await tryWith(true);
    if (r.ok) return { ok: true, bwrap: { path: exe, version, modern: true } };
    if (/unrecognized option|Unknown option/i.test(r.err)) {
      r = await tryWith(false);
      if (r.ok) return { ok: true, bwrap: { path: exe, version, modern: false } };
    }
    return {
      ok: false,
      reason: `bwrap ${version} cannot create its sandbox here: ${r.err.trim().split('\n').pop() || 'it failed'}`,
      fix: fixFor(r.err),
    };
  })());
}

/** The instructor's way out of each way bwrap fails (the causes are in docs/sandbox.md). */
function fixFor(err: string): string {
  if (/setting up uid map|RTM_NEWADDR|apparmor/i.test(err)) {
    return 'Ubuntu 23.10+ lets only programs AppArmor allows create user namespaces: add the bwrap profile from docs/sandbox.md (one file, then reload AppArmor)';
  }
  if (/ENOSPC|max_\S*namespaces|No space left/i.test(err)) {
    return 'user namespaces are turned off on this machine (sysctl user.max_user_namespaces is 0, or this is already a sandbox); grade where they are allowed (docs/sandbox.md)';
  }
  if (existsSync('/.dockerenv') || /container|docker/i.test(readSafe('/proc/1/cgroup'))) {
    return "this is a container whose seccomp profile forbids namespaces (Docker's default does): grade on the host, on a self-hosted runner, or in a container started with --security-opt seccomp=unconfined --security-opt apparmor=unconfined (docs/sandbox.md)";
  }
  return 'unprivileged user namespaces are not allowed here (Debian before 11: sysctl kernel.unprivileged_userns_clone=1); see docs/sandbox.md';
}

function readSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function run(cmd: string, args: string[], timeout = 5000): Promise<{ ok: boolean; out: string; err: string }> {
  return new Promise((res) =>
    execFile(cmd, args, { timeout, env: { PATH: '/usr/bin:/bin' } }, (e, out, err) =>
      res({ ok: !e, out: String(out), err: String(err || (e ? e.message : '')) }),
    ),
  );
}

/** Namespaces and process rules every run gets. */
function baseArgs(modern: boolean, network: 'none' | 'loopback' | 'host'): string[] {
  return [
    '--unshare-user',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    // bwrap brings the new network namespace's loopback up: the run reaches only itself.
    ...(network === 'host' ? [] : ['--unshare-net']),
    // Nested user namespaces are kernel attack surface a student program has no use for.
    ...(modern ? ['--disable-userns'] : []),
    // Its own session (no TIOCSTI into the grader's terminal); killed with bwrap, or with us.
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--uid',
    String(UID),
    '--gid',
    String(GID),
    '--hostname',
    'sandbox',
  ];
}

/** The system, read-only: /usr, the /bin, /lib links (or folders) as the host has them, and /etc essentials. */
function systemArgs(): string[] {
  const out: string[] = ['--ro-bind', '/usr', '/usr'];
  for (const top of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    const s = lstatSync(top, { throwIfNoEntry: false });
    if (s?.isSymbolicLink()) out.push('--symlink', readlinkSync(top), top);
    else if (s?.isDirectory()) out.push('--ro-bind', top, top);
  }
  const etc = sandboxEtc();
  if (etc) out.push('--ro-bind', etc, '/etc');
  else for (const f of ETC()) out.push('--ro-bind', f, f);
  out.push('--proc', '/proc', '--dev', '/dev');
  return out;
}

let etcDir: string | null | undefined;
/**
 * The sandbox's /etc, made once per process: a private folder (in the temp folder, mode 0700,
 * removed at exit, swept by the next run if this one is killed) holding copies of the /etc entries
 * programs read, and the made-up passwd and group. One bind instead of one per file: each bind is
 * a mount and a read-only remount in every sandbox (about 2 ms of bwrap's 15 here, measured).
 * Null when it cannot be made; the files are then bound one by one.
 */
function sandboxEtc(): string | null {
  if (etcDir !== undefined) return etcDir;
  try {
    const dir = mkdtempSync(path.join(os.tmpdir(), `${RUN_PREFIX}${process.pid}-etc-`));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    for (const f of ETC()) cpSync(f, path.join(dir, path.basename(f)), { recursive: true, verbatimSymlinks: true });
    writeFileSync(path.join(dir, 'passwd'), PASSWD);
    writeFileSync(path.join(dir, 'group'), GROUP);
    etcDir = dir;
  } catch {
    etcDir = null;
  }
  return etcDir;
}

// What programs read from /etc: the dynamic linker's cache, time zone, name service switch (for
// "localhost"), MIME types, alternatives (java, python3 links), the JVM's and Python's own
// configuration. Not passwd (a made-up one is given), never shadow, ssh, ssl keys or anything else.
const ETC_NAMES =
  /^(ld\.so\.cache|ld\.so\.conf|ld\.so\.conf\.d|alternatives|localtime|timezone|nsswitch\.conf|host\.conf|hosts|mime\.types|os-release|java-[\w.-]+|python3[\w.]*)$/;
let etc: string[] | undefined;
const ETC = (): string[] =>
  (etc ??= (() => {
    try {
      return readdirSync('/etc')
        .filter((n) => ETC_NAMES.test(n))
        .map((n) => `/etc/${n}`);
    } catch {
      return [];
    }
  })());

const SYSTEM = ['/usr/', '/bin/', '/sbin/', '/lib/', '/lib32/', '/lib64/', '/libx32/'];
const isSystem = (p: string) => SYSTEM.some((s) => p.startsWith(s));

let realHome: string | undefined;
/** The user's real home (from the password database: the grader changes $HOME). */
export function homeOfUser(): string {
  if (realHome === undefined) {
    try {
      realHome = os.userInfo().homedir || os.homedir();
    } catch {
      realHome = os.homedir();
    }
  }
  return realHome;
}

/**
 * A folder the sandbox may show read-only: absolute, existing, not a system folder (already
 * there), and narrow: never `/x`, nor a folder holding the home folder or the temporary folder
 * (a python3 in ~/bin would otherwise bring the whole home).
 */
function showable(dir: string): boolean {
  if (!path.isAbsolute(dir) || dir.split('/').filter(Boolean).length < 2 || isSystem(dir + '/')) return false;
  for (const keep of [homeOfUser(), os.tmpdir()]) {
    const rel = path.relative(dir, keep);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) return false;
  }
  return existsSync(dir);
}

const prefixes = new Map<string, string[]>();
/** The prefix an interpreter was installed in (…/bin/python3 → …), for the path given and its target. */
export function prefixesOf(exe: string): string[] {
  let known = prefixes.get(exe);
  if (!known) prefixes.set(exe, (known = findPrefixes(exe)));
  return known;
}

function findPrefixes(exe: string): string[] {
  const out = new Set<string>();
  const add = (p: string) => {
    const prefix = path.dirname(path.dirname(p));
    if (showable(prefix)) out.add(prefix);
  };
  add(exe);
  try {
    add(realpathSync(exe));
  } catch {
    /* not there: the run reports it */
  }
  return [...out];
}

/** The user base `pip install --user` writes to (PYTHONUSERBASE, else ~/.local), when it has packages. */
export function userBase(): string | undefined {
  const base = process.env.PYTHONUSERBASE || (process.platform === 'linux' ? path.join(homeOfUser(), '.local') : undefined);
  return base && existsSync(path.join(base, 'lib')) ? base : undefined;
}

/** Its per-version package folders (lib/python3.X): shown read-only, nothing else of ~/.local. */
function userSites(base: string): string[] {
  try {
    return readdirSync(path.join(base, 'lib'))
      .filter((n) => /^python\d/.test(n))
      .map((n) => path.join(base, 'lib', n))
      .filter((d) => statSync(d).isDirectory());
  } catch {
    return [];
  }
}

export interface RunPlan {
  /** The run's folder on the host; shown at /assignment. */
  cwd: string;
  /** The program, absolute on the host (inside the run's folder, or anywhere the sandbox shows). */
  exe: string;
  args: string[];
  network: 'none' | 'loopback' | 'host';
  /** Folders to show read-only besides the system: interpreter prefixes, PYTHONPATH, JAVA_HOME, … */
  extra: string[];
  /** Files in the run's folder (relative) that stay read-only: the instructor's hidden-check material. */
  readOnly: string[];
  /** The size of /tmp, a tmpfs (memory, so it is kept small). */
  tmpBytes: number;
  /** Limits applied inside (prlimit), in the order prlimit takes them. */
  rlimits: { as?: number; nproc: number; fsize: number };
}

/** What the host path `p` is called inside the sandbox. */
export function insidePath(plan: { cwd: string }, p: string): string {
  const rel = path.relative(plan.cwd, p);
  return !rel.startsWith('..') && !path.isAbsolute(rel) ? path.posix.join(INSIDE, rel.split(path.sep).join('/')) : p;
}

/** Folders the sandbox shows for these variables: interpreter and library homes, PYTHONPATH. */
export function folderOf(env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const k of ['JAVA_HOME', 'SPARK_HOME', 'HADOOP_HOME']) if (env[k]) out.push(env[k]!);
  for (const p of (env.PYTHONPATH ?? '').split(path.delimiter)) if (p) out.push(p);
  return out.filter(showable);
}

/**
 * bwrap's options (passed through a file descriptor with --args, so /proc/1/cmdline inside
 * shows no path of this machine but the program's own), the command, and `data`: the bytes bwrap
 * reads from the descriptors after `fd` (the made-up /etc/passwd and /etc/group, when the sandbox's
 * /etc could not be made as one folder).
 */
export function bwrapArgs(
  b: Bwrap,
  plan: RunPlan,
  prlimit: string | undefined,
  fd = 3,
): { args: string[]; command: string[]; data: string[] } {
  const { args: a, data } = sandboxArgs(b, plan, fd);
  const r = plan.rlimits;
  const exe = insidePath(plan, plan.exe);
  // The command (bwrap takes it from its own command line, not from --args): set inside the new
  // user namespace, the process count is this run's alone (set outside, it would count every
  // process of the user). The kernel does not enforce it for root; watch.ts counts for root too.
  // Without prlimit, the shell's ulimit: dash calls the process count -p, bash and busybox -u.
  const command = prlimit
    ? [prlimit, ...(r.as ? [`--as=${r.as}`] : []), `--nproc=${r.nproc}`, `--fsize=${r.fsize}`, '--core=0', '--', exe, ...plan.args]
    : [
        '/bin/sh',
        '-c',
        `${r.as ? `ulimit -v ${Math.floor(r.as / 1024)} && ` : ''}{ ulimit -u ${r.nproc} 2>/dev/null || ulimit -p ${r.nproc}; } && ulimit -f ${Math.floor(r.fsize / 512)} && ulimit -c 0 && exec "$0" "$@"`,
        exe,
        ...plan.args,
      ];
  return { args: a, command, data };
}

/** The sandbox itself (namespaces and what it shows), without the command: see bwrapArgs. */
export function sandboxArgs(b: Bwrap, plan: Omit<RunPlan, 'exe' | 'args' | 'rlimits'>, fd = 3): { args: string[]; data: string[] } {
  const a = [...baseArgs(b.modern, plan.network), ...systemArgs()];
  // /dev stays minimal and read-only; its shm (semaphores for multiprocessing) is small.
  a.push(...(b.modern ? ['--size', String(16 * 1024 * 1024)] : []), '--tmpfs', '/dev/shm', '--remount-ro', '/dev');
  a.push(...(b.modern ? ['--size', String(plan.tmpBytes)] : []), '--tmpfs', '/tmp');
  const data = sandboxEtc() ? [] : [PASSWD, GROUP];
  if (data.length) a.push('--ro-bind-data', String(fd + 1), '/etc/passwd', '--ro-bind-data', String(fd + 2), '/etc/group');
  const shown = new Set<string>();
  const base = userBase();
  for (const d of [...plan.extra, ...(base ? userSites(base) : [])]) {
    if (shown.has(d) || [...shown].some((s) => d.startsWith(s + '/'))) continue;
    shown.add(d);
    a.push('--ro-bind-try', d, d);
  }
  a.push('--bind', plan.cwd, INSIDE);
  for (const rel of plan.readOnly) a.push('--ro-bind', path.join(plan.cwd, rel), path.posix.join(INSIDE, rel));
  // The root itself (bwrap's own tmpfs, holding the mount points) is read-only too.
  a.push('--remount-ro', '/', '--chdir', INSIDE);
  return { args: a, data };
}

const PASSWD = `root:x:0:0:root:/nonexistent:/usr/sbin/nologin\nstudent:x:${UID}:${GID}:student:${INSIDE}/.home:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`;
const GROUP = `root:x:0:\nstudent:x:${GID}:\nnogroup:x:65534:\n`;
