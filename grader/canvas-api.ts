// The few Canvas REST calls `harness publish` makes, over Node's own fetch (decision
// 0017-canvas-client.md): one request at a time, as Canvas's throttling documentation advises; a
// throttled request (403 "Rate Limit Exceeded", or 429) waited out and retried; a pause when
// X-Rate-Limit-Remaining runs low; lists followed through their Link headers, but never to
// another host (the token goes only where the instructor pointed it). The token is held here and
// never appears in an error, a log or a file.
import { UserError } from '../lib/errors.js';

export interface CanvasOptions {
  /** The Canvas site, e.g. https://canvas.university.edu (an /api/v1 suffix is accepted). */
  baseUrl: string;
  token: string;
  /** Tests shorten the waits. */
  sleep?: (ms: number) => Promise<void>;
  /** Throttled retries before giving up (default 8). */
  maxRetries?: number;
  /** Below this X-Rate-Limit-Remaining, wait before the next request (default 50). */
  lowWater?: number;
}

/** Canvas's Progress object (GET /api/v1/progress/:id). */
export interface Progress {
  id: number;
  workflow_state: 'queued' | 'running' | 'completed' | 'failed';
  completion?: number | null;
  message?: string | null;
  url?: string;
}

export class CanvasError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const sleepMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class CanvasApi {
  readonly origin: string;
  private readonly api: string;
  private readonly sleep: (ms: number) => Promise<void>;
  private remaining = Infinity;
  /** Requests made, for the summary (and tests). */
  requests = 0;

  constructor(private readonly opts: CanvasOptions) {
    let u: URL;
    try {
      u = new URL(opts.baseUrl.replace(/\/+$/, '').replace(/\/api\/v1$/, ''));
    } catch {
      throw new UserError(
        `--canvas-url ${opts.baseUrl} is not a URL`,
        'give your Canvas site, e.g. --canvas-url https://canvas.university.edu',
      );
    }
    if (u.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) {
      throw new UserError(
        `--canvas-url ${opts.baseUrl} is not https`,
        'the token would travel in clear text: use the https:// address of your Canvas site',
      );
    }
    this.origin = u.origin;
    this.api = `${u.origin}${u.pathname.replace(/\/+$/, '')}/api/v1`;
    this.sleep = opts.sleep ?? sleepMs;
  }

  /** One request, waited out and retried while Canvas throttles it. */
  private async request(method: string, url: string, body?: URLSearchParams): Promise<Response> {
    if (new URL(url).origin !== this.origin)
      throw new CanvasError(0, `Canvas sent a link to another site (${new URL(url).origin}); not followed`);
    for (let attempt = 0; ; attempt++) {
      // Below the low-water mark the quota is left to refill a little (it refills faster than real time).
      if (this.remaining < (this.opts.lowWater ?? 50)) await this.sleep(1000);
      this.requests++;
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          body,
          headers: { Authorization: `Bearer ${this.opts.token}`, Accept: 'application/json' },
          redirect: 'error',
        });
      } catch (e) {
        throw new CanvasError(0, `${method} ${new URL(url).pathname}: ${(e as Error).message}`);
      }
      const left = Number(res.headers.get('x-rate-limit-remaining'));
      if (res.headers.has('x-rate-limit-remaining') && Number.isFinite(left)) this.remaining = left;
      if (res.status === 429 || res.status === 403) {
        const text = await res.text();
        if (res.status === 429 || /rate limit exceeded/i.test(text)) {
          if (attempt >= (this.opts.maxRetries ?? 8))
            throw new CanvasError(res.status, `${method} ${new URL(url).pathname}: still throttled by Canvas after ${attempt + 1} tries`);
          const after = Number(res.headers.get('retry-after'));
          await this.sleep(Number.isFinite(after) && after > 0 ? after * 1000 : Math.min(30_000, 500 * 2 ** attempt));
          this.remaining = Infinity;
          continue;
        }
        throw new CanvasError(res.status, `${method} ${new URL(url).pathname}: ${res.status} ${errorText(text)}`);
      }
      if (!res.ok) throw new CanvasError(res.status, `${method} ${new URL(url).pathname}: ${res.status} ${errorText(await res.text())}`);
      return res;
    }
  }

  async get<T>(path: string, query: Record<string, string | string[]> = {}): Promise<T> {
    return (await (await this.request('GET', this.url(path, query))).json()) as T;
  }

  /** Every item of a paginated list, page after page, by the Link header's rel="next". */
  async list<T>(path: string, query: Record<string, string | string[]> = {}): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined = this.url(path, { per_page: '100', ...query });
    while (next) {
      const res = await this.request('GET', next);
      const page = (await res.json()) as T[];
      if (!Array.isArray(page)) throw new CanvasError(res.status, `GET ${new URL(next).pathname}: Canvas did not answer with a list`);
      out.push(...page);
      next = linkNext(res.headers.get('link'));
    }
    return out;
  }

  async post<T>(path: string, form: URLSearchParams): Promise<T> {
    return (await (await this.request('POST', this.url(path), form)).json()) as T;
  }

  /** Waits for a Progress (a bulk job) to end: its final state. */
  async waitFor(p: Progress, timeoutMs = 10 * 60_000): Promise<Progress> {
    const start = Date.now();
    let cur = p;
    for (let i = 0; cur.workflow_state === 'queued' || cur.workflow_state === 'running'; i++) {
      if (Date.now() - start > timeoutMs)
        throw new CanvasError(0, `Canvas's job ${p.id} did not finish in ${Math.round(timeoutMs / 60_000)} minutes`);
      await this.sleep(Math.min(5000, 250 * 2 ** i));
      cur = await this.get<Progress>(`progress/${p.id}`);
    }
    return cur;
  }

  private url(path: string, query: Record<string, string | string[]> = {}): string {
    const u = new URL(`${this.api}/${path}`);
    for (const [k, v] of Object.entries(query)) for (const x of Array.isArray(v) ? v : [v]) u.searchParams.append(k, x);
    return u.toString();
  }
}

/** The rel="next" URL of an RFC 8288 Link header, as Canvas sends for paginated lists. */
export function linkNext(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (m && /(^|;)\s*rel="?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/.test(m[2])) return m[1];
  }
  return undefined;
}

/** Canvas's error body ({"errors":[{"message":…}]}) as one line, never the request. */
function errorText(body: string): string {
  try {
    const j = JSON.parse(body) as { errors?: { message?: string }[] | Record<string, unknown>; message?: string };
    if (Array.isArray(j.errors))
      return j.errors
        .map((e) => e.message)
        .filter(Boolean)
        .join('; ');
    if (j.message) return j.message;
  } catch {
    /* not JSON */
  }
  return body.slice(0, 200).replace(/\s+/g, ' ');
}
