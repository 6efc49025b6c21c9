// EC2's Query protocol: form-encoded POST with Action=..., XML answers with `<set><item>` lists.
// Only what the harness reads: DescribeRegions, DescribeKeyPairs, DescribeInstances. A caller sees
// its own account's resources in the region its request was signed for.
import { createHash, createPublicKey } from 'node:crypto';
import { ApiError, filters, globMatch, listParam, pageToken, xmlReply, type Ctx, type Reply } from './protocol.js';
import { doc, el, items, wrap } from './xml.js';
import { enabledRegions, OPT_IN_REGIONS, STANDARD_REGIONS, type Instance, type KeyPair } from './world.js';

const NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const STATE_CODES: Record<string, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };
const DEFAULT_TIME = '2025-01-15T09:30:00.000Z';

/** Stable made-up hex for ids the world leaves out (same input, same id, every run). */
export function hexOf(seed: string, n: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, n);
}

export async function ec2(ctx: Ctx): Promise<Reply> {
  const p = new URLSearchParams(ctx.body.toString('utf8'));
  const answer = (body: string) => xmlReply(ctx, doc(`${ctx.action}Response`, NS, el('requestId', ctx.requestId), body));
  switch (ctx.action) {
    case 'DescribeRegions':
      return answer(describeRegions(ctx, p));
    case 'DescribeKeyPairs':
      return answer(await describeKeyPairs(ctx, p));
    case 'DescribeInstances':
      return answer(describeInstances(ctx, p));
    default:
      throw new ApiError('InvalidAction', `The action ${ctx.action} is not valid for this web service.`);
  }
}

function describeRegions(ctx: Ctx, p: URLSearchParams): string {
  const enabled = enabledRegions(ctx.world);
  const all = p.get('AllRegions') === 'true';
  let regions = all ? [...new Set([...STANDARD_REGIONS, ...enabled, ...OPT_IN_REGIONS])] : enabled;
  const named = listParam(p, 'RegionName');
  for (const r of named) if (!regions.includes(r)) throw new ApiError('InvalidParameterValue', `Invalid region: ${r}`);
  if (named.length) regions = regions.filter((r) => named.includes(r));
  const status = (r: string) => (!OPT_IN_REGIONS.includes(r) ? 'opt-in-not-required' : enabled.includes(r) ? 'opted-in' : 'not-opted-in');
  for (const [name, values] of filters(p)) {
    const field = name === 'region-name' ? (r: string) => r : name === 'opt-in-status' ? status : undefined;
    if (!field) throw new ApiError('InvalidParameterValue', `The filter '${name}' is invalid`);
    regions = regions.filter((r) => values.some((v) => globMatch(v, field(r))));
  }
  return items(
    'regionInfo',
    regions,
    (r) => el('regionName', r) + el('regionEndpoint', `ec2.${r}.amazonaws.com`) + el('optInStatus', status(r)),
  );
}

