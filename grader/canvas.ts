// Reads Canvas's "Download Submissions" zip (or its unpacked folder): one file per upload, named
// `<lastfirst>[_LATE]_<user id>_<attachment id>_<original>` or `[LATE_]anon_<id>_<attachment id>_<original>`
// (see docs/reference/formats.md). Each file is mapped to a student, the latest upload wins,
// and each student's zip is unpacked safely into `workDir/<netid>/`.
import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { isJunk } from '../lib/pack/junk.js';
import { safeFileName } from './export/index.js';
import type { RosterEntry } from './types.js';
import { safeUnzip, type UnzipLimits } from './unzip.js';

export interface CanvasName {
  /** The file name as Canvas wrote it. */
  file: string;
  /** Sortable name, lower-cased ("obriensmithjosé"); absent under anonymous grading. */
  lastfirst?: string;
  /** Canvas user id, or `anon_<id>` under anonymous grading. */
  userId: string;
  anonymous: boolean;
  late: boolean;
  /** Absent for text and URL entries. */
  attachmentId?: number;
  /** The student's own file name, or `text.html` / `link.html`. */
  original: string;
  kind: 'file' | 'text' | 'link';
  /** The original name without a re-upload suffix (`qz417-A1-1.zip` → `qz417-A1.zip`). */
  logical: string;
  /** The re-upload number (`-1` → 1), 0 when there is none. */
  reupload: number;
}

const FILE = /^(.+?)(_LATE)?_(\d+)_(\d+)_(.+)$/su;
const ENTRY = /^(.+?)(_LATE)?_(\d+)_(text|link)\.html$/su;
const ANON_FILE = /^(LATE_)?anon_([^_]+)_(\d+)_(.+)$/su;
const ANON_ENTRY = /^(LATE_)?anon_([^_]+)_(text|link)\.html$/su;
const REUPLOAD = /^(.+?)-(\d{1,3})(\.[^.]*)?$/su;

function splitReupload(original: string): { logical: string; reupload: number } {
  const m = REUPLOAD.exec(original);
  return m ? { logical: m[1] + (m[3] ?? ''), reupload: Number(m[2]) } : { logical: original, reupload: 0 };
}

/** Parses one Canvas file name; fixed tokens are taken from the left and the rest kept whole. */
export function parseCanvasName(file: string): CanvasName | undefined {
  const name = file.normalize('NFC');
  let m: RegExpExecArray | null;
  const entry = (kind: 'text' | 'link') => ({ original: `${kind}.html`, kind, logical: `${kind}.html`, reupload: 0 });
  if ((m = ANON_ENTRY.exec(name))) return { file, userId: `anon_${m[2]}`, anonymous: true, late: !!m[1], ...entry(m[3] as 'text') };
  if ((m = ANON_FILE.exec(name)))
    return {
      file,
      userId: `anon_${m[2]}`,
      anonymous: true,
      late: !!m[1],
      attachmentId: Number(m[3]),
      original: m[4],
      kind: 'file',
      ...splitReupload(m[4]),
    };
  if ((m = ENTRY.exec(name))) return { file, lastfirst: m[1], userId: m[3], anonymous: false, late: !!m[2], ...entry(m[4] as 'text') };
  if ((m = FILE.exec(name)))
    return {
      file,
      lastfirst: m[1],
      userId: m[3],
      anonymous: false,
      late: !!m[2],
      attachmentId: Number(m[4]),
      original: m[5],
      kind: 'file',
      ...splitReupload(m[5]),
    };
  return undefined;
}

/** Canvas's sortable-name key: "O'Brien-Smith, José" → `obriensmithjosé`. */
export function lastfirstKey(sortable: string): string {
  return sortable
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_]/gu, '');
}

/** Keys a roster name may have in Canvas: "Last, First" as is; "First Last" turned around. */
function nameKeys(name: string): string[] {
  if (name.includes(',')) return [lastfirstKey(name)];
  const words = name.trim().split(/\s+/);
  const keys = [lastfirstKey(words.slice(-1).concat(words.slice(0, -1)).join(' '))];
  if (words.length > 2) keys.push(lastfirstKey(words.slice(-2).concat(words.slice(0, -2)).join(' ')));
  return keys;
}

export interface CanvasStudent {
  entry: RosterEntry;
  /** `workDir/<netid>`: the student's files, laid out as the assignment expects. */
  dir?: string;
  /** Files in `dir`, relative, sorted. */
  files: string[];
  /** The original name of the upload that was graded (the latest zip, else the latest file). */
  uploadedName: string;
  late: boolean;
  /** Why the upload could not be used as is (one or more sentences); grading may still go on. */
  problem?: string;
  canvasUserId: string;
  attachmentId?: number;
}

export interface IngestOptions {
  workDir: string;
  limits?: Partial<UnzipLimits>;
  /** The spec's file names: files found elsewhere in a zip are moved here by base name. */
  expected?: string[];
}

