// One grader per output folder. Two runs writing the same mirrors, caches and exports would
// trip over each other's half-made files (students marked `error: ENOENT` by a run that then
// exits 0), so `collect`, `grade` and `merge` hold DIR/.lock while they run. The lock names who
// holds it; a lock left by a process that is gone (killed, crashed) is taken over with a note.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { UserError } from '../lib/errors.js';
import { processAlive } from '../lib/util/tmpfiles.js';

interface Holder {
  pid: number;
  host: string;
  command: string;
  started: string;
}

export const LOCK_FILE = '.lock';

/** Takes the lock (or throws a UserError naming its holder); returns the function that releases it. */
export function lockOutput(out: string, command: string, note: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): () => void {
  const file = path.join(out, LOCK_FILE);
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    throw new UserError(
      `cannot create the output folder ${out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      'give an --out folder you can write to',
    );
  }
  const me: Holder = { pid: process.pid, host: hostname(), command, started: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST')
        throw new UserError(
          `cannot write in the output folder ${out}: ${code ?? String(e)}`,
          'give an --out folder you can write to (and with room on its disk)',
        );
      const held = readHolder(file);
      if (held && held.host === me.host && !processAlive(held.pid)) {
        note(`note: taking over ${file}, left by ${held.command} (pid ${held.pid}, started ${held.started}), which is no longer running`);
        rmSync(file, { force: true });
        continue;
      }
      if (!held) {
        // Being written this instant, or torn by a crash: look again, then treat it as stale.
        if (attempt < 2) continue;
        rmSync(file, { force: true });
        continue;
      }
      throw new UserError(
        `another harness run is using ${out}: ${held.command} (pid ${held.pid} on ${held.host}, started ${held.started})`,
        held.host === me.host
          ? 'wait for it to finish (or stop it), or give this run another --out folder'
          : `wait for it to finish; if no run is going on on ${held.host}, delete ${file}`,
      );
    }
    try {
      writeSync(fd, JSON.stringify(me) + '\n');
    } finally {
      closeSync(fd);
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      // Only our own lock: never one a later run took over.
      if (readHolder(file)?.pid === me.pid) rmSync(file, { force: true });
    };
    process.once('exit', release);
    return release;
  }
  throw new UserError(`cannot take the lock ${file}`, `if no harness run is using ${out}, delete ${file}`);
}

function readHolder(file: string): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as Holder;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}
