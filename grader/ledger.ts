// The collect ledger: JSON lines, append-only, one fsync'd append per student. A line is written
// with one write() on a file opened O_APPEND, so concurrent appends never interleave; a run killed
// mid-write leaves at most one torn last line, which the reader skips (and the next append starts
// on a fresh line).
import { open, readFile } from 'node:fs/promises';
import type { LedgerEntry } from './types.js';

export const LEDGER_FILE = 'ledger.jsonl';

export async function appendLedger(file: string, entry: LedgerEntry): Promise<void> {
  const fh = await open(file, 'a+');
  try {
    const { size } = await fh.stat();
    let lead = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) lead = '\n';
    }
    await fh.write(lead + JSON.stringify(entry) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function readLedger(file: string): Promise<LedgerEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: LedgerEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as LedgerEntry;
      if (e && typeof e.netid === 'string' && typeof e.commit === 'string' && typeof e.assignment === 'string') out.push(e);
    } catch {
      /* a torn last line from a killed run */
    }
  }
  return out;
}

/** The latest entry per student (file order: later lines win) for one assignment, keyed by lower-cased NetID. */
export function latestByStudent(entries: LedgerEntry[], assignment: string): Map<string, LedgerEntry> {
  const m = new Map<string, LedgerEntry>();
  for (const e of entries) if (e.assignment === assignment) m.set(e.netid.toLowerCase(), e);
  return m;
}