/** Whether the files (relative to `dir`) hold the same bytes; they were size-capped when unpacked. */
async function sameBytes(dir: string, rels: string[]): Promise<boolean> {
  const [first, ...rest] = await Promise.all(rels.map((r) => readFile(path.join(dir, r))));
  return rest.every((b) => b.equals(first));
}

async function walk(dir: string, base = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(path.join(dir, base), { withFileTypes: true })) {
    const rel = base ? `${base}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...(await walk(dir, rel)));
    else if (d.isFile()) out.push(rel);
  }
  return out;
}

/** Two or more files of an upload that could each be the answer `name`. */
export interface Copies {
  name: string;
  /** The one graded: the newest by the zip's own times; else an exact path, the shallowest, the first by name. */
  graded: string;
  /** Every candidate, as the zip names it, with its time in the zip (ms, see UnzipResult.modified). */
  all: { path: string; modified?: number }[];
}

export interface Arranged {
  /** Extracted path → where it goes in the student's folder. */
  moves: Map<string, string>;
  copies: Copies[];
}

/**
 * Where each extracted file should go: expected names by base name (a hand-made zip of another
 * layout still grades), else the zip's single top folder stripped. When several files could be the
 * same answer (`PS03/q1.txt` and `PS03 2/q1.txt` in a messy upload), the newest is graded and the
 * others are listed in `copies`, so the student is told.
 */
export function arrangeUpload(files: string[], expected: string[] = [], modified: Record<string, number> = {}): Arranged {
  const moves = new Map<string, string>();
  const copies: Copies[] = [];
  const tops = new Set(files.map((f) => (f.includes('/') ? f.split('/')[0] : '')));
  const strip = tops.size === 1 && !tops.has('') ? [...tops][0].length + 1 : 0;
  const taken = new Set<string>();
  const depth = (f: string) => f.split('/').length;
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const order = [...files].sort((a, b) => depth(a) - depth(b) || byName(a, b));
  for (const e of expected) {
    const cands = order.filter((f) => !moves.has(f) && (f.slice(strip) === e || path.posix.basename(f) === path.posix.basename(e)));
    if (cands.length === 0) continue;
    const exact = (f: string) => (f.slice(strip) === e ? 0 : 1);
    const ranked = [...cands].sort(
      (a, b) => (modified[b] ?? -Infinity) - (modified[a] ?? -Infinity) || exact(a) - exact(b) || depth(a) - depth(b) || byName(a, b),
    );
    moves.set(ranked[0], e);
    taken.add(e);
    if (cands.length > 1) copies.push({ name: e, graded: ranked[0], all: cands.map((f) => ({ path: f, modified: modified[f] })) });
  }
  for (const f of order) {
    if (moves.has(f)) continue;
    const to = f.slice(strip);
    if (taken.has(to)) continue;
    moves.set(f, to);
    taken.add(to);
  }
  return { moves, copies };
}

/** arrangeUpload without the times: where each extracted file goes. */
export const arrange = (files: string[], expected: string[] = []): Map<string, string> => arrangeUpload(files, expected).moves;

/** The sentence a student reads about copies that differ; identical copies need no word. */
export function copiesSentence(c: Copies): string {
  const when = (t?: number) => (t === undefined ? '' : ` (modified ${new Date(t).toISOString().slice(0, 19).replace('T', ' ')})`);
  const newest =
    c.all.every((x) => x.modified !== undefined) &&
    c.all.filter((x) => x.modified === c.all.find((y) => y.path === c.graded)!.modified).length === 1;
  const list = [...c.all]
    .sort((a, b) => Number(b.path === c.graded) - Number(a.path === c.graded))
    .map((x) => `"${x.path}"${when(x.modified)}`);
  return (
    `${c.name}: the upload holds ${c.all.length} different copies, ${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}; ` +
    (newest
      ? `the ${c.all.length === 2 ? 'newer' : 'newest'}, "${c.graded}", was graded`
      : `none is newer than the others, so "${c.graded}" (nearest the top of the zip's folders) was graded`)
  );
}

/**
 * Which roster student each Canvas user is. Canvas's own facts first: the user id (when the roster
 * has Canvas ids), then the sortable name Canvas wrote. A NetID in a file name is the student's own
 * claim: it is used only for a user Canvas's facts leave unmatched, only when no other user claims
 * or holds that student, and it is reported; a file named as another student's never replaces
 * that student's work.
 */
