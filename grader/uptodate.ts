// "Nothing changed since the last complete run": a fingerprint of everything a batch's outputs
// are made from — the harness build, the spec and hidden checks, the course settings, the flags
// that shape the outputs, the roster, the ledger, and every fork mirror's refs (which commit each
// branch is at). When it matches the one saved after the last complete run, and that run's
// outputs are still there, `grade` has nothing to do and says so. Any difference (a fetch moved a
// branch, the roster changed, a fork could not be cloned last time) means a normal run, which
// still reuses every cached result it can.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeDerivedSync } from '../lib/util/atomic.js';
import { mirrorDir } from './collect.js';
import type { RosterEntry } from './types.js';

const FILE = path.join('.cache', 'uptodate.json');

export interface Saved {
  fingerprint: string;
  students: number;
  graded: number;
}

/** The fingerprint, or undefined when a fork has no mirror yet (the run must try to clone it). */
export function fingerprint(inputs: unknown[], roster: RosterEntry[], out: string): string | undefined {
  const h = createHash('sha256').update(JSON.stringify(inputs));
  for (const r of roster) {
    h.update(JSON.stringify(r));
    if (!r.repo) continue;
    const refs = readRefs(mirrorDir(out, r.netid));
    if (refs === undefined) return undefined;
    h.update(refs);
  }
  return h.digest('hex');
}

/** HEAD, packed-refs and every loose ref of a bare repository, as one string; undefined when there is none. */
function readRefs(gitdir: string): string | undefined {
  let text: string;
  try {
    text = `HEAD\0${readFileSync(path.join(gitdir, 'HEAD'), 'utf8')}\0`;
  } catch {
    return undefined;
  }
  try {
    text += `packed\0${readFileSync(path.join(gitdir, 'packed-refs'), 'utf8')}\0`;
  } catch {
    /* every ref is loose */
  }
  const walk = (rel: string): void => {
    let entries;
    try {
      entries = readdirSync(path.join(gitdir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else text += `${p}\0${readFileSync(path.join(gitdir, p), 'utf8')}\0`;
    }
  };
  walk('refs');
  return text;
}

/** The last complete run's record, if its fingerprint is `fp` and its outputs are still there. */
export function upToDate(out: string, fp: string | undefined): Saved | undefined {
  if (!fp || !existsSync(path.join(out, 'batch.json'))) return undefined;
  try {
    const saved = JSON.parse(readFileSync(path.join(out, FILE), 'utf8')) as Saved;
    return saved.fingerprint === fp ? saved : undefined;
  } catch {
    return undefined;
  }
}

/** Records a complete run (after every output was written). */
export function saveUpToDate(out: string, saved: Saved): void {
  writeDerivedSync(path.join(out, FILE), JSON.stringify(saved) + '\n');
}
