// S3: object behaviour comes from s3rver (a real S3 server, on its own loopback port with a fresh
// directory); the stand-in adds what s3rver lacks: accounts, public access and the website
// endpoint (s3-public.ts). Signed requests are proxied verbatim except for the access key id,
// which s3rver insists is its own (it does not verify signatures).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiError, type Ctx } from './protocol.js';
import { findBucket, isPublicKey, type Bucket, type World } from './world.js';
import { intercept } from './s3-public.js';

export interface S3Target {
  bucket?: string;
  /** Decoded object key. */
  key?: string;
  /** Path-style path as sent (still URL-encoded), for forwarding. */
  rawPath: string;
}

/** Path style `/<bucket>/<key>`, or virtual-host style `<bucket>.s3[.-<region>].amazonaws.com` / `<bucket>.localhost`. */
export function s3Target(req: IncomingMessage, url: URL): S3Target {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  const vhost = /^(.+?)\.(?:s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com|localhost)$/.exec(host)?.[1];
  const raw = url.pathname;
  const rawPath = vhost ? `/${vhost}${raw}` : raw;
  const m = /^\/([^/]+)(?:\/(.*))?$/.exec(rawPath);
  if (!m) return { rawPath };
  return { bucket: m[1], key: m[2] ? decodeURIComponent(m[2]) : undefined, rawPath };
}

const SUB: Record<string, string> = {
  website: 'BucketWebsite',
  policyStatus: 'BucketPolicyStatus',
  policy: 'BucketPolicy',
  location: 'BucketLocation',
  publicAccessBlock: 'PublicAccessBlock',
  acl: 'Acl',
  cors: 'BucketCors',
  tagging: 'Tagging',
  versioning: 'BucketVersioning',
};

/** The S3 operation name a request most likely is, for `calls` and fault matching. */
export function s3Action(method: string, t: S3Target, q: URLSearchParams, headers: IncomingMessage['headers']): string {
  const verb = { GET: 'Get', HEAD: 'Head', PUT: 'Put', DELETE: 'Delete', POST: 'Post' }[method] ?? method;
  if (!t.bucket) return method === 'GET' ? 'ListBuckets' : `${verb}Service`;
  const sub = Object.keys(SUB).find((s) => q.has(s));
  if (sub) return `${verb}${sub === 'acl' ? (t.key ? 'ObjectAcl' : 'BucketAcl') : sub === 'tagging' && t.key ? 'ObjectTagging' : SUB[sub]}`;
  if (q.has('uploads')) return 'CreateMultipartUpload';
  if (q.has('uploadId'))
    return method === 'PUT'
      ? 'UploadPart'
      : method === 'POST'
        ? 'CompleteMultipartUpload'
        : method === 'DELETE'
          ? 'AbortMultipartUpload'
          : 'ListParts';
  if (q.has('delete')) return 'DeleteObjects';
  if (!t.key)
    return (
      {
        GET: q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects',
        HEAD: 'HeadBucket',
        PUT: 'CreateBucket',
        DELETE: 'DeleteBucket',
      }[method] ?? `${verb}Bucket`
    );
  if (method === 'PUT' && headers['x-amz-copy-source']) return 'CopyObject';
  return `${verb}Object`;
}

/** Answered whatever region the request was signed for (GetBucketLocation is how a client finds the region). */
const ANY_REGION = new Set(['GetBucketLocation', 'CreateBucket', 'ListBuckets']);

type S3rverInstance = { run(): Promise<{ port: number }>; close(): Promise<void>; store: { putBucket(name: string): Promise<unknown> } };

export class S3Backend {
  private seededBuckets = new Set<string>();
  private seededKeys = new Set<string>();
  private lock: Promise<unknown> = Promise.resolve();

  private constructor(
    private server: S3rverInstance,
    readonly port: number,
    private dir: string,
  ) {}

