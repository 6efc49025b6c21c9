// A few long-lived /bin/sh processes that start git for the grader. Starting a process from node
// costs about 2 ms of node's own (single) thread — fork copies a large process — and a batch starts
// three gits a student, so from node that was a third of a cold run. A small shell forks cheaply and
// in parallel with node. Each shell runs one command at a time: node writes it (every argument
// single-quoted), the shell runs it with stderr to a file of its own and prints a marker line with
// the exit code. A command past its time limit kills the shell's whole process group; the next
// command starts a fresh shell.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ShellRun {
  code: number;
  stdout: string;
  stderr: string;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

class Shell {
  private child: ChildProcessWithoutNullStreams;
  private readonly mark = `\u001eEND-${randomBytes(6).toString('hex')} `;
  private readonly errFile = path.join(tmpdir(), `harness-sh-${process.pid}-${randomBytes(4).toString('hex')}.err`);
  private out = '';
  private waiting?: (r: { code: number; stdout: string }) => void;
  dead = false;

  constructor(env: NodeJS.ProcessEnv) {
    this.child = spawn('/bin/sh', [], { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.child.stdin.on('error', () => {});
    this.child.stderr.resume();
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => {
      this.out += d;
      const i = this.out.indexOf(this.mark);
      if (i < 0 || !this.waiting) return;
      const nl = this.out.indexOf('\n', i);
      if (nl < 0) return;
      const code = Number(this.out.slice(i + this.mark.length, nl));
      const stdout = this.out.slice(0, i);
      this.out = this.out.slice(nl + 1);
      const w = this.waiting;
      this.waiting = undefined;
      w({ code, stdout });
    });
    this.child.on('close', () => {
      this.dead = true;
      const w = this.waiting;
      this.waiting = undefined;
      w?.({ code: -1, stdout: this.out });
      void rm(this.errFile, { force: true });
    });
  }

  async run(argv: string[], timeoutMs?: number): Promise<ShellRun> {
    const cmd = `${argv.map(quote).join(' ')} </dev/null 2>${quote(this.errFile)}; printf '\\n${this.mark}%d\\n' $?\n`;
    const done = new Promise<{ code: number; stdout: string }>((resolve) => (this.waiting = resolve));
    this.child.stdin.write(cmd);
    let timedOut = false;
    const timer = timeoutMs ? setTimeout(() => ((timedOut = true), this.kill()), timeoutMs) : undefined;
    const r = await done;
    clearTimeout(timer);
    if (timedOut) return { code: 124, stdout: '', stderr: `timed out after ${Math.round(timeoutMs! / 1000)}s` };
    const stderr = r.code === 0 ? '' : await readFile(this.errFile, 'utf8').catch(() => '');
    // printf's leading newline ends the command's output; it is not part of it.
    return { code: r.code, stdout: r.stdout.endsWith('\n') ? r.stdout.slice(0, -1) : r.stdout, stderr: stderr.slice(0, 16384) };
  }

  kill(): void {
    this.dead = true;
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
  }

  close(): void {
    this.child.stdin.end();
  }
}

/** A pool of shells; `run` waits for an idle one. */
export class ShellPool {
  private idle: Shell[] = [];
  private all = new Set<Shell>();
  private queue: ((s: Shell) => void)[] = [];

  constructor(
    private readonly size: number,
    private readonly env: () => NodeJS.ProcessEnv,
  ) {}

  async run(argv: string[], timeoutMs?: number): Promise<ShellRun> {
    const sh = await this.take();
    try {
      return await sh.run(argv, timeoutMs);
    } finally {
      this.give(sh);
    }
  }

  private take(): Promise<Shell> {
    const s = this.idle.pop();
    if (s) return Promise.resolve(s);
    if (this.all.size < this.size) {
      const n = new Shell(this.env());
      this.all.add(n);
      return Promise.resolve(n);
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  private give(s: Shell): void {
    let sh = s;
    if (sh.dead) {
      this.all.delete(sh);
      sh = new Shell(this.env());
      this.all.add(sh);
    }
    const next = this.queue.shift();
    if (next) next(sh);
    else this.idle.push(sh);
  }

  close(): void {
    for (const s of this.all) s.close();
    this.all.clear();
    this.idle = [];
  }
}
