// secrets.scan: no AWS key, private key or credentials file in the files to hand in, nor in any
// file git tracks in the repository, nor in any file content the pushed history ever held (a key
// that was pushed and then deleted is still public to whoever can read the fork, and still works
// until it is deactivated). Hits name the file and line (and the commit, for history) and show
// the secret masked.
import path from 'node:path';
import { defineKind } from './kind.js';
import { Failure } from '../errors.js';
import { defaultFiles } from '../git.js';
import { diskVolume, type AssignmentFiles } from '../fsio.js';
import type { CheckContext } from '../context.js';
import { PersistentSet } from '../util/memo.js';
import { createScanner, describeSecret, scanBuffer, scanFile as scanDiskFile, scanName, type SecretHit } from '../secrets.js';

interface Params {
  scope?: 'submission' | 'repository' | 'both';
}

/** Hits listed in full; the rest are counted. */
const SHOWN = 10;
/** Files read at once. */
const PARALLEL = 16;

export default defineKind<Params>({
  kind: 'secrets.scan',
  spawns: true,
  // The files, and the history where there is one (a zip upload has none: its files alone are scanned).
  needs: 'files',
  title: (p) =>
    p.scope === 'submission'
      ? 'No AWS keys or private keys in the files you hand in'
      : 'No AWS keys or private keys in your files or your git repository',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      scope: {
        type: 'string',
        enum: ['submission', 'repository', 'both'],
        default: 'both',
        description:
          "What to scan: 'submission' = the required and optional files that exist; 'repository' = every file git tracks in the whole repository (only the submission outside git); 'both' (default).",
      },
    },
  },
  async run(ctx, params) {
    const scope = params.scope ?? 'both';
    const targets = new Map<string, string>(); // absolute path -> name shown to the student
    const show = (abs: string) => path.relative(ctx.spec.dir, abs).split(path.sep).join('/');
    let inRepo = false;
    let root = '';
    // Files git has as they are: their content is known by name, and read only if not known clean.
    const ids = new Map<string, string>();
    if (scope !== 'submission' && ctx.git) {
      const info = await ctx.git.repo(ctx.signal);
      if (info.ok) {
        inRepo = true;
        root = info.root;
        const unchanged = await ctx.git.unchangedIds(ctx.signal);
        for (const rel of await ctx.git.tracked(ctx.signal)) {
          const abs = path.join(info.root, rel);
          targets.set(abs, show(abs));
          const id = unchanged.get(rel);
          if (id) ids.set(abs, id);
        }
      }
    }
    if (scope !== 'repository' || !inRepo) {
      for (const rel of await defaultFiles(ctx)) targets.set(ctx.files.abs(rel), show(ctx.files.abs(rel)));
    }

    const hits: Hit[] = [];
    const entries = [...targets].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    for (let i = 0; i < entries.length; i += PARALLEL) {
      ctx.signal.throwIfAborted();
      const batch = await Promise.all(
        entries.slice(i, i + PARALLEL).map(([abs, name]) => scanFile(ctx.files, abs, name, ids.get(abs), ctx)),
      );
      for (const h of batch) hits.push(...h);
    }
    if (inRepo) {
      // What the pushed history held, beyond what is in the files now.
      const now = new Set(hits.map((h) => h.masked));
      for (const h of await historyHits(ctx, root, show)) if (!now.has(h.masked)) hits.push(h);
    }
    cleanBefore?.save();
    if (hits.length > 0) throw found(hits);
  },
});

/**
 * Hits in every file content of the pushed history. Each content is scanned once per process (a
 * batch shares the course's history across forks), and a content found clean is remembered across
 * runs in the cache folder (history never changes), so a student's repeated `check` reads only
 * what is new since the last one.
 */
async function historyHits(ctx: CheckContext, root: string, show: (abs: string) => string): Promise<Hit[]> {
  const out: Hit[] = [];
  cleanBefore ??= new PersistentSet('clean-contents');
  const clean = (id: string) => cleanBefore!.has(id) || byContent.get(id)?.length === 0;
  for await (const blob of ctx.git!.history(ctx.signal, clean)) {
    let found = byContent.get(blob.id);
    if (!found) {
      const big = blob.size && ctx.git!.blobChunks && blob.size() > STREAM_BYTES;
      found = (big ? await scanChunks(ctx.git!.blobChunks!(blob.id, ctx.signal)) : scanBuffer(await blob.read(), '')).map(
        ({ file: _, ...h }) => h,
      );
      if (byContent.size >= MAX_REMEMBERED) byContent.clear();
      byContent.set(blob.id, found);
      if (!found.length) cleanBefore.add(blob.id);
    }
    if (!found.length) continue;
    const commit = await ctx.git!.commitOf(blob.id, ctx.signal);
    const name = `${show(path.join(root, blob.path))}${commit ? ` (commit ${commit})` : ''}`;
    for (const h of found) out.push({ file: name, ...h, history: true });
  }
  cleanBefore.save();
  return out;
}

/** File contents found clean by earlier runs (see historyHits). */
let cleanBefore: PersistentSet | undefined;

