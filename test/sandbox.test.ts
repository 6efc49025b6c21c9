// The sandbox itself (lib/run/sandbox.ts, bwrap.ts, watch.ts): what a run can see and do, the
// limits on the whole run and the words they are reported in, the instructor's read-only
// material, and what happens where there is no sandbox (a student's own check goes on and says
// so once; grade refuses, or records the instructor's opt-out). Real bwrap, real python3.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeCtx, tempDir } from './helpers/fixture.js';
import { REPO } from './helpers/student.js';
import { CannotJudge, Failure, UserError } from '../lib/errors.js';
import { probeSandbox, protectFiles, runSandboxed, startSandboxed, type SandboxOptions } from '../lib/run/sandbox.js';
import { homeOfUser } from '../lib/run/bwrap.js';
import { startSandboxedGroup } from '../lib/run/group.js';
import { judgeRun } from '../lib/run/judge.js';
import { resolvePython } from '../lib/util/python.js';
import { loadCourse } from '../lib/course.js';
import { loadSpec } from '../lib/spec/load.js';
import { mergeHidden } from '../grader/hidden.js';

const PY = resolvePython(process.env, REPO);
const py = (code: string, opts: Partial<SandboxOptions> & { cwd: string }) => runSandboxed(PY, ['-c', code], { python: PY, ...opts });

describe('bubblewrap', () => {
  it('is here (CI installs it: .ci/run), and builds its sandbox', async () => {
    const m = await probeSandbox();
    expect(m, m.mode === 'fallback' ? `${m.reason}; fix: ${m.fix}` : '').toMatchObject({ mode: 'bwrap' });
  });
});

