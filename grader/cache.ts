// The grader's caches, in the output folder's .cache/:
// - results.jsonl: one line per graded (student, commit, spec, hidden checks, harness) key, appended
//   as each student finishes. One open file instead of a new file per student (creating files is
//   most of what writing costs here). A run killed mid-line leaves a torn last line, which fails to
//   parse and is ignored; the next run starts a fresh line. Superseded lines are dropped when the
//   log is rewritten at the end of a run that left it mostly stale.
// - commits.json: parsed commits by name. A commit never changes, so its parents, time and author
//   are read from a fork once; a re-run walks every history from this table without opening an
//   object.
// Both are only caches: a missing, torn or foreign file just means the work is done again.
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { writeDerivedSync } from '../lib/util/atomic.js';
import type { CommitInfo } from './objects.js';

const RESULTS = 'results.jsonl';
const COMMITS = 'commits.json';
/** Bumped when a cache's layout changes, so an old file is ignored rather than misread. */
const FORMAT = 1;

export class BatchCache {
  private lines = new Map<string, string>();
  private stale = 0;
  private fd?: number;
  private readonly dir: string;
  /** Commits parsed from forks: read by history walks, added to as new ones are read. */
  readonly commits = new Map<string, CommitInfo>();
  private commitsAtStart = 0;

  constructor(out: string) {
    this.dir = path.join(out, '.cache');
    let text = '';
    try {
      text = readFileSync(path.join(this.dir, RESULTS), 'utf8');
    } catch {
      /* first run */
    }
    for (const line of text.split('\n')) {
      const tab = line.indexOf('\t');
      if (tab <= 0) continue;
      if (this.lines.has(line.slice(0, tab))) this.stale++;
      this.lines.set(line.slice(0, tab), line.slice(tab + 1));
    }
    if (text && !text.endsWith('\n')) this.stale++; // a torn last line
    try {
      const c = JSON.parse(readFileSync(path.join(this.dir, COMMITS), 'utf8')) as {
        format: number;
        commits: [string, string, string[], number, string][];
      };
      if (c.format === FORMAT)
        for (const [oid, tree, parents, time, authorEmail] of c.commits) this.commits.set(oid, { oid, tree, parents, time, authorEmail });
    } catch {
      /* none yet, or unreadable: walked from the objects */
    }
    this.commitsAtStart = this.commits.size;
  }

  /** The value stored under `key`, or undefined (also when its line does not parse). */
  get<T>(key: string): T | undefined {
    const raw = this.lines.get(key);
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw) as T;
    } catch {
      return undefined;
    }
  }

  /** Appends `value` under `key` (a key must hold no tab or newline; JSON text never does). */
  put(key: string, value: unknown): void {
    if (/[\t\n]/.test(key)) throw new Error('cache key with a tab or newline');
    const raw = JSON.stringify(value);
    if (this.fd === undefined) {
      mkdirSync(this.dir, { recursive: true });
      this.fd = openSync(path.join(this.dir, RESULTS), 'a');
      // After a torn line, start on a line of its own.
      if (this.stale && !this.endsWithNewline()) writeSync(this.fd, '\n');
    }
    writeSync(this.fd, `${key}\t${raw}\n`);
    if (this.lines.has(key)) this.stale++;
    this.lines.set(key, raw);
  }

  private endsWithNewline(): boolean {
    try {
      const text = readFileSync(path.join(this.dir, RESULTS));
      return text.length === 0 || text[text.length - 1] === 0x0a;
    } catch {
      return true;
    }
  }

  /** Closes the log; rewrites it without stale lines when they outnumber the live ones; saves new commits. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (this.stale > this.lines.size) {
      writeDerivedSync(path.join(this.dir, RESULTS), [...this.lines].map(([k, v]) => `${k}\t${v}\n`).join(''));
      this.stale = 0;
    }
    if (this.commits.size > this.commitsAtStart) {
      const rows = [...this.commits.values()].map((c) => [c.oid, c.tree, c.parents, c.time, c.authorEmail]);
      writeDerivedSync(path.join(this.dir, COMMITS), JSON.stringify({ format: FORMAT, commits: rows }));
      this.commitsAtStart = this.commits.size;
    }
  }
}
