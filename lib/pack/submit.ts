// Builds the submission zip: <NetID>-<ID>.zip holding <NetID>-<ID>/<files> and submission.json.
// Refuses (UserError) to pack secrets or links that leave the folder; never packs junk.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { AssignmentFiles } from '../fsio.js';
import { UserError } from '../errors.js';
import { writeZip } from './zip.js';
import { isJunk } from './junk.js';
import { scanFile, scanName, describeSecret as describe, type SecretHit } from '../secrets.js';
import { readFile, stat } from 'node:fs/promises';
import { CloneGit } from '../git.js';
import type { Identity } from '../usercfg.js';
import type { CheckResult, Spec, Summary } from '../types.js';

/** Per-file cap when hashing and scanning; a larger file is refused, never packed unscanned. */
const MAX_SUBMIT_FILE = 256 * 1024 * 1024;

export interface SubmissionFile {
  path: string;
  bytes: number;
  sha256: string;
}

export interface SubmissionResult {
  zipPath: string;
  bytes: number;
  sha256: string;
  entries: string[];
  missing: string[];
  files: SubmissionFile[];
}

export interface SubmitInput {
  spec: Spec;
  identity: Identity;
  results: CheckResult[];
  summary: Summary;
  version: string;
}

export async function buildSubmission(input: SubmitInput): Promise<SubmissionResult> {
  const { spec, identity } = input;
  const fa = new AssignmentFiles(spec.dir);
  const base = `${identity.netid}-${spec.id}`;
  const zipPath = path.join(spec.dir, `${base}.zip`);
  const wanted = [...spec.files.required, ...spec.files.optional].filter((f) => !isJunk(f));

  const missing: string[] = [];
  const present: { rel: string; abs: string }[] = [];
  for (const rel of wanted) {
    const info = await fa.info(rel);
    if (info.type === 'missing') {
      if (spec.files.required.includes(rel)) missing.push(rel);
      continue;
    }
    if (info.outside) {
      throw new UserError(
        `${rel} is a link to a file outside the assignment folder; no zip was written`,
        `replace the link with a copy of the file: cp --remove-destination "$(readlink -f ${rel})" ${rel}`,
      );
    }
    if (info.type !== 'file') {
      throw new UserError(
        `${rel} is ${info.type === 'directory' ? 'a folder' : 'not a regular file'}, but a file is expected; no zip was written`,
        `put your answer in a file called ${rel}`,
      );
    }
    if (info.size > MAX_SUBMIT_FILE) {
      throw new UserError(
        `${rel} is larger than ${MAX_SUBMIT_FILE / 1024 / 1024} MB; no zip was written`,
        'hand in the answer, not raw data; large outputs belong on S3',
      );
    }
    present.push({ rel, abs: info.abs });
  }

  // Hash and scan every file before anything is written.
  // What git would store: a text file whose Windows line endings git turns into LF on commit is
  // packed with LF, so the zip holds what the fork would (the grader judges both the same way).
  const git = new CloneGit(
    spec.dir,
    present.map((f) => f.rel),
  );
  const files: SubmissionFile[] = [];
  const hits: SecretHit[] = [];
  for (const f of present) {
    const nameHit = scanName(f.rel);
    if (nameHit) hits.push(nameHit);
    // One read per file: hashed and scanned (all of it) in the same pass, in bounded memory.
    const hash = createHash('sha256');
    const scanned = await scanFile(f.abs, f.rel, (chunk) => hash.update(chunk));
    hits.push(...scanned.hits);
    files.push({ path: f.rel, bytes: scanned.bytes, sha256: hash.digest('hex') });
  }
  if (hits.length) {
    const first = hits[0];
    throw new UserError(
      `${first.file}${first.line ? `:${first.line}` : ''} looks like it holds ${describe(first.type)} (${first.masked}); no zip was written`,
      'remove it from the file; if it is an AWS key that was ever committed or pushed, deactivate it in the IAM console now and make a new one',
      hits.slice(1, 10).map((h) => `also: ${h.file}${h.line ? `:${h.line}` : ''}: ${describe(h.type)} (${h.masked})`),
    );
  }

  const record = {
    harness: input.version,
    assignment: spec.id,
    specHash: spec.hash,
    student: { netid: identity.netid, name: identity.name ?? null, email: identity.email },
    git: await gitState(
      spec.dir,
      present.map((f) => f.rel),
    ),
    files,
    missing,
    results: input.results.map((r) => ({ id: r.id, status: r.status, points: r.points, maxPoints: r.maxPoints })),
    summary: input.summary,
  };
  const entries = [
    ...(await Promise.all(present.map(async (f) => ({ name: `${base}/${f.rel}`, source: await asCommitted(git, f) })))),
    { name: `${base}/submission.json`, source: Buffer.from(JSON.stringify(record, null, 2) + '\n') },
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const z = await writeZip(zipPath, entries);
  return { zipPath, bytes: z.bytes, sha256: z.sha256, entries: entries.map((e) => e.name), missing, files };
}

/** Largest file whose line endings are normalized as git would (answer files are small). */
const MAX_NORMALIZE = 64 * 1024 * 1024;

/** The file's path, or its bytes with CRLF turned into LF when git would do so on commit. */
async function asCommitted(git: CloneGit, f: { rel: string; abs: string }): Promise<string | Buffer> {
  const { size } = await stat(f.abs);
  if (size > MAX_NORMALIZE || !(await git.normalizesEol(f.rel))) return f.abs;
  const buf = await readFile(f.abs);
  if (!buf.includes(0x0d) || buf.subarray(0, 8192).includes(0)) return f.abs;
  const text = buf.toString('latin1');
  return text.includes('\r\n') ? Buffer.from(text.replace(/\r\n/g, '\n'), 'latin1') : f.abs;
}

/** The commit the files came from, and whether the packed files differ from it; null outside git. */
function gitState(dir: string, files: string[]): Promise<{ commit: string; dirty: boolean } | null> {
  const run = (args: string[]) =>
    new Promise<string | null>((resolve) => {
      execFile('git', args, { cwd: dir, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' } }, (err, out) =>
        resolve(err ? null : out.trim()),
      );
    });
  return Promise.all([run(['rev-parse', 'HEAD']), run(['status', '--porcelain', '--', ...files])]).then(([commit, status]) =>
    commit ? { commit, dirty: Boolean(status) } : null,
  );
}