describe('what a run sees', () => {
  let server: Server;
  let port = 0;
  const sock = path.join(tmpdir(), `harness-sandbox-test-${process.pid}.sock`);
  const heard: string[] = [];
  beforeAll(async () => {
    server = createServer((c) => {
      heard.push('tcp');
      c.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('its copy at /assignment, the system read-only, a private /tmp and /proc, and nothing else of the machine', async () => {
    const dir = await tempDir({ 'mine.txt': 'mine\n' });
    const outside = await tempDir({ 'other.txt': 'not yours\n' });
    const probe = `
import json, os, socket
def can_write(p):
    try:
        open(p, "w").write("x"); return True
    except OSError:
        return False
def connects(fam, addr):
    try:
        s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(2); s.connect(addr); return True
    except OSError:
        return False
print(json.dumps({
  "cwd": os.getcwd(), "root": sorted(os.listdir("/")), "mine": open("mine.txt").read(),
  "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
  "seen": {p: os.path.exists(p) for p in ${JSON.stringify([`${homeOfUser()}/.aws`, `${homeOfUser()}/.ssh`, REPO, outside, '/etc/shadow', '/run', '/var', sock])}},
  "home": sorted(os.listdir(${JSON.stringify(homeOfUser())})) if os.path.isdir(${JSON.stringify(homeOfUser())}) else [],
  "writes": {p: can_write(p) for p in ["/assignment/new.txt", "/tmp/new.txt", "/usr/new.txt", "/new.txt", "/etc/new.txt", "/dev/new.txt", "/dev/shm/new.txt"]},
  "uid": os.getuid(), "user": open("/etc/passwd").read().count("\\n"), "host": socket.gethostname(),
  "caps": [l.split()[1] for l in open("/proc/self/status") if l.startswith("CapEff")][0],
  "net": {"tcp": connects(socket.AF_INET, ("127.0.0.1", ${port})), "unix": connects(socket.AF_UNIX, ${JSON.stringify(sock)}), "internet": connects(socket.AF_INET, ("1.1.1.1", 53))},
}))
`;
    const unix = createServer(() => heard.push('unix'));
    await new Promise<void>((r) => unix.listen(sock, r));
    try {
      const r = await py(probe, { cwd: dir });
      expect(r.stderr).toBe('');
      expect(r.isolation).toBe('bwrap');
      const s = JSON.parse(r.stdout.toString());
      expect(s.cwd).toBe('/assignment');
      expect(s.mine).toBe('mine\n');
      expect(
        s.root.filter(
          (d: string) => !['assignment', 'bin', 'dev', 'etc', 'lib', 'lib32', 'lib64', 'libx32', 'proc', 'sbin', 'tmp', 'usr'].includes(d),
        ),
      ).toEqual(
        // What the interpreter needs, when it lives outside /usr (pyenv under a home folder).
        PY.startsWith('/usr/') ? [] : [PY.split('/')[1]],
      );
      expect(s.pids.length).toBeLessThanOrEqual(3); // bwrap's init and python: no process of the machine
      expect(Object.values(s.seen)).toEqual(Object.values(s.seen).map(() => false));
      // The home folder is there only as the way to an interpreter (pyenv) or pip --user packages in it.
      expect(s.home.filter((d: string) => !['.pyenv', '.local'].includes(d))).toEqual([]);
      expect(s.writes).toEqual({
        '/assignment/new.txt': true,
        '/tmp/new.txt': true,
        '/usr/new.txt': false,
        '/new.txt': false,
        '/etc/new.txt': false,
        '/dev/new.txt': false,
        '/dev/shm/new.txt': true,
      });
      expect([s.uid, s.user, s.host, s.caps]).toEqual([1000, 3, 'sandbox', '0000000000000000']);
      expect(s.net).toEqual({ tcp: false, unix: false, internet: false });
      expect(heard).toEqual([]);
      expect(readdirSync(outside)).toEqual(['other.txt']);
    } finally {
      unix.close();
    }
  });

  it('an environment from the allowlist, and no command line of the grader anywhere in /proc', async () => {
    const dir = await tempDir();
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_SECRET_ACCESS_KEY: 'sandbox-test-secret', INNOCENT_NAME: 'sandbox-test-innocent' });
    try {
      const r = await py(
        'import os\nfor p in os.listdir("/proc"):\n    if p.isdigit():\n        print(open(f"/proc/{p}/environ", "rb").read(), open(f"/proc/{p}/cmdline", "rb").read())',
        { cwd: dir },
      );
      expect(r.code).toBe(0);
      const seen = r.stdout.toString();
      expect(seen).not.toContain('sandbox-test-');
      expect(seen).not.toContain(dir); // bwrap's options, with the host's paths, came through a file descriptor
      expect(seen).toContain('HOME=/assignment/.home');
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    }
  });

  it("packages from pip install --user import, read-only; PYTHONUSERBASE is never the grader's throwaway HOME", async () => {
    const version = spawnSync(PY, ['-c', 'import sys; print("python%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).stdout.trim();
    const base = await tempDir({ [`lib/${version}/site-packages/userpkg.py`]: 'ANSWER = 42\n' }, 'harness-userbase-');
    const home = await tempDir({ '.local/lib/x': '' }, 'harness-scrubbed-home-');
    const saved = { HOME: process.env.HOME, PYTHONUSERBASE: process.env.PYTHONUSERBASE };
    try {
      // As the grader leaves it: HOME a throwaway folder (in its output folder), no PYTHONUSERBASE.
      process.env.HOME = home;
      delete process.env.PYTHONUSERBASE;
      const dir = await tempDir();
      const r = await py('import os; print(os.environ.get("PYTHONUSERBASE"))', { cwd: dir });
      expect(r.stdout.toString()).not.toContain(home);
      process.env.PYTHONUSERBASE = base;
      const s = await py(
        'import os, site, userpkg\ntry:\n    open(os.path.join(site.getusersitepackages(), "usercustomize.py"), "w")\n    print(userpkg.ANSWER, "writable")\nexcept OSError:\n    print(userpkg.ANSWER, "read-only")',
        { cwd: dir },
      );
      expect(s.stdout.toString(), s.stderr).toBe('42 read-only\n');
      expect(readdirSync(path.join(base, 'lib', version, 'site-packages'))).toEqual(['userpkg.py']);
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  });

  it('a link it leaves for the harness to follow leads nowhere: outputs and our own sort stay in the run', async () => {
    const { readOutput } = await import('../lib/run/workdir.js');
    const secret = await tempDir({ 'part-00000': "the instructor's\n" });
    const dir = await tempDir();
    const r = await runSandboxed('/bin/sh', ['-c', `ln -s ${secret} out`], { cwd: dir });
    expect(r.code).toBe(0);
    expect(await readOutput(dir, 'out/part-00000', 1 << 20)).toBeUndefined();
    expect(await readOutput(dir, 'out', 1 << 20)).toBeUndefined();
    const sort = await (await startSandboxed('/usr/bin/env', [], { cwd: dir, trusted: true })).done;
    expect(sort.stdout.toString()).toContain(`TMPDIR=${tmpdir()}\n`);
  });

  it('nothing it starts outlives it, even in a session of its own', async () => {
    const dir = await tempDir();
    const r = await runSandboxed('/bin/sh', ['-c', 'setsid sh -c "sleep 1; echo late > /assignment/late.txt" & echo started'], {
      cwd: dir,
    });
    expect(r.stdout.toString()).toBe('started\n');
    await new Promise((res) => setTimeout(res, 1500));
    expect(existsSync(path.join(dir, 'late.txt'))).toBe(false);
  });
});

describe("limits on the whole run, in the student's words", () => {
  const ctx = () => makeCtx('/nonexistent', {});
  const words = (res: Awaited<ReturnType<typeof runSandboxed>>) => {
    try {
      judgeRun(ctx(), 'The mapper m.py', res, 'python3 m.py');
      return 'passed';
    } catch (e) {
      return (e as Failure).rationale;
    }
  };

  it('memory: three processes under the per-process cap, over it together', async () => {
    const dir = await tempDir();
    const hog =
      'import subprocess, sys, time\nc = "b = bytearray(150 * 1024 * 1024)\\nfor i in range(0, len(b), 4096): b[i] = 1\\nimport time; time.sleep(30)"\nps = [subprocess.Popen([sys.executable, "-c", c]) for _ in range(3)]\ntime.sleep(30)';
    const t0 = Date.now();
    const r = await py(hog, { cwd: dir, memoryBytes: 300 * 1024 * 1024 });
    expect(r.exceeded).toBe('memory');
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(words(r)).toBe('The mapper m.py used more than 300 MB of memory (all its processes together), so it was stopped.');
  });

  it('processes: a run that starts too many is stopped, and none are left', async () => {
    const dir = await tempDir();
    const marker = `31.${process.pid}`;
    const r = await runSandboxed('/bin/sh', ['-c', `for i in $(seq 60); do sleep ${marker} & done; wait`], { cwd: dir, maxProcesses: 20 });
    expect(r.exceeded).toBe('processes');
    expect(words(r)).toBe('The mapper m.py started more than 20 processes, so it was stopped.');
    await new Promise((res) => setTimeout(res, 200));
    const alive = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker) && !/\) Z/.test(readFileSync(`/proc/${p}/stat`, 'utf8'));
        } catch {
          return false;
        }
      });
    expect(alive).toEqual([]);
  });

  it('disk: one file over the limit fails to be written; many files over it stop the run; /tmp is small', async () => {
    const dir = await tempDir();
    const big = await py('open("big.bin", "wb").write(b"x" * (12 * 1024 * 1024))', { cwd: dir, diskBytes: 8 * 1024 * 1024 });
    // The write fails at the file-size cap, or the watcher sees the 8 MB first: the same limit either way.
    expect(words(big)).toMatch(
      /^The mapper m.py wrote more (to a file than it may \(8 MB in its folder, less in \/tmp\): "OSError: \[Errno 27\] File too large"|than 8 MB of files, so it was stopped\.)/,
    );
    const many = await py('import time\nfor i in range(40):\n    open(f"part-{i}", "wb").write(b"x" * (1024 * 1024))\ntime.sleep(10)', {
      cwd: dir,
      diskBytes: 8 * 1024 * 1024,
    });
    expect(many.exceeded).toBe('disk');
    expect(words(many)).toBe('The mapper m.py wrote more than 8 MB of files, so it was stopped.');
    const tmp = await py('open("/tmp/big", "wb").write(b"x" * (100 * 1024 * 1024))', { cwd: dir });
    expect(words(tmp)).toMatch(/No space left on device/);
  });

  it('time and output are quoted at the limit that applied', async () => {
    const dir = await tempDir();
    const r = await runSandboxed('/bin/sh', ['-c', 'yes'], { cwd: dir, maxOutputBytes: 8 * 1024 * 1024 });
    expect(words(r)).toBe('The mapper m.py wrote more than 8 MB of output, so it was stopped.');
    const s = await runSandboxed('sleep', ['10'], { cwd: dir, timeoutMs: 700 });
    expect(words(s)).toBe('The mapper m.py did not finish within 0.7 s, so it was stopped.');
  });
});