  static async start(): Promise<S3Backend> {
    // s3rver is a dev dependency: loaded only when a stand-in starts.
    const { default: S3rver } = await import('s3rver');
    const dir = await mkdtemp(path.join(tmpdir(), 'standin-s3-'));
    const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir }) as S3rverInstance;
    const { port } = await server.run();
    return new S3Backend(server, port, dir);
  }

  async stop(): Promise<void> {
    await this.server.close().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }

  /**
   * Creates world buckets and objects in s3rver the first time they are seen, so a test can add
   * them to `standin.world` at any time. A key is seeded once: deleting it through S3 sticks.
   */
  ensureSeeded(world: World, name: string): Promise<unknown> {
    const found = findBucket(world, name);
    if (!found) return Promise.resolve();
    const b = found.bucket;
    const todo = (b.objects ?? []).filter((o) => !this.seededKeys.has(`${b.name}/${o.key}`));
    if (this.seededBuckets.has(b.name) && !todo.length) return Promise.resolve();
    this.lock = this.lock.then(() => this.seed(b)).catch(() => undefined);
    return this.lock;
  }

  private async seed(b: Bucket): Promise<void> {
    if (!this.seededBuckets.has(b.name)) await this.server.store.putBucket(b.name);
    this.seededBuckets.add(b.name);
    for (const o of b.objects ?? []) {
      const id = `${b.name}/${o.key}`;
      if (this.seededKeys.has(id)) continue;
      const res = await this.raw(
        'PUT',
        `/${b.name}/${encodeKey(o.key)}`,
        { 'content-type': o.contentType ?? contentType(o.key) },
        Buffer.from(o.body),
      );
      res.resume();
      this.seededKeys.add(id);
    }
  }

  /** Whether s3rver holds the key (a HEAD straight to it). */
  async exists(bucket: string, key: string): Promise<boolean> {
    const ans = await this.raw('HEAD', `/${bucket}/${encodeKey(key)}`);
    ans.resume();
    return ans.statusCode === 200;
  }

  /** An unsigned request straight to s3rver (which serves anonymous requests). */
  raw(method: string, p: string, headers: http.OutgoingHttpHeaders = {}, body?: Buffer): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const r = http.request({ host: '127.0.0.1', port: this.port, method, path: p, headers }, resolve);
      r.on('error', reject);
      r.end(body);
    });
  }

  /** Forwards a request to s3rver and streams its answer back, with `extra` headers; resolves with the status. */
  forward(
    req: IncomingMessage,
    res: ServerResponse,
    rawPath: string,
    search: string,
    body?: Buffer,
    extra: Record<string, string> = {},
  ): Promise<number> {
    const headers = { ...req.headers, host: `127.0.0.1:${this.port}` };
    delete headers.expect;
    if (body) {
      delete headers['transfer-encoding'];
      headers['content-length'] = String(body.length);
    }
    return new Promise((resolve, reject) => {
      const up = http.request({ host: '127.0.0.1', port: this.port, method: req.method, path: rawPath + search, headers }, (ans) => {
        res.writeHead(ans.statusCode ?? 502, { ...ans.headers, ...extra });
        ans.pipe(res);
        ans.on('end', () => resolve(ans.statusCode ?? 502));
      });
      up.on('error', reject);
      if (body) up.end(body);
      else req.pipe(up);
    });
  }

  /** A signed request: account checks, the calls s3rver cannot answer, then the proxy. */
  async signed(ctx: Ctx): Promise<void> {
    const { req, res, url, world } = ctx;
    const t = s3Target(req, url);
    const owner = t.bucket ? findBucket(world, t.bucket) : undefined;
    // S3 names an existing bucket's region on its answers (HeadBucket's x-amz-bucket-region), and
    // redirects a request signed for another region there (301 PermanentRedirect), before it looks
    // at who is asking: the HeadBucket and "Making requests" pages of the S3 API reference.
    const regionHeader: Record<string, string> = owner ? { 'x-amz-bucket-region': owner.bucket.region } : {};
    if (owner && owner.bucket.region !== ctx.region && !ANY_REGION.has(ctx.action)) {
      const b = owner.bucket;
      throw new ApiError(
        'PermanentRedirect',
        'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
        301,
        undefined,
        regionHeader,
        { Endpoint: `${b.name}.s3.${b.region}.amazonaws.com`, Bucket: b.name },
      );
    }
    if (owner && owner.account !== ctx.account) {
      // Another account's bucket: only its world-readable objects, like a public-read policy.
      const readable = (ctx.action === 'GetObject' || ctx.action === 'HeadObject') && isPublicKey(owner.bucket, t.key!);
      if (!readable) throw new ApiError('AccessDenied', 'Access Denied', 403, undefined, regionHeader);
    }
    const answered = intercept(ctx, t, owner?.bucket);
    if (answered) {
      res.writeHead(answered.status, { ...answered.headers, ...regionHeader }).end(answered.body);
      return;
    }
    if (t.bucket) await this.ensureSeeded(world, t.bucket);
    // s3rver accepts only its own key id; the signature itself is never checked.
    const search = url.search.replace(/(X-Amz-Credential=)[^%&/]+/, '$1S3RVER');
    req.headers.authorization = req.headers.authorization?.replace(/Credential=[^/]+\//, 'Credential=S3RVER/');
    const body = /aws-chunked/.test(String(req.headers['content-encoding'] ?? '')) ? await decodeAwsChunked(req) : undefined;
    const status = await this.forward(req, res, t.rawPath, search, body, regionHeader);
    // Keep the world's idea of who owns what in step with buckets made and removed through S3.
    const action = ctx.action;
    if (status < 300 && t.bucket && action === 'CreateBucket' && !owner) {
      (ctx.account!.buckets ??= []).push({ name: t.bucket, region: ctx.region, objects: [] });
      this.seededBuckets.add(t.bucket);
    }
    if (status < 300 && t.bucket && action === 'DeleteBucket' && owner) {
      owner.account.buckets = owner.account.buckets!.filter((b) => b !== owner.bucket);
    }
  }
}

/**
 * The SDK streams uploads as `aws-chunked` with trailing checksums, which s3rver stores verbatim
 * (the corruption docs/reference/aws-peers.md warns about). Decoding here makes the stand-in safe with default
 * checksum settings too.
 */
async function decodeAwsChunked(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const buf = Buffer.concat(chunks);
  const out: Buffer[] = [];
  let at = 0;
  while (at < buf.length) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(buf.subarray(at, eol).toString('latin1').split(';')[0], 16);
    if (!size) break; // the last chunk; trailers follow
    out.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  delete req.headers['content-encoding'];
  for (const h of Object.keys(req.headers))
    if (h.startsWith('x-amz-checksum-') || h === 'x-amz-trailer' || h === 'x-amz-decoded-content-length') delete req.headers[h];
  return Buffer.concat(out);
}

export function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

const TYPES: Record<string, string> = {
  txt: 'text/plain',
  html: 'text/html',
  htm: 'text/html',
  json: 'application/json',
  css: 'text/css',
  js: 'text/javascript',
  csv: 'text/csv',
  png: 'image/png',
  jpg: 'image/jpeg',
};

export function contentType(key: string): string {
  return TYPES[key.split('.').pop()!.toLowerCase()] ?? 'binary/octet-stream';
}