export function matchUsers(
  users: Map<string, CanvasName[]>,
  roster: RosterEntry[],
): { byUser: Map<string, RosterEntry>; notes: Map<string, string>; conflicts: string[]; disputed: Set<string> } {
  const byUser = new Map<string, RosterEntry>();
  const holder = new Map<RosterEntry, string>();
  const notes = new Map<string, string>();
  const conflicts: string[] = [];
  const disputed = new Set<string>();
  const unmatched = () => [...users.keys()].filter((u) => !byUser.has(u) && !disputed.has(u));
  /** Gives each student the one user pointing at them; several users pointing at one student get none. */
  const settle = (
    pointing: Map<string, RosterEntry>,
    why: (users: string[], e: RosterEntry) => string,
    note?: (u: string, e: RosterEntry) => string,
  ) => {
    const at = new Map<RosterEntry, string[]>();
    for (const [u, e] of pointing) (at.get(e) ?? at.set(e, []).get(e)!).push(u);
    for (const [e, us] of at) {
      if (us.length === 1 && !holder.has(e)) {
        byUser.set(us[0], e);
        holder.set(e, us[0]);
        if (note) notes.set(us[0], note(us[0], e));
      } else {
        for (const u of us) disputed.add(u);
        conflicts.push(why(us, e));
      }
    }
  };
  // 1. Canvas user id.
  const byId = new Map<string, RosterEntry>();
  for (const u of users.keys()) {
    const e = roster.find((r) => r.canvasId && r.canvasId === u);
    if (e) byId.set(u, e);
  }
  settle(byId, (us, e) => `Canvas users ${us.join(' and ')} both have ${e.netid}'s Canvas id`);
  // 2. The sortable name Canvas wrote.
  const byName = new Map<string, RosterEntry>();
  for (const u of unmatched()) {
    const key = users.get(u)![0].lastfirst;
    const hits = key ? roster.filter((r) => !holder.has(r) && nameKeys(r.name).includes(key)) : [];
    if (hits.length === 1) byName.set(u, hits[0]);
  }
  settle(byName, (us, e) => `Canvas users ${us.join(' and ')} both have ${e.netid}'s name: tell them apart with Canvas ids in the roster`);
  // 3. A NetID in the file names: the student's own claim, for users still unmatched.
  const byFile = new Map<string, RosterEntry>();
  for (const u of unmatched()) {
    const named = new Set(users.get(u)!.flatMap((p) => roster.filter((r) => tokensOf(p.original).has(r.netid.toLowerCase()))));
    if (named.size === 1) byFile.set(u, [...named][0]);
  }
  settle(
    byFile,
    (us, e) =>
      `${us.map((u) => `Canvas user ${u}`).join(' and ')} uploaded files named as ${e.netid}'s${holder.has(e) ? `, who is Canvas user ${holder.get(e)}` : ''}: not trusted`,
    (u, e) => `matched to ${e.netid} by the NetID in the file name only (Canvas user ${u}); check it, or add Canvas ids to the roster`,
  );
  // A matched user whose files claim another student's NetID: reported on the student's own work.
  for (const [u, e] of byUser) {
    const others = new Set(
      users.get(u)!.flatMap((p) => roster.filter((r) => r !== e && tokensOf(p.original).has(r.netid.toLowerCase())).map((r) => r.netid)),
    );
    if (others.size && !notes.has(u))
      notes.set(u, `uploaded a file named as ${[...others].join(', ')}'s; graded as ${e.netid}, whom Canvas names`);
  }
  return { byUser, notes, conflicts, disputed };
}

const tokensOf = (name: string) => new Set(name.toLowerCase().split(/[^\p{L}\p{N}]+/u));

/** Without a roster: the NetID from a `harness submit` zip name (`qz417-A1.zip`), else the Canvas id. */
function guessEntry(uploads: CanvasName[]): RosterEntry {
  const p = uploads[0];
  const netids = uploads.map((u) => /^([a-z]{1,8}\d{1,6})-[^.]*\.zip$/i.exec(u.original)?.[1]).filter(Boolean);
  return {
    netid: netids.length ? netids[netids.length - 1]!.toLowerCase() : p.anonymous ? p.userId : `canvas-${p.userId}`,
    name: p.lastfirst ?? p.userId,
    canvasId: p.anonymous ? undefined : p.userId,
    extensionMinutes: 0,
  };
}

const newer = (a: CanvasName, b: CanvasName) => (a.attachmentId ?? 0) - (b.attachmentId ?? 0) || a.reupload - b.reupload;
const isZip = (p: CanvasName) => /\.zip$/i.test(p.original);

