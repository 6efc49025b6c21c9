// Anonymous HTTP GETs for the checks any grader can re-run without credentials (aws.s3.public,
// aws.s3.website): no signing, no cookies, a time limit, a cap on what is read, every host asserted
// against loopback-only mode (tests), and network trouble reported as Unavailable, never a verdict.
// node:http and node:https are imported when a request is made: loading them (and tls, net) at
// start-up cost every command milliseconds, offline runs and the grader's re-runs included.
import { Unavailable } from '../errors.js';
import { assertLoopback } from './loopback.js';
import { remainingMs } from './budget.js';

export interface AnonResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** At most `maxBytes` of the body. */
  body: Buffer;
  /** The body was longer than `maxBytes`. */
  truncated: boolean;
  /** The URL that answered (after redirects). */
  url: string;
}

export interface AnonOptions {
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  timeoutMs?: number;
  maxBytes?: number;
  /** What is fetched, for messages: "the object's public URL". */
  what: string;
  /** GET (default) or HEAD. */
  method?: 'GET' | 'HEAD';
}

const UA = 'course-harness (anonymous check)';

/** GET with node's fetch; follows up to 3 redirects, asserting each host. */
export async function anonGet(url: string, o: AnonOptions): Promise<AnonResponse> {
  const maxBytes = o.maxBytes ?? 1 << 20;
  const signal = anySignal(o.signal, o.timeoutMs ?? 10_000);
  let at = url;
  for (let hop = 0; ; hop++) {
    assertLoopback(at, o.what, o.env);
    let res: Response;
    try {
      res = await fetch(at, { method: o.method ?? 'GET', redirect: 'manual', signal, headers: { 'user-agent': UA } });
    } catch (e) {
      throw unreachable(at, e, o);
    }
    const loc = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && loc && hop < 3) {
      await res.body?.cancel().catch(() => {});
      at = new URL(loc, at).toString();
      continue;
    }
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    try {
      const { body, truncated } = await readCapped(res.body, maxBytes);
      return { status: res.status, headers, body, truncated, url: at };
    } catch (e) {
      throw unreachable(at, e, o);
    }
  }
}

/**
 * GET `url`, but connect to `via` (host:port or a URL) while sending url's Host header: S3 website
 * endpoints are told apart by Host, so a stand-in serves them on one port. fetch cannot set Host,
 * hence node:http. Without `via` it connects to the URL's own host.
 */
export async function hostGet(url: string, via: string | undefined, o: AnonOptions): Promise<AnonResponse> {
  const target = new URL(url);
  const connect = via ? new URL(/^[a-z]+:\/\//i.test(via) ? via : `http://${via}`) : target;
  assertLoopback(connect, o.what, o.env);
  const maxBytes = o.maxBytes ?? 1 << 20;
  const signal = anySignal(o.signal, o.timeoutMs ?? 10_000);
  const send = connect.protocol === 'https:' ? (await import('node:https')).request : (await import('node:http')).request;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        protocol: connect.protocol,
        hostname: connect.hostname.replace(/^\[|\]$/g, ''),
        port: connect.port || undefined,
        path: target.pathname + target.search,
        method: o.method ?? 'GET',
        headers: { host: target.host, 'user-agent': UA },
        signal,
        servername: connect.protocol === 'https:' ? target.hostname : undefined,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let n = 0;
        let truncated = false;
        res.on('data', (c: Buffer) => {
          if (n >= maxBytes) {
            truncated = true;
            res.destroy();
            return finish();
          }
          chunks.push(c.subarray(0, maxBytes - n));
          if (c.length > maxBytes - n) truncated = true;
          n += c.length;
        });
        const finish = () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).subarray(0, maxBytes), truncated, url });
        };
        res.on('end', finish);
        res.on('error', (e) => (truncated ? finish() : reject(unreachable(url, e, o))));
      },
    );
    req.on('error', (e) => reject(unreachable(url, e, o)));
    req.end();
  });
}

async function readCapped(stream: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<{ body: Buffer; truncated: boolean }> {
  if (!stream) return { body: Buffer.alloc(0), truncated: false };
  const reader = stream.getReader();
  const chunks: Buffer[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { body: Buffer.concat(chunks), truncated: false };
    chunks.push(Buffer.from(value));
    n += value.length;
    if (n > maxBytes) {
      await reader.cancel().catch(() => {});
      return { body: Buffer.concat(chunks).subarray(0, maxBytes), truncated: true };
    }
  }
}

/** The caller's signal, this request's own limit, and the running check's deadline (budget.ts), whichever comes first. */
function anySignal(signal: AbortSignal | undefined, ms: number): AbortSignal {
  const t = AbortSignal.timeout(remainingMs(ms));
  return signal ? AbortSignal.any([signal, t]) : t;
}

const TLS = /^(ERR_TLS_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(VERIFY|GET)_)/;

/** Network trouble: the check cannot judge, and says so (never a pass, never the student's fault). */
function unreachable(url: string, e: unknown, o: AnonOptions): Unavailable {
  const err = e as Error & { code?: string; cause?: { code?: string; message?: string } };
  const code = err.cause?.code ?? err.code ?? err.name;
  const host = safeHost(url);
  if (typeof code === 'string' && TLS.test(code)) {
    // Our own URLs never meet this (dotted bucket names go path style: s3url.ts); a network that
    // intercepts HTTPS does, and it is no verdict on the student's work.
    return new Unavailable(
      `the TLS certificate ${host} presented was refused (${code}), so ${o.what} could not be fetched`,
      'a network that intercepts HTTPS (some campus, company or hotel networks) does this: run check again from another network',
    );
  }
  const why =
    err.name === 'TimeoutError' || err.name === 'AbortError'
      ? 'no answer in time'
      : `${code}${err.cause?.message ? `: ${err.cause.message}` : err.message ? `: ${err.message}` : ''}`;
  return new Unavailable(
    `cannot reach ${host} to fetch ${o.what} (${why})`,
    'check your network connection and run check again; --offline skips checks that need the network',
  );
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The S3 error code of an answer: x-amz-error-code (website endpoints), the XML <Code>, or the website HTML's "Code: X". */
export function s3ErrorCode(r: AnonResponse): string | undefined {
  if (r.headers['x-amz-error-code']) return r.headers['x-amz-error-code'];
  const text = r.body.toString('utf8', 0, Math.min(r.body.length, 8192));
  return /<Code>([A-Za-z]+)<\/Code>/.exec(text)?.[1] ?? /Code: ([A-Za-z]+)/.exec(text)?.[1];
}
