// Finding a command on PATH the way a shell would, cached: the sandbox resolves every program it
// runs to an absolute path first (bwrap needs one it can show, and a missing one is reported).
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

const whichCache = new Map<string, string | undefined>();
/** The absolute path of a command on PATH (or as given, when it has a slash), if it is executable. */
export function which(cmd: string, PATH = process.env.PATH ?? ''): string | undefined {
  if (cmd.includes('/')) return isExec(cmd) ? cmd : undefined;
  const key = `${cmd}\0${PATH}`;
  if (!whichCache.has(key))
    whichCache.set(
      key,
      PATH.split(path.delimiter)
        .filter(Boolean)
        .map((d) => path.join(d, cmd))
        .find(isExec),
    );
  return whichCache.get(key);
}

function isExec(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
