// The roster CSV: one student a row. Exported from a spreadsheet or a student information system,
// so it may carry a byte-order mark, CRLF line ends, quoted fields and headers in any case.
// Every problem is collected and reported at once, each naming its line.
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { writeDerivedSync } from '../lib/util/atomic.js';
import { parse } from 'csv-parse/sync';
import { UserError } from '../lib/errors.js';
import type { RosterEntry } from './types.js';
import { isCanvasExport, isCanvasMetaRow, netidFromLogin } from './canvas-roster.js';

type Field = Exclude<keyof RosterEntry, 'line' | 'extensionMinutes'> | 'extension';

/** Header names (lower-cased, spaces and punctuation removed) for each field. */
const ALIASES: Record<Field, string[]> = {
  netid: ['netid', 'studentid', 'login', 'username', 'user'],
  name: ['name', 'student', 'fullname', 'studentname'],
  email: ['email', 'emailaddress', 'mail'],
  repo: ['repo', 'repository', 'fork', 'url', 'giturl', 'forkurl', 'repourl', 'remote'],
  canvasId: ['canvasid', 'canvasuserid', 'id'],
  sisUserId: ['sisuserid', 'sisid'],
  sisLoginId: ['sisloginid'],
  section: ['section', 'sections'],
  extension: ['extension', 'extensionminutes', 'extra', 'extratime'],
};
const REQUIRED: Field[] = ['netid', 'name'];

const norm = (h: string) => h.toLowerCase().replace(/[^a-z0-9]/g, '');

/** `90`, `90m`, `36h`, `2d`, `1d12h` → minutes; undefined when not a duration. */
export function parseExtension(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === '') return 0;
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t));
  const re = /(\d+(?:\.\d+)?)\s*(d|days?|h|hours?|m|min|mins|minutes?)\s*/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    const unit = m[2][0] === 'd' ? 1440 : m[2][0] === 'h' ? 60 : 1;
    total += Number(m[1]) * unit;
    end = re.lastIndex;
  }
  return end === t.length && end > 0 ? Math.round(total) : undefined;
}

export function parseRoster(text: string | Buffer, shown = 'roster.csv'): RosterEntry[] {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as never;
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new UserError(
      `${shown}:${err.lines ?? '?'}: not valid CSV: ${err.message.replace(/^Invalid \w+: /, '')}`,
      'save the roster as CSV (comma separated, fields with commas or quotes in double quotes)',
    );
  }
  if (rows.length === 0)
    throw new UserError(
      `${shown} is empty`,
      'the first line names the columns: NetID,name,email,repo[,canvas id,SIS user id,SIS login id,section,extension]',
    );
  const header = rows[0].record.map(norm);
  const col = new Map<Field, number>();
  const problems: string[] = [];
  for (const [field, names] of Object.entries(ALIASES) as [Field, string[]][]) {
    const i = header.findIndex((h) => names.includes(h));
    if (i >= 0) col.set(field, i);
  }
  // Canvas's gradebook export: the NetID is the SIS Login ID (grader/canvas-roster.ts).
  const canvas = isCanvasExport(rows[0].record);
  if (canvas && col.has('sisLoginId')) col.set('netid', col.get('sisLoginId')!);
  const missing = REQUIRED.filter((f) => !col.has(f));
  if (missing.length) {
    throw new UserError(
      `${shown}:1: the header has no ${missing.map((f) => (f === 'netid' ? 'NetID' : f)).join(' or ')} column`,
      `name the columns in the first line, e.g. NetID,name,email,repo,extension (found: ${rows[0].record.join(', ')})`,
    );
  }
  const seen = new Map<string, number>();
  const out: RosterEntry[] = [];
  for (const { record, info } of rows.slice(1)) {
    const line = info.lines;
    const get = (f: Field) => (col.has(f) ? (record[col.get(f)!] ?? '').trim() : '');
    if (record.every((v) => v.trim() === '')) continue;
    if (canvas && isCanvasMetaRow(record, col.get('name') ?? 0, col.get('canvasId') ?? 1)) continue;
    const netid = canvas ? netidFromLogin(get('netid')) : get('netid');
    const where = `${shown}:${line}`;
    if (!netid) {
      problems.push(`${where}: the NetID is empty`);
      continue;
    }
    if (!/^[A-Za-z0-9._-]+$/.test(netid))
      problems.push(`${where}: NetID ${JSON.stringify(netid)} may hold only letters, digits, ".", "_" and "-"`);
    const key = netid.toLowerCase();
    if (seen.has(key)) problems.push(`${where}: NetID ${netid} is listed twice (first on line ${seen.get(key)})`);
    else seen.set(key, line);
    const ext = parseExtension(get('extension'));
    if (ext === undefined)
      problems.push(`${where}: extension ${JSON.stringify(get('extension'))} is not a duration; write minutes (90) or 36h, 2d, 1d12h`);
    const e: RosterEntry = { netid, name: get('name') || netid, extensionMinutes: ext ?? 0, line };
    if (canvas && !get('email') && get('sisLoginId').includes('@')) e.email = get('sisLoginId');
    for (const f of ['email', 'repo', 'canvasId', 'sisUserId', 'sisLoginId', 'section'] as const) {
      const v = get(f);
      if (v) e[f] = v;
    }
    out.push(e);
  }
  if (problems.length) {
    throw new UserError(
      `${shown} has ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
      'correct each line listed above and run the command again',
      problems,
    );
  }
  return out;
}

/**
 * Reads and checks the roster. With `memo` (a file in the output folder's cache, and a salt naming
 * the harness build), the checked entries are kept there by the roster's hash, so a re-run of an
 * unchanged roster skips parsing it; only a roster without problems is kept.
 */
export async function loadRoster(file: string, shown = file, memo?: { file: string; salt: string }): Promise<RosterEntry[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new UserError(
      `cannot read the roster ${shown}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      'give the path of the roster CSV with --roster',
    );
  }
  if (!memo) return parseRoster(bytes, shown);
  const key = createHash('sha256').update(memo.salt).update('\0').update(bytes).digest('hex');
  try {
    const saved = JSON.parse(readFileSync(memo.file, 'utf8')) as { key?: string; entries?: RosterEntry[] };
    if (saved.key === key && Array.isArray(saved.entries)) return saved.entries;
  } catch {
    /* none yet, or unreadable: parse */
  }
  const entries = parseRoster(bytes, shown);
  try {
    writeDerivedSync(memo.file, JSON.stringify({ key, entries }));
  } catch {
    /* a cache that cannot be written only costs the next run a parse */
  }
  return entries;
}
