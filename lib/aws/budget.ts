// A live check's time limit, shared with the AWS calls made under it. The engine stops a check at
// its `timeout` with "did not finish within its 30s time limit", which hides what went wrong; the
// SDK's own retries (3 attempts) and per-attempt timeouts could add up to more than that. So each
// AWS kind's `run` is wrapped in `budgeted`, and every SDK call or anonymous GET made inside it is
// given an abort signal that fires a little before the limit: the check then ends with the real
// reason ("AWS did not answer DescribeKeyPairs in time"), before the engine's timer does.
// AsyncLocalStorage carries the deadline, so helpers shared by several kinds (the cost scan, the
// caller identity) need no extra parameter.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CheckContext } from '../context.js';

interface Budget {
  /** Date.now() when the calls must have ended. */
  deadline: number;
  /** The check's own limit, in seconds, for messages. */
  limitS: number;
}

const current = new AsyncLocalStorage<Budget>();

/**
 * What is kept back from the check's limit: the engine started its timer before `run` (credentials
 * are looked up in between), and the check needs a moment to turn the abort into its verdict.
 */
export function marginMs(limitS: number): number {
  return Math.min(2000, limitS * 250);
}

/** Wraps a kind's `run` so the AWS calls inside it end before the check's time limit. */
export function budgeted<P, R>(run: (ctx: CheckContext, p: P) => Promise<R>): (ctx: CheckContext, p: P) => Promise<R> {
  return (ctx, p) => {
    const limitS = ctx.check.timeout;
    return current.run({ deadline: Date.now() + limitS * 1000 - marginMs(limitS), limitS }, () => run(ctx, p));
  };
}

/** An abort signal for one call: fires at the running check's deadline (none outside a check). */
export function callSignal(): AbortSignal | undefined {
  const b = current.getStore();
  return b ? AbortSignal.timeout(Math.max(1, b.deadline - Date.now())) : undefined;
}

/** Milliseconds left for the running check's calls, capped at `cap`. */
export function remainingMs(cap: number): number {
  const b = current.getStore();
  return b ? Math.max(1, Math.min(cap, b.deadline - Date.now())) : cap;
}

/** The running check's limit in seconds, for messages (undefined outside a check). */
export function limitSeconds(): number | undefined {
  return current.getStore()?.limitS;
}
