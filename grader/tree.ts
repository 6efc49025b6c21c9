// One commit's files, read from git objects, as a Volume: the checks see the tree exactly as a
// checkout would lay it out (files, executable bits, symbolic links, submodules as empty folders)
// under a path that exists only in memory. Nothing is written; a link is followed only within the
// tree, and a link that leaves it leads nowhere (the checks report it as a link out of the folder).
import path from 'node:path';
import { Failure } from '../lib/errors.js';
import { formatBytes, type Volume, type VolumeEntry } from '../lib/fsio.js';
import { ObjectError, parseTree, type ObjectStore, type TreeEntry } from './objects.js';

const TREE = 0o040000;
const LINK = 0o120000;
const GITLINK = 0o160000;
/** A fork with more tracked paths than this is refused (a checkout of it would be unreasonable too). */
export const MAX_TREE_ENTRIES = 200_000;
const parsedTrees = new Map<string, TreeEntry[]>();
const MAX_PARSED_TREES = 20_000;

/** A path with '.', '..' or empty segments: resolved the slow way. */
const DOTTY = /\/\.{0,2}(\/|$)|\/\//;
/** Links followed in one lookup before giving up, as the kernel does (ELOOP). */
const MAX_HOPS = 40;

interface Node {
  mode: number;
  oid: string;
  /** Children's names, for folders. */
  names?: string[];
}

/**
 * A tree's entries. A tree is the same wherever it is, so they are kept across students: the
 * course's own folders (most of a real fork) are parsed once a batch, not once a student.
 */
export function treeEntries(store: ObjectStore, oid: string, shown = oid.slice(0, 12)): TreeEntry[] {
  let list = parsedTrees.get(oid);
  if (!list) {
    const obj = store.read(oid);
    if (obj.type !== 'tree') throw new ObjectError(`${shown} is a ${obj.type}, not a tree`);
    list = parseTree(oid, obj.data);
    if (parsedTrees.size >= MAX_PARSED_TREES) parsedTrees.clear();
    parsedTrees.set(oid, list);
  }
  return list;
}

export class CommitVolume implements Volume {
  private nodes = new Map<string, Node>();
  private readonly prefix: string;

  /** `root`: the (made-up) absolute path the tree appears at. */
  constructor(
    private readonly store: ObjectStore,
    readonly root: string,
    treeOid: string,
  ) {
    this.prefix = root.endsWith(path.sep) ? root : root + path.sep;
    this.nodes.set('', { mode: TREE, oid: treeOid });
    this.load('', treeOid);
  }

  private load(prefix: string, oid: string): void {
    const names: string[] = [];
    for (const e of this.entries(prefix, oid)) {
      // A name git itself would refuse to check out is left out, as a checkout would fail on it.
      if (!e.name || e.name === '.' || e.name === '..' || e.name.includes('/') || e.name.toLowerCase() === '.git') continue;
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (this.nodes.size >= MAX_TREE_ENTRIES) throw new ObjectError(`the commit holds more than ${MAX_TREE_ENTRIES} files`);
      names.push(e.name);
      this.nodes.set(rel, { mode: e.mode, oid: e.oid });
      if (e.mode === TREE) this.load(rel, e.oid);
    }
    this.nodes.get(prefix)!.names = names;
  }

  private entries(prefix: string, oid: string): TreeEntry[] {
    return treeEntries(this.store, oid, prefix || 'the root');
  }