describe("the instructor's material", () => {
  it('is read-only in the run: not written, removed, renamed or made writable', async () => {
    const dir = await tempDir({ 'test_hidden.py': 'SECRET = 1\n', 'mine.py': 'x = 1\n' });
    protectFiles(dir, ['test_hidden.py']);
    try {
      const attempt = `
import os
out = []
for name, act in [("write", lambda: open("test_hidden.py", "a").write("x")), ("unlink", lambda: os.unlink("test_hidden.py")),
                  ("rename", lambda: os.rename("test_hidden.py", "t.py")), ("chmod", lambda: os.chmod("test_hidden.py", 0o666)),
                  ("mine", lambda: open("mine.py", "a").write("y = 2\\n"))]:
    try:
        act(); out.append(name)
    except OSError:
        pass
print(" ".join(out))
`;
      const r = await py(attempt, { cwd: dir });
      expect(r.stdout.toString()).toBe('mine\n');
      expect(readFileSync(path.join(dir, 'test_hidden.py'), 'utf8')).toBe('SECRET = 1\n');
    } finally {
      protectFiles(dir, undefined);
    }
  });

  it('is named beside the checks (files:), relative to the hidden file, and part of its hash', async () => {
    const course = await loadCourse(REPO);
    const spec = await loadSpec(path.join(REPO, 'assignments', 'A2', 'assignment.yaml'), course);
    const dir = await tempDir({ 'tests/test_q4.py': 'import unittest\n', 'data/full.log': 'x\n' });
    const file = path.join(dir, 'hidden.yaml');
    const checks = 'checks:\n  - { id: h-q4, kind: python.unittest, tests: tests/test_q4.py, files: [q4_mapper.py], points: 2 }\n';
    writeFileSync(file, `files: [tests/test_q4.py, data/full.log]\n${checks}`);
    const m = await mergeHidden(spec, file, course);
    const h = m.spec.checks.find((c) => c.id === 'h-q4')!;
    expect([...(h.material?.keys() ?? [])]).toEqual(['tests/test_q4.py', 'data/full.log']);
    writeFileSync(path.join(dir, 'data/full.log'), 'y\n');
    expect((await mergeHidden(spec, file, course)).hash).not.toBe(m.hash);
    // A file outside its folder, or missing: the hidden file's line and column.
    writeFileSync(
      file,
      `checks:\n  - { id: h-q4, kind: python.unittest, tests: tests/test_q4.py, points: 2 }\nfiles:\n  - ../elsewhere.py\n  - data/missing.log\n`,
    );
    const err = (await mergeHidden(spec, file, course).then(
      () => undefined,
      (e: unknown) => e,
    )) as UserError;
    expect(err).toBeInstanceOf(UserError);
    expect(err.details.join('\n')).toMatch(/hidden\.yaml:4:5: "\.\.\/elsewhere\.py" is not a path inside the hidden file's folder/);
    expect(err.details.join('\n')).toMatch(/hidden\.yaml:5:5: data\/missing\.log does not exist/);
  });
});

describe('where there is no sandbox', () => {
  let course: string;
  let work: string;
  beforeAll(async () => {
    // A course copy with A2 and a student's answers in place (the fixture's passing ones).
    course = await tempDir({}, 'harness-nosandbox-');
    for (const f of ['course.yaml', 'bin', 'dist', 'assignments/A1', 'assignments/A2'])
      cpSync(path.join(REPO, f), path.join(course, f), { recursive: true });
    work = path.join(course, 'assignments', 'A2');
    cpSync(path.join(REPO, 'test', 'fixtures', 'A2', 'pass'), work, { recursive: true });
    writeFileSync(path.join(course, 'user.cfg'), '[USER]\nname: Lee Wong\nemail: lw641@georgetown.edu\n');
  });
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}, prefix: string[] = []) => {
    const r = spawnSync(
      prefix[0] ?? process.execPath,
      [...prefix.slice(1), ...(prefix.length ? [process.execPath] : []), path.join(course, 'bin', 'harness.mjs'), ...args],
      {
        cwd: course,
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, NO_COLOR: '1', INIT_CWD: '', GIT_CONFIG_GLOBAL: '/dev/null', ...env },
      },
    );
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it("a student's own check runs their code anyway, and says so once", () => {
    const r = cli(['check', 'A2', '--offline', '--only', 'q4-streaming'], { HARNESS_SANDBOX: 'off' });
    expect(r.stdout).toMatch(/q4_mapper\.py and q4_reducer\.py run/);
    expect(r.stderr.match(/your code ran without a sandbox here/g)).toHaveLength(1);
    expect(r.stderr).toContain('(HARNESS_SANDBOX=off)');
    expect(cli(['check', 'A2', '--offline', '--only', 'q4-streaming']).stderr).not.toContain('without a sandbox');
  });

  it('grade refuses (exit 2, with the fix), or with --unsafe-no-sandbox runs and records it in batch.json', async () => {
    const forks = await tempDir({}, 'harness-nosandbox-forks-');
    // A fork of this course copy: one commit of its files, before A2's due date.
    const date = {
      GIT_AUTHOR_DATE: '2017-02-01T12:00:00Z',
      GIT_COMMITTER_DATE: '2017-02-01T12:00:00Z',
      GIT_AUTHOR_NAME: 'Lee Wong',
      GIT_AUTHOR_EMAIL: 'lw641@georgetown.edu',
      GIT_COMMITTER_NAME: 'Lee Wong',
      GIT_COMMITTER_EMAIL: 'lw641@georgetown.edu',
    };
    const git = (...a: string[]) =>
      spawnSync('git', a, { cwd: course, encoding: 'utf8', env: { ...process.env, ...date, GIT_CONFIG_GLOBAL: '/dev/null' } });
    git('init', '-q', '-b', 'main');
    git('add', 'course.yaml', 'user.cfg', 'assignments');
    git('commit', '-q', '-m', 'answers');
    git('clone', '-q', '--bare', course, path.join(forks, 'lw641.git'));
    const roster = path.join(forks, 'roster.csv');
    writeFileSync(roster, `NetID,name,email,repo\nlw641,Lee Wong,lw641@georgetown.edu,${path.join(forks, 'lw641.git')}\n`);
    const out = path.join(forks, 'out');
    const refused = cli(['grade', 'A2', '--roster', roster, '--out', out, '--offline'], { HARNESS_SANDBOX: 'off' });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/checks of A2 run student code \(q2-streaming, …\), and there is no sandbox here: HARNESS_SANDBOX=off/);
    expect(refused.stderr).toMatch(/fix: .*--unsafe-no-sandbox/);
    expect(existsSync(path.join(out, 'batch.json'))).toBe(false);

    const unsafe = cli(['grade', 'A2', '--roster', roster, '--out', out, '--offline', '--unsafe-no-sandbox'], { HARNESS_SANDBOX: 'off' });
    expect(unsafe.status, unsafe.stderr).toBe(0);
    expect(unsafe.stderr).toMatch(/WARNING: --unsafe-no-sandbox: students' code runs WITHOUT a sandbox \(HARNESS_SANDBOX=off\)/);
    expect(JSON.parse(readFileSync(path.join(out, 'batch.json'), 'utf8')).unsafeNoSandbox).toBe('HARNESS_SANDBOX=off');

    // A1 runs no student code: graded without a sandbox, and without a word about it.
    const a1 = cli(['grade', 'A1', '--roster', roster, '--out', path.join(forks, 'a1'), '--offline'], { HARNESS_SANDBOX: 'off' });
    expect(a1.status, a1.stderr).toBe(0);
    expect(a1.stderr).not.toMatch(/without a sandbox|no sandbox/i);
  }, 180_000);

  it('a machine without user namespaces (here: inside a sandbox that forbids them): grade says why, and what to do', async (t) => {
    const m = await probeSandbox();
    if (m.mode !== 'bwrap' || !m.bwrap.modern) return t.skip(); // needs bwrap's --disable-userns (0.8+)
    const out = await tempDir({}, 'harness-nouserns-');
    mkdirSync(path.join(out, 'x'));
    const nested = ['bwrap', '--dev-bind', '/', '/', '--unshare-user', '--disable-userns', '--'];
    const r = cli(['grade', 'A2', '--zips', path.join(out, 'x'), '--out', path.join(out, 'o'), '--offline'], {}, nested);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bwrap [\d.]+ cannot create its sandbox here/);
    expect(r.stderr).toMatch(/fix: user namespaces are turned off on this machine/);
  });
});

