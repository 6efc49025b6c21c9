// Which shard a student is graded in (`harness grade --shard K/N`): apart from grade.ts, so the
// command can pick its students before loading the checks.
import { createHash } from 'node:crypto';

/** The shard (0-based) a student belongs to: a stable hash of the lower-cased NetID. */
export function shardOf(netid: string, n: number): number {
  return createHash('sha256').update(netid.toLowerCase()).digest().readUInt32BE(0) % n;
}