  /** Every tracked path (files, links, submodules), '/'-separated and sorted as `git ls-files` sorts. */
  tracked(): string[] {
    const out: string[] = [];
    for (const [rel, n] of this.nodes) if (rel && n.mode !== TREE) out.push(rel);
    return out.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  /** `abs` as a path inside the tree, or undefined when it lies outside. */
  private relOf(abs: string): string | undefined {
    // The usual case, a clean absolute path under the root, without path.resolve's cost.
    if (abs === this.root) return '';
    if (abs.startsWith(this.prefix) && !DOTTY.test(abs) && !abs.endsWith('/')) return abs.slice(this.prefix.length);
    const r = path.relative(this.root, path.resolve(abs));
    if (r === '') return '';
    if (r === '..' || r.startsWith(`..${path.sep}`) || path.isAbsolute(r)) return undefined;
    return r.split(path.sep).join('/');
  }

  /**
   * Resolves links along `abs` (all of them, or all but the last component): the absolute path it
   * leads to, which may lie outside the tree; undefined when a component is missing.
   */
  private resolved = new Map<string, string | undefined>();

  private resolve(abs: string, followLast: boolean): string | undefined {
    // Checks ask about the same few paths many times (lstat, realpath, stat, read).
    const key = followLast ? abs : `\0${abs}`;
    if (this.resolved.has(key)) return this.resolved.get(key);
    const r = this.walk(abs, followLast, 0);
    this.resolved.set(key, r);
    return r;
  }

  private walk(abs: string, followLast: boolean, hops: number): string | undefined {
    const rel = this.relOf(abs);
    if (rel === undefined) return path.resolve(abs);
    if (rel === '') return this.root;
    const parts = rel.split('/');
    let cur = '';
    for (let i = 0; i < parts.length; i++) {
      const next = cur ? `${cur}/${parts[i]}` : parts[i];
      const node = this.nodes.get(next);
      if (!node) return undefined;
      const last = i === parts.length - 1;
      if (node.mode === LINK && (!last || followLast)) {
        if (hops >= MAX_HOPS) return undefined;
        const target = this.linkTarget(node);
        const joined = path.resolve(this.root, cur, target, ...parts.slice(i + 1));
        return this.walk(joined, followLast, hops + 1);
      }
      if (!last && node.mode !== TREE && node.mode !== GITLINK) return undefined; // a file used as a folder
      cur = next;
    }
    return path.join(this.root, ...cur.split('/'));
  }

  private linkTarget(node: Node): string {
    return this.store.read(node.oid).data.toString('utf8');
  }

  private nodeAt(abs: string | undefined): Node | undefined {
    if (abs === undefined) return undefined;
    const rel = this.relOf(abs);
    return rel === undefined ? undefined : this.nodes.get(rel);
  }

  private entry(node: Node): VolumeEntry {
    if (node.mode === TREE || node.mode === GITLINK) return { type: 'directory', size: 0, executable: false };
    if (node.mode === LINK) return { type: 'symlink', size: this.store.size(node.oid), executable: false };
    return { type: 'file', size: this.store.size(node.oid), executable: (node.mode & 0o111) !== 0 };
  }

  lstat(abs: string): VolumeEntry | undefined {
    const parent = this.resolve(path.dirname(path.resolve(abs)), true);
    if (parent === undefined) return undefined;
    const node = this.nodeAt(path.join(parent, path.basename(abs)));
    return node && this.entry(node);
  }

  stat(abs: string): VolumeEntry | undefined {
    const node = this.nodeAt(this.resolve(abs, true));
    return node && this.entry(node);
  }

  realpath(abs: string): string | undefined {
    const r = this.resolve(abs, true);
    // Outside the tree there is nothing to check, so a path there is only as real as it looks.
    return r !== undefined && (this.relOf(r) === undefined || this.nodes.has(this.relOf(r)!)) ? r : undefined;
  }

  readdir(abs: string): string[] {
    const node = this.nodeAt(this.resolve(abs, true));
    return node?.names ? [...node.names] : [];
  }

  contentId(abs: string): string | undefined {
    const parent = this.resolve(path.dirname(path.resolve(abs)), true);
    const node = parent === undefined ? undefined : this.nodeAt(path.join(parent, path.basename(abs)));
    return node && node.mode !== TREE && node.mode !== GITLINK && node.mode !== LINK ? node.oid : undefined;
  }

  read(abs: string, rel: string, cap: number, partialOk = false): Buffer {
    const node = this.nodeAt(this.resolve(abs, true));
    if (!node) throw new Failure({ rationale: `${rel} is missing.`, file: rel });
    if (node.mode === TREE || node.mode === GITLINK)
      throw new Failure({ rationale: `${rel} is a folder, but a file is expected here.`, file: rel });
    const size = this.store.size(node.oid);
    if (size > cap && !partialOk)
      throw new Failure({ rationale: `${rel} is ${formatBytes(size)}, over the ${formatBytes(cap)} limit for this file.`, file: rel });
    return size > cap ? this.store.head(node.oid, cap) : this.store.read(node.oid).data;
  }
}
