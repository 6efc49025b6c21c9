// Tests must never reach the internet. With HARNESS_LOOPBACK_ONLY set (the test suite sets it),
// anything a live check would send off this machine is refused loudly instead.
import { isIP } from 'node:net';

export function loopbackOnly(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.HARNESS_LOOPBACK_ONLY);
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1';
}

export class LeftLoopback extends Error {
  override name = 'LeftLoopback';
}

/** Throws when in loopback-only mode and `url` points elsewhere. */
export function assertLoopback(url: string | URL, what: string, env: NodeJS.ProcessEnv = process.env): void {
  if (!loopbackOnly(env)) return;
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    host = String(url);
  }
  if (!isLoopbackHost(host)) {
    throw new LeftLoopback(`HARNESS_LOOPBACK_ONLY is set, but ${what} would reach ${host}; point it at the stand-in`);
  }
}