/** AWS's fingerprints for imported keys: SHA-256 (base64) for ed25519, MD5 of the DER public key for RSA. */
export async function fingerprintOf(k: KeyPair): Promise<string> {
  if (k.keyFingerprint) return k.keyFingerprint;
  const blob = Buffer.from(k.publicKey!.split(/\s+/)[1], 'base64');
  if (k.keyType === 'ed25519') return createHash('sha256').update(blob).digest('base64');
  // The ssh-rsa blob is three length-prefixed fields: the name, the exponent, the modulus.
  const parts: Buffer[] = [];
  for (let at = 0; at < blob.length;) {
    const n = blob.readUInt32BE(at);
    parts.push(blob.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  const b64u = (b: Buffer) => (b[0] === 0 ? b.subarray(1) : b).toString('base64url');
  const der = createPublicKey({ key: { kty: 'RSA', e: b64u(parts[1]), n: b64u(parts[2]) }, format: 'jwk' }).export({
    type: 'spki',
    format: 'der',
  });
  return createHash('md5').update(der).digest('hex').match(/../g)!.join(':');
}

const keyPairId = (k: KeyPair) => k.keyPairId ?? `key-${hexOf(`${k.region}/${k.name}`, 17)}`;

async function describeKeyPairs(ctx: Ctx, p: URLSearchParams): Promise<string> {
  let keys = (ctx.account!.keyPairs ?? []).filter((k) => k.region === ctx.region);
  const names = listParam(p, 'KeyName');
  const ids = listParam(p, 'KeyPairId');
  for (const n of names)
    if (!keys.some((k) => k.name === n)) throw new ApiError('InvalidKeyPair.NotFound', `The key pair '${n}' does not exist`);
  for (const id of ids)
    if (!keys.some((k) => keyPairId(k) === id)) throw new ApiError('InvalidKeyPair.NotFound', `The key pair ID '${id}' does not exist`);
  if (names.length) keys = keys.filter((k) => names.includes(k.name));
  if (ids.length) keys = keys.filter((k) => ids.includes(keyPairId(k)));
  for (const [name, values] of filters(p)) {
    const field = { 'key-name': (k: KeyPair) => k.name, 'key-pair-id': keyPairId, 'key-type': (k: KeyPair) => k.keyType }[name];
    if (!field) throw new ApiError('InvalidParameterValue', `The filter '${name}' is invalid`);
    keys = keys.filter((k) => values.some((v) => globMatch(v, field(k))));
  }
  const withPublic = p.get('IncludePublicKey') === 'true';
  const rendered = await Promise.all(
    keys.map(async (k) =>
      wrap(
        'item',
        el('keyPairId', keyPairId(k)),
        el('keyFingerprint', await fingerprintOf(k)),
        el('keyName', k.name),
        el('keyType', k.keyType),
        withPublic ? el('publicKey', k.publicKey) : '',
        el('createTime', k.createTime ?? DEFAULT_TIME),
      ),
    ),
  );
  return wrap('keySet', ...rendered);
}

type InstanceField = (i: Instance) => string[];
const INSTANCE_FILTERS: Record<string, InstanceField> = {
  'instance-id': (i) => [i.instanceId],
  'instance-state-name': (i) => [i.state],
  'instance-state-code': (i) => [String(STATE_CODES[i.state])],
  'instance-type': (i) => [i.instanceType],
  'key-name': (i) => (i.keyName ? [i.keyName] : []),
  'image-id': (i) => [imageId(i)],
  'availability-zone': (i) => [zone(i)],
  'tag-key': (i) => Object.keys(i.tags ?? {}),
};

function instanceFilter(name: string): InstanceField | undefined {
  if (name.startsWith('tag:')) return (i) => (i.tags && name.slice(4) in i.tags ? [i.tags[name.slice(4)]] : []);
  return INSTANCE_FILTERS[name];
}

const imageId = (i: Instance) => i.imageId ?? `ami-${hexOf(i.region, 17)}`;
const zone = (i: Instance) => i.availabilityZone ?? `${i.region}a`;
const privateIp = (i: Instance) => {
  if (i.privateIpAddress) return i.privateIpAddress;
  const h = Buffer.from(hexOf(i.instanceId, 4), 'hex');
  return `172.31.${h[0]}.${Math.max(h[1], 4)}`;
};

function describeInstances(ctx: Ctx, p: URLSearchParams): string {
  let list = (ctx.account!.instances ?? []).filter((i) => i.region === ctx.region);
  const ids = listParam(p, 'InstanceId');
  const max = p.get('MaxResults');
  if (max !== null && ids.length)
    throw new ApiError('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
  const missing = ids.filter((id) => !list.some((i) => i.instanceId === id));
  if (missing.length)
    throw new ApiError(
      'InvalidInstanceID.NotFound',
      `The instance ID${missing.length > 1 ? 's' : ''} '${missing.join(', ')}' ${missing.length > 1 ? 'do' : 'does'} not exist`,
    );
  if (ids.length) list = list.filter((i) => ids.includes(i.instanceId));
  for (const [name, values] of filters(p)) {
    const field = instanceFilter(name);
    if (!field) throw new ApiError('InvalidParameterValue', `The filter '${name}' is invalid`);
    list = list.filter((i) => field(i).some((f) => values.some((v) => globMatch(v, f))));
  }
  const start = pageToken.read(p.get('NextToken'));
  if (start === undefined) throw new ApiError('InvalidParameterValue', 'Unable to parse pagination token');
  let next = '';
  if (max !== null) {
    const n = Number(max);
    if (!Number.isInteger(n) || n < 5 || n > 1000)
      throw new ApiError(
        'InvalidParameterValue',
        `Value ( ${max} ) for parameter maxResults is invalid. Expecting a value greater than 5.`,
      );
    if (start + n < list.length) next = el('nextToken', pageToken.make(start + n));
    list = list.slice(start, start + n);
  }
  // One reservation per instance: the harness never relies on grouping.
  return (
    items(
      'reservationSet',
      list,
      (i) =>
        el('reservationId', `r-${hexOf(i.instanceId, 17)}`) +
        el('ownerId', ctx.account!.id) +
        wrap('groupSet') +
        items('instancesSet', [i], renderInstance),
    ) + next
  );
}

function renderInstance(i: Instance): string {
  const ip = privateIp(i);
  const suffix = i.region === 'us-east-1' ? 'ec2.internal' : `${i.region}.compute.internal`;
  const tags = Object.entries(i.tags ?? {});
  return (
    el('instanceId', i.instanceId) +
    el('imageId', imageId(i)) +
    wrap('instanceState', el('code', STATE_CODES[i.state]), el('name', i.state)) +
    el('privateDnsName', i.state === 'terminated' ? '' : `ip-${ip.replace(/\./g, '-')}.${suffix}`) +
    el(
      'dnsName',
      i.publicIpAddress && i.state === 'running' ? `ec2-${i.publicIpAddress.replace(/\./g, '-')}.compute-1.amazonaws.com` : '',
    ) +
    el('keyName', i.keyName) +
    el('amiLaunchIndex', 0) +
    el('instanceType', i.instanceType) +
    el('launchTime', i.launchTime ?? DEFAULT_TIME) +
    wrap('placement', el('availabilityZone', zone(i)), el('tenancy', 'default')) +
    wrap('monitoring', el('state', 'disabled')) +
    (i.state === 'terminated' ? '' : el('privateIpAddress', ip)) +
    (i.state === 'running' ? el('ipAddress', i.publicIpAddress) : '') +
    el('architecture', 'x86_64') +
    el('rootDeviceType', 'ebs') +
    el('rootDeviceName', '/dev/xvda') +
    (tags.length ? items('tagSet', tags, ([k, v]) => el('key', k) + el('value', v)) : '')
  );
}
