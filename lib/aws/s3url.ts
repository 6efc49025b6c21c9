// S3 addresses as students write them (s3://bucket/key, https URLs, website URLs), the anonymous URL
// of an object, and the URL a check should look at: given in the spec, or read from an answer file.
import type { CheckContext } from '../context.js';
import { Failure, UserError } from '../errors.js';
import { quoteLine } from '../util/text.js';

export interface S3Location {
  bucket: string;
  key: string;
  /** The region an https URL names (`s3.<region>.amazonaws.com`); s3:// URLs name none. */
  region?: string;
}

/** Where a check finds its URL: a line of an answer file, with one regex group capturing the URL. */
export interface UrlFrom {
  file: string;
  pattern: string;
}

export const urlFromSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['file', 'pattern'],
  description: 'Read the URL from an answer file: the first line matching `pattern`.',
  properties: {
    file: { type: 'string', minLength: 1, description: 'The answer file, relative to the assignment folder (e.g. `q7.txt`).' },
    pattern: {
      type: 'string',
      minLength: 1,
      description: 'JavaScript regular expression with one group capturing the URL, e.g. `^s3: (s3://\\S+)$`.',
    },
  },
} as const;

/** Lint-time problems with a urlFrom pattern (a bad regex, no capturing group). */
export function urlFromProblems(from: UrlFrom | undefined, url: string | undefined): string[] {
  if (url && from) return ['give either `url` or `urlFrom`, not both'];
  if (!from) return [];
  try {
    const groups = new RegExp(`${from.pattern}|`).exec('')!.length - 1;
    return groups >= 1 ? [] : [`urlFrom.pattern /${from.pattern}/ has no group capturing the URL`];
  } catch (e) {
    return [`urlFrom.pattern is not a valid regular expression: ${(e as Error).message}`];
  }
}

