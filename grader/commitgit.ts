// The git facts of the commit being graded, for the checks (GitView, see lib/git.ts), read from
// the fork's objects in this process: no git process, no work tree. The commit stands for a fresh
// clone of it: on its branch, level with its upstream, nothing changed, `origin` the fork. History
// (author emails, every pushed file content) is walked only as far as a check asks.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gitBlobChunks, type GitView, type HistoryBlob, type ObjectState, type RepoInfo, type RepoStatus } from '../lib/git.js';
import { commitReader, emailsOf, LogWalk } from './gitops.js';
import { ObjectError, type CommitInfo, type ObjectStore } from './objects.js';
import { inflateFile } from './packio.js';
import { treeEntries, type CommitVolume } from './tree.js';

const TREE = 0o040000;
const LINK = 0o120000;
const GITLINK = 0o160000;
/** Commits walked for the history scan; a fork with more is scanned up to here. */
const MAX_HISTORY_COMMITS = 20_000;

export interface CommitGitOptions {
  store: ObjectStore;
  /** The bare mirror the store reads (for its refs). */
  mirror: string;
  /** The made-up absolute path the commit's tree appears at. */
  root: string;
  /** The assignment folder relative to the root: '' or ending in '/'. */
  prefix: string;
  commit: string;
  branch: string;
  /** The fork's URL (its `origin`). */
  url: string;
  tree: CommitVolume;
  /** Commits already parsed in this batch (a commit is the same in every fork). */
  known?: Map<string, CommitInfo>;
}

export class CommitGit implements GitView {
  private readonly read: (oid: string) => CommitInfo;
  private trackedSet?: Set<string>;
  /** Where the history scan met each content, for messages. */
  private seenIn = new Map<string, string>();

  constructor(private readonly o: CommitGitOptions) {
    this.read = commitReader(o.store, o.known);
  }

  async repo(): Promise<RepoInfo> {
    return { ok: true, root: this.o.root, prefix: this.o.prefix };
  }

  async remoteUrl(name: string): Promise<string | undefined> {
    return name === 'origin' ? this.o.url : undefined;
  }

  async status(): Promise<RepoStatus> {
    return { oid: this.o.commit, branch: this.o.branch, upstream: `origin/${this.o.branch}`, ahead: 0, behind: 0, changes: [] };
  }

  async authorEmails(): Promise<string[]> {
    return [...emailsOf(new LogWalk(this.read, this.o.commit))];
  }

  async authoredBy(email: string): Promise<boolean> {
    const want = email.trim().toLowerCase();
    // Walked only until the first match: usually the first commit.
    for (const e of emailsOf(new LogWalk(this.read, this.o.commit))) if (e.trim().toLowerCase() === want) return true;
    return false;
  }

  async tracked(): Promise<string[]> {
    return this.o.tree.tracked();
  }

  async objectStates(files: string[]): Promise<Map<string, ObjectState>> {
    this.trackedSet ??= new Set(this.o.tree.tracked());
    const states = new Map<string, ObjectState>();
    // A fresh clone: every tracked file is committed, and nothing is staged.
    for (const f of files)
      states.set(f, this.trackedSet.has(path.posix.normalize(this.o.prefix + f.replace(/\\/g, '/'))) ? 'committed' : 'untracked');
    return states;
  }

  /**
   * Every file content reachable from the fork's branches and tags (everything that was pushed),
   * each once: commits newest first, each tree walked once (a tree names its whole content).
   */
  async *history(signal?: AbortSignal, skip?: (id: string) => boolean): AsyncIterable<HistoryBlob> {
    const commits: string[] = [];
    const queued = new Set<string>();
    const queue = (oid: string) => {
      if (queued.has(oid)) return;
      queued.add(oid);
      commits.push(oid);
    };
    for (const tip of [this.o.commit, ...refTips(this.o.mirror, this.o.store)]) queue(tip);
    const trees = new Set<string>();
    const blobs = new Set<string>();
    for (let i = 0; i < commits.length && i < MAX_HISTORY_COMMITS; i++) {
      signal?.throwIfAborted();
      // A commit or tree that cannot be read throws ObjectError: the scan could not finish, which
      // makes the student incomplete (a damaged mirror), never a pass.
      const c = this.read(commits[i]);
      for (const p of c.parents) queue(p);
      const stack: [string, string][] = [[c.tree, '']];
      while (stack.length) {
        const [oid, at] = stack.pop()!;
        if (trees.has(oid)) continue;
        trees.add(oid);
        for (const e of treeEntries(this.o.store, oid)) {
          const rel = at ? `${at}/${e.name}` : e.name;
          if (e.mode === TREE) stack.push([e.oid, rel]);
          else if (e.mode !== GITLINK && e.mode !== LINK && !blobs.has(e.oid)) {
            blobs.add(e.oid);
            this.seenIn.set(e.oid, c.oid);
            if (skip?.(e.oid)) continue;
            const store = this.o.store;
            yield { id: e.oid, path: rel, read: async () => store.read(e.oid).data, size: () => store.size(e.oid) };
          }
        }
      }
    }
  }

  /**
   * A large blob's bytes as a stream: inflated from its pack or loose file in this process (on
   * zlib's thread pool), or, for one stored as a delta, as `git cat-file` builds it.
   */
  blobChunks(id: string, signal?: AbortSignal): AsyncIterable<Buffer> {
    const at = this.o.store.whole(id);
    if (!at) return gitBlobChunks(this.o.mirror, id, signal);
    return inflateFile(at.file, at.from, at.end, at.skip, at.size, `object ${id.slice(0, 12)}`, signal);
  }

  async unchangedIds(): Promise<Map<string, string>> {
    return new Map(); // the commit's volume names every content itself
  }

  async normalizesEol(): Promise<boolean> {
    return false; // a commit's bytes are what is graded
  }

  async commitOf(id: string): Promise<string | undefined> {
    return this.seenIn.get(id)?.slice(0, 7);
  }
}

/** The commits the mirror's branches and tags point at (tags peeled), read from its ref files. */
function refTips(mirror: string, store: ObjectStore): string[] {
  const names = new Map<string, string>();
  try {
    for (const line of readFileSync(path.join(mirror, 'packed-refs'), 'utf8').split('\n')) {
      const m = /^([0-9a-f]{40}) (refs\/(?:heads|tags)\/.+)$/.exec(line);
      if (m) names.set(m[2], m[1]);
    }
  } catch {
    /* no packed refs */
  }
  const walk = (rel: string) => {
    let entries;
    try {
      entries = readdirSync(path.join(mirror, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else {
        try {
          const v = readFileSync(path.join(mirror, r), 'utf8').trim();
          if (/^[0-9a-f]{40}$/.test(v)) names.set(r, v);
        } catch {
          /* a ref being written */
        }
      }
    }
  };
  walk('refs/heads');
  walk('refs/tags');
  const out: string[] = [];
  for (let oid of names.values()) {
    try {
      for (let hops = 0; hops < 5; hops++) {
        const o = store.read(oid);
        if (o.type === 'commit') {
          out.push(oid);
          break;
        }
        if (o.type !== 'tag') break;
        const m = /^object ([0-9a-f]{40})$/m.exec(o.data.toString('latin1'));
        if (!m) break;
        oid = m[1];
      }
    } catch (e) {
      if (!(e instanceof ObjectError)) throw e;
    }
  }
  return out.sort();
}
