// One node:http server for every service and region. A signed request is routed by its SigV4
// credential scope; an unsigned one is IMDS (`/latest/...`), the S3 website endpoint (by its Host
// header) or anonymous S3. Each request is recorded, then faults, then credentials, then the
// service handler.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ApiError, errorReply, type Ctx, type Reply, type Service } from './protocol.js';
import { commonError, planFaults } from './faults.js';
import { hasOtherAuth, parseScope, type Scope } from './sigv4.js';
import { enabledRegions, findCredential, type Fault, type World } from './world.js';
import { ec2 } from './ec2.js';
import { sts } from './sts.js';
import { cloudwatch } from './cloudwatch.js';
import { emr } from './emr.js';
import { dynamodb } from './dynamodb.js';
import { ImdsState } from './imds.js';
import { s3Action, s3Target, type S3Backend } from './s3.js';
import { anonymous, website, websiteHost } from './s3-public.js';

/** One answered request, for tests that assert what was called and how calls overlapped. */
export interface Call {
  service: Service | string;
  action: string;
  region: string;
  /** Absent for unsigned requests (IMDS, anonymous S3, the website endpoint). */
  accessKeyId?: string;
  /** performance.now() when the request arrived and when its answer was finished. */
  startedAt: number;
  endedAt?: number;
  status?: number;
}

const SERVICES: Record<string, Service> = {
  ec2: 'ec2',
  sts: 'sts',
  monitoring: 'monitoring',
  elasticmapreduce: 'elasticmapreduce',
  dynamodb: 'dynamodb',
  s3: 's3',
};
const MAX_BODY = 16 * 1024 * 1024;

export class StandinServer {
  readonly calls: Call[] = [];
  readonly http: http.Server;
  private sockets = new Set<Socket>();
  private faultUse = new WeakMap<Fault, number>();
  private imds = new ImdsState();

  /** Told about each call once its answer is finished (the stand-in script logs them). */
  onCall?: (call: Call) => void;

  constructor(
    public world: World,
    private s3: S3Backend,
  ) {
    this.http = http.createServer((req, res) => void this.handle(req, res));
    this.http.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, resolve);
    });
    return (this.http.address() as { port: number }).port;
  }

  /** Closes everything, including connections a `hang` fault left open. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.http.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin');
    const scope = parseScope(req, url);
    const site = scope ? undefined : websiteHost(req.headers.host);
    const service: Service | undefined = scope
      ? SERVICES[scope.service]
      : site
        ? 's3-website'
        : url.pathname.startsWith('/latest/') && !hasOtherAuth(req, url)
          ? 'imds'
          : 's3';
    const region = scope?.region ?? site?.region ?? (service === 'imds' ? this.world.imds?.region : undefined) ?? 'us-east-1';
    const call: Call = {
      service: service ?? scope!.service,
      action: '',
      region,
      accessKeyId: scope?.accessKeyId,
      startedAt: performance.now(),
    };
    this.calls.push(call);
    res.on('close', () => {
      call.endedAt = performance.now();
      call.status = res.statusCode;
      this.onCall?.(call);
    });
    if (!service) {
      call.action = 'unknown';
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`The stand-in does not speak the "${scope!.service}" service.\n`);
      return;
    }
    const streamed = service === 's3' || service === 's3-website';
    const ctx: Ctx = { world: this.world, service, action: '', region, requestId: randomUUID(), req, res, url, body: Buffer.alloc(0) };
    try {
      if (!streamed) ctx.body = await readBody(req);
      ctx.action = call.action = actionOf(ctx);
      const plan = planFaults(this.world, this.faultUse, { service, action: ctx.action, region });
      if (plan.latencyMs) await new Promise((r) => setTimeout(r, plan.latencyMs));
      if (plan.hang) return; // never answered: the client times out, or close() destroys the socket
      if (plan.error) throw plan.error;
      if (scope) this.authenticate(ctx, scope);
      else if (service === 's3' && hasOtherAuth(req, url))
        throw new ApiError('AuthorizationHeaderMalformed', 'The stand-in reads only SigV4 credential scopes.', 400);
      const reply = await this.dispatch(ctx, site?.bucket);
      if (reply) send(res, reply);
    } catch (e) {
      if (res.headersSent) return void res.destroy();
      const err = e instanceof ApiError ? e : commonError(service, '500');
      send(res, errorReply(ctx, err));
    }
  }

  private authenticate(ctx: Ctx, scope: Scope): void {
    const found = findCredential(this.world, scope.accessKeyId);
    if (!found) throw commonError(ctx.service, 'auth');
    if (found.credential.expired) throw commonError(ctx.service, 'expired');
    // A region the account has not enabled rejects the keys, as opt-in regions do.
    if (!enabledRegions(this.world).includes(scope.region)) throw commonError(ctx.service, 'auth');
    ctx.account = found.account;
    ctx.credential = found.credential;
    ctx.accessKeyId = scope.accessKeyId;
  }

  private async dispatch(ctx: Ctx, siteBucket: string | undefined): Promise<Reply | undefined> {
    switch (ctx.service) {
      case 'ec2':
        return ec2(ctx);
      case 'sts':
        return sts(ctx);
      case 'monitoring':
        return cloudwatch(ctx);
      case 'elasticmapreduce':
        return emr(ctx);
      case 'dynamodb':
        return dynamodb(ctx);
      case 'imds':
        return this.imds.handle(ctx);
      case 's3-website':
        return website(ctx, siteBucket!, this.s3);
      case 's3':
        if (ctx.account) await this.s3.signed(ctx);
        else await anonymous(ctx, s3Target(ctx.req, ctx.url), this.s3);
        return undefined;
    }
  }
}

function actionOf(ctx: Ctx): string {
  const { service, req, url } = ctx;
  switch (service) {
    case 'ec2':
    case 'sts':
      return new URLSearchParams(ctx.body.toString('utf8')).get('Action') ?? url.searchParams.get('Action') ?? 'unknown';
    case 's3':
      return s3Action(req.method ?? 'GET', s3Target(req, url), url.searchParams, req.headers);
    case 'imds':
    case 's3-website':
      return `${req.method} ${url.pathname}`;
    default: {
      const target = String(req.headers['x-amz-target'] ?? '');
      return target.slice(target.indexOf('.') + 1) || 'unknown';
    }
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new ApiError('RequestEntityTooLarge', 'Request body too large', 413);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, r: Reply): void {
  const body = r.body ?? '';
  res.writeHead(r.status, { ...r.headers, 'content-length': String(Buffer.byteLength(body)), date: new Date().toUTCString() });
  res.end(body);
}
