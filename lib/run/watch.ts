// Limits over a whole run (a program and every process it starts), not one process: resident
// memory summed over the tree, the number of processes, and what the run wrote to its folder.
// Unprivileged Linux offers no kernel limit for a tree that works everywhere the grader runs
// (cgroup v2 delegation is missing in Docker and in CI here, and the user's process-count rlimit
// is not enforced for root), so the tree is read from /proc every 50 ms and stopped when it goes
// over: measured and chosen in docs/decisions/0007-sandbox.md. Each process's address space is
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
    if (limits.memoryBytes > 0 && t.rss > limits.memoryBytes) return hit('memory');
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

/**
 * `pid` and its descendants (up to `max` of them), with their resident memory summed (pages
 * shared between them count once each). One read of /proc/PID/stat gives a process's resident
 * pages and its thread count; the children of every thread are read (a JVM starts processes
 * from any of them), of the main thread alone for the usual single-threaded process.
 */
export function treeOf(pid: number, max = Infinity): { pids: number[]; rss: number } {
  const pids: number[] = [];
  let pages = 0;
  const todo = [pid];
  while (todo.length && pids.length < max) {
    const p = todo.pop()!;
    let threads = 1;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'latin1');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      threads = Number(f[17]) || 1;
      pages += Number(f[21]) || 0;
    } catch {
      continue; // gone
    }
    pids.push(p);
    let tasks = [String(p)];
    if (threads > 1) {
      try {
        tasks = readdirSync(`/proc/${p}/task`);
      } catch {
        /* gone: its main thread's children are still worth a look */
      }
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
  return { pids, rss: pages * pageSize() };
}

let page: number | undefined;
/** The kernel's page size (what /proc counts memory in): this process's resident bytes over its resident pages. */
function pageSize(): number {
  if (page === undefined) {
    try {
      const pages = Number(readFileSync('/proc/self/statm', 'latin1').split(' ')[1]);
      page = 2 ** Math.round(Math.log2(process.memoryUsage.rss() / pages));
    } catch {
      page = 4096;
    }
  }
  return page;
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
