// Limits over a whole run (a program and every process it starts), not one process: resident
// memory summed over the tree, the number of processes, and what the run wrote to its folder.
// Unprivileged Linux offers no kernel limit for a tree that works everywhere the grader runs
// (cgroup v2 delegation is missing in Docker and in CI here, and the user's process-count rlimit
// is not enforced for root), so the tree is read from /proc every 50 ms and stopped when it goes
// over: measured and chosen in docs/decisions/0010-sandbox.md. Each process's address space is
// also capped by rlimit (set by the sandbox), so one process cannot outrun a poll by much.
import { readdirSync, readFileSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

export type Exceeded = 'memory' | 'processes' | 'disk' | 'files';

export interface TreeLimits {
  /** Resident memory of the whole tree, bytes; 0 for none. */
  memoryBytes: number;
  /** Processes in the tree (threads not counted), besides the harness's own. */
  maxProcesses: number;
  /** Bytes of files in the run's folder (blocks used, so a sparse file counts what it uses). */
  diskBytes: number;
  /** Files and folders in the run's folder. */
  maxFiles: number;
}

const POLL_MS = 50;
/** The folder is walked every this many polls (it costs more than /proc, and grows more slowly). */
const DISK_EVERY = 5;

/**
 * Watches the tree under `pid` (of which `own` processes are the harness's, such as bwrap's two)
 * and the folder `dir`; calls `over` once, with the first limit passed. Returns a stop function.
 */
export function watchTree(pid: number, own: number, dir: string, limits: TreeLimits, over: (what: Exceeded) => void): () => void {
  let stopped = false;
  let polls = 0;
  let walking = false;
  const hit = (what: Exceeded) => {
    if (stopped) return;
    stop();
    over(what);
  };
  const timer = setInterval(() => {
    const t = treeOf(pid, limits.maxProcesses + own + 1);
    if (t.pids.length - own > limits.maxProcesses) return hit('processes');
    if (limits.memoryBytes > 0 && rssOf(t.pids) > limits.memoryBytes) return hit('memory');
    if (++polls % DISK_EVERY === 0 && !walking) {
      walking = true;
      usage(dir, limits.maxFiles)
        .then((u) => {
          if (u.files > limits.maxFiles) hit('files');
          else if (u.bytes > limits.diskBytes) hit('disk');
        })
        .catch(() => {})
        .finally(() => (walking = false));
    }
  }, POLL_MS);
  timer.unref();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  return stop;
}

/** `pid` and its descendants (children of every thread: a JVM starts processes from any of them), up to `max`. */
export function treeOf(pid: number, max = Infinity): { pids: number[] } {
  const pids: number[] = [];
  const todo = [pid];
  while (todo.length && pids.length < max) {
    const p = todo.pop()!;
    pids.push(p);
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue; // gone
    }
    for (const t of tasks) {
      try {
        const kids = readFileSync(`/proc/${p}/task/${t}/children`, 'latin1').trim();
        if (kids) for (const k of kids.split(' ')) todo.push(Number(k));
      } catch {
        /* the thread ended */
      }
    }
  }
  return { pids };
}

/** Resident memory of these processes, bytes (VmRSS; pages shared between them count once each). */
export function rssOf(pids: number[]): number {
  let kb = 0;
  for (const p of pids) {
    try {
      const s = readFileSync(`/proc/${p}/status`, 'latin1');
      const i = s.indexOf('VmRSS:');
      if (i >= 0) kb += parseInt(s.slice(i + 6), 10) || 0;
    } catch {
      /* gone */
    }
  }
  return kb * 1024;
}

/** Bytes used and entries under `dir`, stopping once more than `maxFiles` entries were seen. */
export async function usage(dir: string, maxFiles: number): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  const todo = [dir];
  while (todo.length && files <= maxFiles) {
    const d = todo.pop()!;
    let names: string[];
    try {
      names = await readdir(d);
    } catch {
      continue;
    }
    for (const n of names) {
      if (++files > maxFiles) break;
      const p = path.join(d, n);
      const s = await lstat(p).catch(() => undefined);
      if (!s) continue;
      bytes += s.blocks * 512;
      if (s.isDirectory()) todo.push(p);
    }
  }
  return { bytes, files };
}
