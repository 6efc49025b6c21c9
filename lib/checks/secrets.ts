// secrets.scan: no AWS key, private key or credentials file in the files to hand in, nor in any
// file git tracks in the repository. Hits name the file and line and show the secret masked.
import path from 'node:path';
import { defineKind } from './kind.js';
import { Failure } from '../errors.js';
import { defaultFiles, repoInfo, trackedFiles } from '../git.js';
import { diskVolume, type AssignmentFiles } from '../fsio.js';
import { describeSecret, scanBuffer, scanFile as scanDiskFile, scanName, type SecretHit } from '../secrets.js';

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
    if (scope !== 'submission') {
      const info = await repoInfo(ctx.spec.dir, ctx.signal);
      if (info.ok) {
        inRepo = true;
        for (const rel of await trackedFiles(info.root, ctx.signal)) {
          const abs = path.join(info.root, rel);
          targets.set(abs, show(abs));
        }
      }
    }
    if (scope !== 'repository' || !inRepo) {
      for (const rel of await defaultFiles(ctx)) targets.set(ctx.files.abs(rel), show(ctx.files.abs(rel)));
    }

    const hits: SecretHit[] = [];
    const entries = [...targets].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    for (let i = 0; i < entries.length; i += PARALLEL) {
      ctx.signal.throwIfAborted();
      const batch = await Promise.all(entries.slice(i, i + PARALLEL).map(([abs, name]) => scanFile(ctx.files, abs, name)));
      for (const h of batch) hits.push(...h);
    }
    if (hits.length > 0) throw found(hits);
  },
});

/**
 * What a file's content holds, by content name (git's blob name, when the files come from a
 * commit): a batch scans each distinct file once, so the course's own files, the same in every
 * fork, are read and scanned for the first student only. Hits are kept without the file's name.
 */
const byContent = new Map<string, Omit<SecretHit, 'file'>[]>();
const MAX_REMEMBERED = 100_000;

/** The name check, then the contents of a regular file (not a link: git stores only its target). */
async function scanFile(files: AssignmentFiles, abs: string, name: string): Promise<SecretHit[]> {
  const hits: SecretHit[] = [];
  const byName = scanName(name);
  if (byName) hits.push(byName);
  const id = files.contentId(abs);
  let found = id === undefined ? undefined : byContent.get(id);
  if (!found) {
    const got = await contents(files, abs);
    found = got ? got.map(({ file: _, ...h }) => h) : [];
    if (id !== undefined && got) {
      if (byContent.size >= MAX_REMEMBERED) byContent.clear();
      byContent.set(id, found);
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
async function contents(files: AssignmentFiles, abs: string): Promise<SecretHit[] | undefined> {
  const l = files.volume.lstat(abs);
  if (!l || l.type !== 'file') return undefined;
  if (files.volume === diskVolume) return scanDiskFile(abs, '').then((r) => r.hits, () => undefined);
  const buf = await files.peek(abs, l.size);
  return buf && scanBuffer(buf, '');
}

function where(h: SecretHit): string {
  return h.line > 0 ? `${h.file}:${h.line}` : h.file;
}

function found(hits: SecretHit[]): Failure {
  const first = hits[0];
  const lines = hits.slice(0, SHOWN).map((h) => `${where(h)}: ${describeSecret(h.type)} (${h.masked})`);
  if (hits.length > SHOWN) lines.push(`and ${hits.length - SHOWN} more`);
  const rationale =
    hits.length === 1
      ? `${where(first)} looks like ${describeSecret(first.type)} (${first.masked}), which must never be handed in or committed.`
      : `${hits.length} things look like keys, tokens, passwords or credentials files, which must never be handed in or committed; the first is ${where(first)}.`;
  const inFolder = !first.file.startsWith('../');
  return new Failure({
    code: 'secret-found',
    rationale,
    hint:
      'Delete the secret (or the file). If it is an AWS key, deactivate it and make a new one in the IAM console NOW: ' +
      'a key that was ever pushed is compromised. Then remove it from git history (git filter-repo or BFG), ' +
      'and keep keys in ~/.aws/credentials, never in the repository.',
    actual: hits.length === 1 ? undefined : lines.join('\n'),
    file: inFolder ? first.file : undefined,
    line: inFolder && first.line > 0 ? first.line : undefined,
  });
}
