// The instance metadata service, IMDSv2 only (the default on new instances): a PUT for a session
// token, then GETs carrying it. Without a token, or with a stale one, every GET is 401.
import { randomBytes } from 'node:crypto';
import { ApiError, IMDS_SERVER, type Ctx, type Reply } from './protocol.js';
import { findCredential, type Imds, type World } from './world.js';

const MAX_TTL = 21600;

export class ImdsState {
  private tokens = new Map<string, number>();

  handle(ctx: Ctx): Reply {
    const { req, url } = ctx;
    if (url.pathname === '/latest/api/token') return this.token(ctx);
    // Real IMDS refuses anything forwarded through a proxy.
    if (req.headers['x-forwarded-for']) throw new ApiError('Forbidden', 'Forbidden', 403);
    const token = req.headers['x-aws-ec2-metadata-token'];
    const expires = typeof token === 'string' ? this.tokens.get(token) : undefined;
    if (expires === undefined || expires < Date.now()) throw new ApiError('Unauthorized', 'Unauthorized', 401);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError('MethodNotAllowed', 'Method Not Allowed', 405);
    const m = ctx.world.imds;
    if (!m) throw new ApiError('NotFound', 'Not Found', 404);
    const value = lookup(ctx.world, m, url.pathname.replace(/^\/latest\//, ''));
    if (value === undefined) throw new ApiError('NotFound', 'Not Found', 404);
    const json = typeof value !== 'string';
    return {
      status: 200,
      headers: { 'content-type': json ? 'application/json' : 'text/plain', server: IMDS_SERVER },
      body: json ? JSON.stringify(value, null, 2) : value,
    };
  }

  private token(ctx: Ctx): Reply {
    if (ctx.req.method !== 'PUT') throw new ApiError('MethodNotAllowed', 'Method Not Allowed', 405);
    if (ctx.req.headers['x-forwarded-for']) throw new ApiError('Forbidden', 'Forbidden', 403);
    const ttl = Number(ctx.req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL) throw new ApiError('BadRequest', 'Bad Request', 400);
    const token = randomBytes(30).toString('base64');
    this.tokens.set(token, Date.now() + ttl * 1000);
    return {
      status: 200,
      headers: { 'content-type': 'text/plain', 'x-aws-ec2-metadata-token-ttl-seconds': String(ttl), server: IMDS_SERVER },
      body: token,
    };
  }
}

/** The instance in the world that IMDS describes, for defaults the identity document leaves out. */
function instanceOf(world: World, m: Imds) {
  return world.accounts.find((a) => a.id === m.accountId)?.instances?.find((i) => i.instanceId === m.instanceId);
}

export function identityDocument(world: World, m: Imds) {
  const i = instanceOf(world, m);
  return {
    accountId: m.accountId,
    architecture: m.architecture ?? 'x86_64',
    availabilityZone: m.availabilityZone ?? i?.availabilityZone ?? `${m.region}a`,
    billingProducts: null,
    devpayProductCodes: null,
    marketplaceProductCodes: null,
    imageId: m.imageId ?? i?.imageId ?? 'ami-0' + '0'.repeat(16),
    instanceId: m.instanceId,
    instanceType: m.instanceType ?? i?.instanceType ?? 't2.micro',
    kernelId: null,
    pendingTime: m.pendingTime ?? i?.launchTime ?? '2025-01-15T09:30:00Z',
    privateIp: m.privateIp ?? i?.privateIpAddress ?? '172.31.0.10',
    ramdiskId: null,
    region: m.region,
    version: m.version ?? '2017-09-30',
  };
}

function lookup(world: World, m: Imds, path: string): string | object | undefined {
  const doc = identityDocument(world, m);
  const role = m.role;
  const tree: Record<string, string | object | undefined> = {
    'dynamic/instance-identity/document': doc,
    'meta-data/instance-id': doc.instanceId,
    'meta-data/instance-type': doc.instanceType,
    'meta-data/ami-id': doc.imageId,
    'meta-data/local-ipv4': doc.privateIp,
    'meta-data/placement/region': doc.region,
    'meta-data/placement/availability-zone': doc.availabilityZone,
    'meta-data/iam/security-credentials/': role?.name,
  };
  if (role) tree[`meta-data/iam/security-credentials/${role.name}`] = roleCredentials(world, role.accessKeyId);
  if (path in tree) return tree[path];
  // Directory listings: the next path segment of every leaf under the asked prefix.
  const dir = path === '' || path.endsWith('/') ? path : undefined;
  if (dir === undefined) return undefined;
  const names = new Set(
    Object.keys(tree)
      .filter((k) => tree[k] !== undefined && k.startsWith(dir) && k !== dir)
      .map((k) => k.slice(dir.length).replace(/\/.*$/, '/')),
  );
  return names.size ? [...names].join('\n') : undefined;
}

function roleCredentials(world: World, accessKeyId: string) {
  const c = findCredential(world, accessKeyId)?.credential;
  if (!c) return undefined;
  return {
    Code: 'Success',
    LastUpdated: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    Type: 'AWS-HMAC',
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    Token: c.sessionToken ?? 'standin-session-token',
    Expiration: new Date(Date.now() + (c.expired ? -60_000 : 6 * 3600_000)).toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}