/** The URL from params or from the answer file; Failure when the file has no such line. */
export async function resolveUrl(
  ctx: CheckContext,
  p: { url?: string; urlFrom?: UrlFrom },
  describe: string,
): Promise<{ url: string; file?: string; line?: number }> {
  if (p.url) return { url: p.url };
  if (!p.urlFrom)
    throw new UserError(`check ${ctx.check.id} needs \`url\` or \`urlFrom\``, 'add one of them to the check in assignment.yaml');
  const { file, pattern } = p.urlFrom;
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch (e) {
    throw new UserError(
      `check ${ctx.check.id}: urlFrom.pattern is not a valid regular expression (${(e as Error).message})`,
      'fix it in assignment.yaml; `harness lint` finds these',
    );
  }
  const lines = (await ctx.files.read(file)).toString('utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = re.exec(lines[i].replace(/\r$/, ''));
    if (m?.[1]) return { url: m[1].trim(), file, line: i + 1 };
  }
  throw new Failure({
    rationale: `${file} has no line giving ${describe}.`,
    hint: `Add a line matching /${pattern}/ to ${file}.`,
    expected: `a line matching /${pattern}/`,
    file,
  });
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * s3://bucket/key, or an https URL of an object (virtual-hosted or path style); undefined when it
 * is neither. The key is returned decoded.
 */
export function parseS3Url(text: string): S3Location | undefined {
  const s3 = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(text.trim());
  if (s3) return BUCKET.test(s3[1]) ? { bucket: s3[1], key: s3[2] ?? '' } : undefined;
  const u = httpUrl(text);
  if (!u) return undefined;
  const key = decodeURIComponent(u.pathname.slice(1));
  const vh = /^(.+)\.(s3(?:[.-][a-z0-9-]+)?(?:\.dualstack)?(?:\.[a-z0-9-]+)?\.amazonaws\.com)$/.exec(u.hostname);
  if (vh && !vh[1].includes('s3-website') && BUCKET.test(vh[1])) return withRegion({ bucket: vh[1], key }, vh[2]);
  if (/^s3(?:[.-][a-z0-9-]+)?(?:\.dualstack)?(?:\.[a-z0-9-]+)?\.amazonaws\.com$/.test(u.hostname)) {
    const [bucket, ...rest] = key.split('/');
    return BUCKET.test(bucket) ? withRegion({ bucket, key: rest.join('/') }, u.hostname) : undefined;
  }
  return undefined;
}

/** The region in an S3 host name (`s3.eu-west-1.amazonaws.com`, `s3-eu-west-1…`, `s3.dualstack.eu-west-1…`). */
function withRegion(loc: S3Location, host: string): S3Location {
  const region = /^s3[.-](?:dualstack\.)?([a-z]{2}(?:-[a-z]+)+-\d+)\./.exec(host)?.[1];
  return region ? { ...loc, region } : loc;
}

/** A key for a URL path: every segment percent-encoded, slashes kept. */
export function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** The S3 endpoint variable the SDK would use (AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL). */
export function s3Endpoint(env: NodeJS.ProcessEnv): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true') return undefined;
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

/**
 * The URL anyone would fetch the object at: path style under the configured endpoint (the
 * stand-in, LocalStack, moto) when one is set; else https://<bucket>.s3.amazonaws.com/<key>.
 * A bucket name with dots goes path style (https://s3.amazonaws.com/<bucket>/<key>): AWS's
 * wildcard certificate for *.s3.amazonaws.com covers one label, so `ex123.anly502.s3.amazonaws.com`
 * fails TLS (ERR_TLS_CERT_ALTNAME_INVALID), as the S3 User Guide says under "Virtual hosting of
 * buckets" (VirtualHosting.html). Path style on the global host answers 301 with
 * x-amz-bucket-region for a bucket elsewhere; `regionalUrl` is where to go then.
 */
export function publicUrl(loc: S3Location, env: NodeJS.ProcessEnv): string {
  const endpoint = s3Endpoint(env);
  if (endpoint) return `${endpoint.replace(/\/+$/, '')}/${loc.bucket}/${encodeKey(loc.key)}`;
  if (loc.bucket.includes('.')) return regionalUrl(loc, loc.region);
  return `https://${loc.bucket}.${s3Host(loc.region)}/${encodeKey(loc.key)}`;
}

/** Path style on the bucket's regional host: https://s3.<region>.amazonaws.com/<bucket>/<key>. */
export function regionalUrl({ bucket, key }: S3Location, region: string | undefined): string {
  return `https://${s3Host(region)}/${bucket}/${encodeKey(key)}`;
}

const s3Host = (region?: string) => (region && region !== 'us-east-1' ? `s3.${region}.amazonaws.com` : 's3.amazonaws.com');

export interface WebsiteUrl extends S3Location {
  /** The region the URL names (s3-website-<region> or s3-website.<region>). */
  region?: string;
  url: URL;
}

/** http://<bucket>.s3-website-<region>.amazonaws.com/<key> (dash or dot form); undefined otherwise. */
export function parseWebsiteUrl(text: string): WebsiteUrl | undefined {
  const u = httpUrl(text);
  if (!u) return undefined;
  const m = /^(.+)\.s3-website[.-]([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(u.hostname);
  if (!m) return undefined;
  return { bucket: m[1], region: m[2], key: decodeURIComponent(u.pathname.slice(1)), url: u };
}

/** The website URL of a bucket in a region, for hints. */
export function websiteUrl(bucket: string, region: string, key: string): string {
  // Older regions use the dash form, newer ones the dot form; both resolve in the dash-form regions
  // only, so give what the console shows for the common ones.
  const dash = new Set([
    'us-east-1',
    'us-west-1',
    'us-west-2',
    'ap-southeast-1',
    'ap-southeast-2',
    'ap-northeast-1',
    'eu-west-1',
    'sa-east-1',
    'us-gov-west-1',
  ]);
  return `http://${bucket}.s3-website${dash.has(region) ? '-' : '.'}${region}.amazonaws.com/${encodeKey(key)}`;
}

/** A Failure for a URL that is not an S3 address, pointing at the answer line. */
export function badUrl(url: string, want: string, where: { file?: string; line?: number }): Failure {
  return new Failure({
    rationale: `${quoteLine(url)} is not ${want}.`,
    hint: where.file
      ? `Fix the line in ${where.file}; it should look like ${want === 'an S3 URL' ? 's3://your-bucket/q6-malfunctions.txt' : 'http://your-bucket.s3-website-us-east-1.amazonaws.com/q6-malfunctions.txt'}.`
      : 'Fix the URL in assignment.yaml.',
    actual: url,
    file: where.file,
    line: where.line,
  });
}

/** How to make one object world-readable on a bucket with ACLs disabled (every bucket made since 2023). */
export function publicPolicyHint(bucket: string, key?: string): string {
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/${key ? key : '*'}` },
    ],
  });
  return (
    `New buckets block public access and ignore ACLs (so \`--acl public-read\` does not help). ` +
    `First turn off Block Public Access for the bucket (console: bucket → Permissions → Block public access → Edit; ` +
    `or \`aws s3api delete-public-access-block --bucket ${bucket}\`), then add a bucket policy that lets anyone read ` +
    `(Permissions → Bucket policy, or save it as policy.json and run \`aws s3api put-bucket-policy --bucket ${bucket} --policy file://policy.json\`): ${policy}`
  );
}

/** `text` as an http(s) URL, or undefined. */
function httpUrl(text: string): URL | undefined {
  try {
    const u = new URL(text.trim());
    return /^https?:$/.test(u.protocol) ? u : undefined;
  } catch {
    return undefined;
  }
}