export async function ingestCanvasDownload(
  pathToZipOrFolder: string,
  roster: RosterEntry[] | undefined,
  opts: IngestOptions,
): Promise<{ students: CanvasStudent[]; unmatched: string[] }> {
  const work = path.resolve(opts.workDir);
  let folder = path.resolve(pathToZipOrFolder);
  const unmatched: string[] = [];
  if ((await stat(folder)).isFile()) {
    // The whole class's download: room for every upload, but still bounded.
    const dl = path.join(work, '.canvas-download');
    await rm(dl, { recursive: true, force: true });
    const r = await safeUnzip(folder, dl, { maxEntries: 20000, maxTotalBytes: 4 * 1024 ** 3, maxRatio: 1000 });
    unmatched.push(...r.problems.map((p) => `${path.basename(folder)}: ${p}`));
    folder = dl;
  }
  // Uploads group by Canvas user (one uploader, whatever the files are called); with a roster each
  // user is matched to a student (matchUsers), without one named from its files afterwards.
  const users = new Map<string, CanvasName[]>();
  for (const rel of (await walk(folder)).sort()) {
    if (isJunk(rel)) continue;
    const p = parseCanvasName(path.posix.basename(rel));
    if (!p) {
      unmatched.push(rel);
      continue;
    }
    p.file = rel;
    (users.get(p.userId) ?? users.set(p.userId, []).get(p.userId)!).push(p);
  }
  const groups = new Map<string, { entry?: RosterEntry; uploads: CanvasName[]; note?: string }>();
  if (roster) {
    const m = matchUsers(users, roster);
    unmatched.push(...m.conflicts);
    for (const [user, ups] of users) {
      const entry = m.byUser.get(user);
      if (!entry) {
        if (!m.disputed.has(user)) unmatched.push(...ups.map((u) => u.file));
        continue;
      }
      const g = groups.get(entry.netid) ?? { entry, uploads: [], note: m.notes.get(user) };
      g.uploads.push(...ups);
      groups.set(entry.netid, g);
    }
  } else {
    for (const [user, ups] of users) groups.set(user, { uploads: ups });
  }
  const used = new Set<string>();
  const named = [...groups.values()].map((g) => {
    const entry = g.entry ?? guessEntry(g.uploads.sort(newer));
    // Two Canvas users handing in the same `<netid>-A1.zip` must not share (and overwrite) one folder.
    if (used.has(entry.netid)) entry.netid = `${entry.netid}-${g.uploads[0].userId}`;
    used.add(entry.netid);
    return { entry, uploads: g.uploads, note: g.note };
  });

  const students: CanvasStudent[] = [];
  for (const { entry, uploads, note } of named.sort((a, b) =>
    a.entry.netid < b.entry.netid ? -1 : a.entry.netid > b.entry.netid ? 1 : 0,
  )) {
    // The latest zip wins outright; otherwise the latest copy of each loose file.
    const zips = uploads.filter(isZip).sort(newer);
    const chosen: CanvasName[] = zips.length
      ? [zips[zips.length - 1]]
      : [...new Map(uploads.sort(newer).map((u) => [u.logical, u] as const)).values()];
    const latest = [...chosen].sort(newer).at(-1)!;
    const dir = path.join(work, safeFileName(entry.netid));
    const stage = path.join(work, '.stage', safeFileName(entry.netid));
    const problems: string[] = note ? [note] : [];
    const files: string[] = [];
    try {
      await rm(dir, { recursive: true, force: true });
      await rm(stage, { recursive: true, force: true });
      let extracted: string[] = [];
      let modified: Record<string, number> = {};
      if (zips.length) {
        const r = await safeUnzip(path.join(folder, latest.file), stage, opts.limits);
        extracted = r.files;
        modified = r.modified;
        problems.push(...r.problems.map((m) => `${latest.logical}: ${m}`));
      } else {
        await mkdir(stage, { recursive: true });
        for (const u of chosen) {
          if (u.logical === '.' || u.logical === '..' || isJunk(u.logical)) continue;
          await copyFile(path.join(folder, u.file), path.join(stage, u.logical));
          extracted.push(u.logical);
        }
      }
      const { moves, copies } = arrangeUpload(extracted, opts.expected, modified);
      for (const c of copies)
        if (
          !(await sameBytes(
            stage,
            c.all.map((x) => x.path),
          ))
        )
          problems.push(copiesSentence(c));
      for (const [from, to] of moves) {
        await mkdir(path.dirname(path.join(dir, to)), { recursive: true });
        await rename(path.join(stage, from), path.join(dir, to));
        files.push(to);
      }
      await mkdir(dir, { recursive: true });
      await rm(stage, { recursive: true, force: true });
    } catch (e) {
      // A disk or permission problem with one upload is that student's problem, not the batch's.
      problems.push(`${latest.original}: could not be unpacked (${e instanceof Error ? e.message : String(e)})`);
    }
    students.push({
      entry,
      dir,
      files: files.sort(),
      uploadedName: latest.original,
      late: latest.late,
      problem: problems.length ? problems.join('; ') : undefined,
      canvasUserId: latest.userId,
      attachmentId: latest.attachmentId,
    });
  }
  await rm(path.join(work, '.stage'), { recursive: true, force: true });
  await rm(path.join(work, '.canvas-download'), { recursive: true, force: true });
  return { students, unmatched };
}
