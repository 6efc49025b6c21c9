// Tests must never reach the internet. With HARNESS_LOOPBACK_ONLY set (the test suite sets it),
// anything a live check would send off this machine is refused loudly instead.

export function loopbackOnly(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.HARNESS_LOOPBACK_ONLY);
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  // Dotted IPv4 (node:net's isIP, without loading node:net at start-up).
  if (/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(h)) return h.startsWith('127.');
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
