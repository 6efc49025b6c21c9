// Small helpers the AWS check kinds share for values written in a spec.
import os from 'node:os';
import path from 'node:path';
import { Skip } from '../errors.js';
import type { CheckContext } from '../context.js';

/** Replaces `{netid}` with the student's NetID; without a valid user.cfg such a check cannot run. */
export function withNetid(template: string, ctx: CheckContext): string {
  if (!template.includes('{netid}')) return template;
  if (!ctx.identity) throw new Skip('needs your NetID from a valid user.cfg (the name in this check contains {netid})');
  return template.replaceAll('{netid}', ctx.identity.netid);
}

/** `~/x` → the home folder; a relative path is relative to the assignment folder. */
export function localPath(p: string, ctx: CheckContext, env: NodeJS.ProcessEnv = process.env): string {
  if (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) return path.join(env.HOME || env.USERPROFILE || os.homedir(), p.slice(1));
  return path.resolve(ctx.spec.dir, p);
}

/** "a or b", "a, b or c" */
export function orList(xs: string[]): string {
  return xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} or ${xs.at(-1)}`;
}