/**
 * What a file's content holds, by content name (git's blob name, when the files come from a
 * commit): a batch scans each distinct file once, so the course's own files, the same in every
 * fork, are read and scanned for the first student only. Hits are kept without the file's name.
 */
const byContent = new Map<string, Omit<SecretHit, 'file'>[]>();
const MAX_REMEMBERED = 100_000;

/** The name check, then the contents of a regular file (not a link: git stores only its target). */
async function scanFile(
  files: AssignmentFiles,
  abs: string,
  name: string,
  knownId: string | undefined,
  ctx: CheckContext,
): Promise<SecretHit[]> {
  const hits: SecretHit[] = [];
  const byName = scanName(name);
  if (byName) hits.push(byName);
  const id = files.contentId(abs) ?? knownId;
  cleanBefore ??= new PersistentSet('clean-contents');
  let found = id === undefined ? undefined : (byContent.get(id) ?? (cleanBefore.has(id) ? [] : undefined));
  if (!found) {
    const got = await contents(files, abs, id, ctx);
    found = got ? got.map(({ file: _, ...h }) => h) : [];
    if (id !== undefined && got) {
      if (byContent.size >= MAX_REMEMBERED) byContent.clear();
      byContent.set(id, found);
      if (!found.length) cleanBefore.add(id);
    }
  }
  for (const h of found) hits.push({ file: name, ...h });
  return hits;
}

/**
 * The hits in a regular file (not a link), all of it: streamed from the disk in bounded memory;
 * a volume held in memory (a commit read from git objects) already holds the bytes. Undefined
 * when there is no such file or it cannot be read (other checks say so).
 */
async function contents(files: AssignmentFiles, abs: string, id: string | undefined, ctx: CheckContext): Promise<SecretHit[] | undefined> {
  const l = files.volume.lstat(abs);
  if (!l || l.type !== 'file') return undefined;
  if (files.volume === diskVolume)
    return scanDiskFile(abs, '').then(
      (r) => r.hits,
      () => undefined,
    );
  // A large file of a commit (a committed data set) is streamed from git, not inflated whole.
  if (id !== undefined && l.size > STREAM_BYTES && ctx.git?.blobChunks) return scanChunks(ctx.git.blobChunks(id, ctx.signal));
  const buf = await files.peek(abs, l.size);
  return buf && scanBuffer(buf, '');
}

/**
 * Contents over this size that a commit's view can stream are scanned as git reads them: a batch of
 * forks each with a 100 MB data set then holds a chunk of each, not the whole (bench/grade-bigdata).
 */
const STREAM_BYTES = 8 * 1024 * 1024;

/** Every secret in a stream of chunks. A read that fails throws: the scan could not finish. */
async function scanChunks(chunks: AsyncIterable<Buffer>): Promise<SecretHit[]> {
  const s = createScanner('');
  for await (const c of chunks) s.write(c);
  return s.end();
}

type Hit = SecretHit & { history?: boolean };

function where(h: Hit): string {
  return h.line > 0 ? `${h.file}:${h.line}` : h.file;
}

function found(hits: Hit[]): Failure {
  const first = hits[0];
  const lines = hits.slice(0, SHOWN).map((h) => `${where(h)}: ${describeSecret(h.type)} (${h.masked})`);
  if (hits.length > SHOWN) lines.push(`and ${hits.length - SHOWN} more`);
  const rationale =
    hits.length === 1
      ? `${where(first)} looks like ${describeSecret(first.type)} (${first.masked}), which must never be handed in or committed.`
      : `${hits.length} things look like keys, tokens, passwords or credentials files, which must never be handed in or committed; the first is ${where(first)}.`;
  const inFolder = !first.file.startsWith('../') && !first.history;
  const pushed = hits.some((h) => h.history);
  return new Failure({
    // The reason code says what kind of secret, so an instructor can count AWS keys apart.
    code: hits.some((h) => h.type.startsWith('aws-'))
      ? 'aws-key'
      : hits.some((h) => h.type === 'private-key')
        ? 'private-key'
        : hits.every((h) => h.type === 'credentials-file')
          ? 'credentials-file'
          : 'secret-found',
    rationale:
      pushed && hits.every((h) => h.history)
        ? `${rationale.replace(/, which must never be handed in or committed/, '')} It is no longer in your files, but it is in the history you pushed, where anyone who can read your fork finds it.`
        : rationale,
    hint:
      (pushed
        ? 'Deactivate this key now (IAM console → your user → Security credentials), then make a new one: deleting the file does not undo a push. '
        : '') +
      'Delete the secret (or the file). If it is an AWS key, deactivate it and make a new one in the IAM console NOW: ' +
      'a key that was ever pushed is compromised. Then remove it from git history (git filter-repo or BFG), ' +
      'and keep keys in ~/.aws/credentials, never in the repository.',
    actual: hits.length === 1 ? undefined : lines.join('\n'),
    file: inFolder ? first.file : undefined,
    line: inFolder && first.line > 0 ? first.line : undefined,
  });
}