describe("a pipeline's sandbox that cannot be built", () => {
  it("is the machine's fault: the check cannot be judged (incomplete), never a failed stage", async () => {
    const dir = await tempDir({ 'm.py': 'print("x")\n' });
    // bwrap then fails at run time, as it does when namespaces run out under load.
    protectFiles(dir, ['gone.txt']);
    try {
      const run = startSandboxedGroup(
        [
          { cmd: PY, args: ['m.py'], stdin: Buffer.from('') },
          { cmd: 'sort', args: [], stdin: 'pipe' },
        ],
        { cwd: dir, python: PY },
      );
      const handles = (await run)!;
      expect(handles).toHaveLength(2);
      await expect(handles[0].done).rejects.toThrow(CannotJudge);
      await expect(handles[1].done).rejects.toThrow(/sandbox for student code could not be started here: .*gone\.txt/);
    } finally {
      protectFiles(dir, undefined);
    }
  });

  it('one run alone: the same; a program that fails as bwrap would is still its own failure', async () => {
    const dir = await tempDir({ 'm.py': 'import sys\nsys.exit("bwrap: Can\'t find source path /x: No such file or directory")\n' });
    protectFiles(dir, ['gone.txt']);
    try {
      await expect(py('print(1)', { cwd: dir })).rejects.toThrow(/sandbox for student code could not be started here: .*gone\.txt/);
    } finally {
      protectFiles(dir, undefined);
    }
    const mimic = await runSandboxed(PY, ['m.py'], { cwd: dir, python: PY });
    expect(mimic.code).toBe(1);
    expect(mimic.stderr).toMatch(/^bwrap: Can't find source path/);
  });
});

describe('descriptors the harness inherited', () => {
  it("never reach student code: a CI runner's open pipe is /dev/null in the run", async () => {
    const course = await tempDir({}, 'harness-fds-');
    for (const f of ['course.yaml', 'bin', 'dist', 'assignments/A2']) cpSync(path.join(REPO, f), path.join(course, f), { recursive: true });
    const a2 = path.join(course, 'assignments', 'A2');
    cpSync(path.join(REPO, 'test', 'fixtures', 'A2', 'pass'), a2, { recursive: true });
    writeFileSync(path.join(course, 'user.cfg'), '[USER]\nname: Lee Wong\nemail: lw641@georgetown.edu\n');
    // The mapper writes to every descriptor past stderr, then names what they were.
    writeFileSync(
      path.join(a2, 'q4_mapper.py'),
      'import os, sys\nseen = []\nfor f in sorted(os.listdir("/proc/self/fd"), key=int):\n    if int(f) > 2:\n        try:\n            seen.append(f + "=" + os.readlink("/proc/self/fd/" + f)); os.write(int(f), b"escaped\\n")\n        except OSError:\n            pass\nsys.exit("fds: " + " ".join(seen))\n',
    );
    // As a shell's redirection leaves it (node marks its low descriptors close-on-exec, not fd 37).
    const leak = path.join(course, 'leak.txt');
    const cmd = `exec 37>>${JSON.stringify(leak)}; exec ${JSON.stringify(process.execPath)} bin/harness.mjs check A2 --offline --only q4-streaming`;
    const r = spawnSync('bash', ['-c', cmd], {
      cwd: course,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', INIT_CWD: '', GIT_CONFIG_GLOBAL: '/dev/null' },
    });
    // The mapper ran; fd 37, if there at all, was /dev/null (a pipeline's stages get it closed).
    expect(r.stdout, r.stdout).toMatch(/fds:/);
    expect(r.stdout, r.stdout).not.toMatch(/\b37=(?!\/dev\/null)/);
    const leaked = readFileSync(leak, 'utf8');
    expect(leaked).toBe('');
  });
});
