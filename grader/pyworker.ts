// One long-lived python3 that compiles every student's Python files for python.syntax, so a batch
// pays python's start-up once instead of once a student (starting processes is most of a batch's
// time). compile() runs none of the student's code, so one process can serve everyone. A request
// whose check gave up (timeout) or that killed the process restarts it; the other requests in
// flight are sent again, so a bad file costs only its own student a result.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Skip } from '../lib/errors.js';
import { PY_COMPILE_ALL } from '../lib/checks/python-syntax.js';

const WORKER = `
import sys, json
if sys.version_info[0] < 3:
    while True:
        line = sys.stdin.readline()
        if not line: break
        sys.stdin.read(int(line))
        sys.stdout.write(json.dumps({"python2": sys.version.split()[0]}) + "\\n"); sys.stdout.flush()
    sys.exit(0)
${PY_COMPILE_ALL}
inp = sys.stdin.buffer
while True:
    line = inp.readline()
    if not line: break
    out = compile_all(inp.read(int(line)))
    sys.stdout.write(json.dumps(out) + "\\n"); sys.stdout.flush()
`;

interface Job {
  input: Buffer;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  tries: number;
}

export class PythonWorker {
  private child?: ChildProcessWithoutNullStreams;
  private inflight: Job[] = [];
  private buf = '';

  private readonly env: NodeJS.ProcessEnv = {};

  constructor(
    private readonly python: string,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    // As python.syntax: nothing of AWS, and no PYTHON* settings (-I ignores most of them anyway).
    for (const [k, v] of Object.entries(env)) if (!/^(AWS_|PYTHON)/.test(k)) this.env[k] = v;
  }

  compile = (input: Buffer, signal: AbortSignal): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const job: Job = { input, resolve, reject, tries: 0 };
      signal.addEventListener(
        'abort',
        () => {
          if (!this.inflight.includes(job)) return;
          this.inflight = this.inflight.filter((j) => j !== job);
          reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
          this.restart(); // it may be stuck on this job's file
        },
        { once: true },
      );
      this.send(job);
    });

  private send(job: Job): void {
    job.tries++;
    this.inflight.push(job);
    const c = this.ensure();
    // One write: two would wake python twice (once for the length line, once for the body).
    c.stdin.write(Buffer.concat([Buffer.from(`${job.input.length}\n`), job.input]));
  }

  private ensure(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const c = spawn(this.python, ['-I', '-B', '-S', '-c', WORKER], {
      env: { ...this.env, PYTHONDONTWRITEBYTECODE: '1' },
      cwd: '/',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = c;
    this.buf = '';
    c.stdin.on('error', () => {});
    c.stderr.resume();
    c.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (this.child !== c) return;
      this.buf += d;
      for (let i = this.buf.indexOf('\n'); i >= 0; i = this.buf.indexOf('\n')) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        const job = this.inflight.shift();
        if (!job) continue;
        try {
          job.resolve(JSON.parse(line));
        } catch {
          job.reject(new Error(`${this.python} printed something unexpected: ${line.slice(0, 200)}`));
        }
      }
    });
    c.on('error', (e) => this.died(c, e));
    c.on('close', (code, sig) => this.died(c, new Error(`${this.python} stopped (${sig ?? `exit ${code}`})`)));
    return c;
  }

  /** The worker died: the job at the head was the one it was compiling; the rest are sent again. */
  private died(c: ChildProcessWithoutNullStreams, e: Error): void {
    if (this.child !== c) return;
    this.child = undefined;
    const jobs = this.inflight;
    this.inflight = [];
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      for (const j of jobs)
        j.reject(new Skip(`${this.python} was not found; install Python 3 (or set HARNESS_PYTHON) to check Python files`));
      return;
    }
    const [head, ...rest] = jobs;
    if (head) {
      if (head.tries < 2) this.send(head);
      else head.reject(e);
    }
    for (const j of rest) this.send(j);
  }

  private restart(): void {
    const c = this.child;
    if (!c) return;
    this.child = undefined;
    c.kill('SIGKILL');
    const jobs = this.inflight;
    this.inflight = [];
    for (const j of jobs) this.send(j);
  }

  close(): void {
    this.child?.stdin.end();
    this.child = undefined;
  }
}
