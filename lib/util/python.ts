// Which python3 to run. A pyenv shim (common on students' Macs, and on these CI machines) is a bash
// script that costs 80-300 ms per call before Python even starts; where the shim's choice can be
// read off pyenv's own files, run that interpreter directly. Anything unusual: keep the shim.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export function resolvePython(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  if (env.HARNESS_PYTHON) return env.HARNESS_PYTHON;
  const found = which('python3', env.PATH ?? '');
  if (!found) return 'python3'; // the check reports it missing
  return pyenvTarget(found, env, cwd) ?? found;
}

function which(cmd: string, PATH: string): string | undefined {
  for (const dir of PATH.split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** The interpreter a pyenv shim would run, following pyenv's rules for choosing a version. */
export function pyenvTarget(shim: string, env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  if (path.basename(path.dirname(shim)) !== 'shims') return undefined;
  const root = env.PYENV_ROOT || path.dirname(path.dirname(shim));
  if (path.resolve(root, 'shims') !== path.dirname(shim)) return undefined;
  const versions = env.PYENV_VERSION ? env.PYENV_VERSION.split(':') : versionFile(env.PYENV_DIR || cwd, root);
  if (!versions?.length) return undefined;
  for (const v of versions) {
    if (v === 'system' || v.includes('/') || v.startsWith('.')) return undefined; // let pyenv decide
    const bin = path.join(root, 'versions', v, 'bin', path.basename(shim));
    try {
      accessSync(bin, constants.X_OK);
      return bin;
    } catch {
      /* pyenv would try the next version */
    }
  }
  return undefined;
}

function versionFile(start: string, root: string): string[] | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const v = readVersions(path.join(dir, '.python-version'));
    if (v) return v;
    if (path.dirname(dir) === dir) break;
  }
  return readVersions(path.join(root, 'version'));
}

function readVersions(file: string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const words = text
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join(' ')
    .split(/\s+/)
    .filter(Boolean);
  return words.length ? words : undefined;
}
