// aws.s3.object: an object (or at least one under a prefix) exists in the student's S3, with the
// expected size or the same bytes as an answer file. Uses the student's credentials: HeadObject,
// and a download only when the ETag is not a plain MD5 (multipart uploads, SSE-KMS).
import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { defineKind, type CheckContext } from './kind.js';
import { Failure, Unavailable } from '../errors.js';
import { awsProblem } from '../aws/errors.js';
import { budgeted, callSignal } from '../aws/budget.js';
import type { AwsAccess } from '../aws/access.js';
import { badUrl, parseS3Url, resolveUrl, urlFromProblems, urlFromSchema, type S3Location, type UrlFrom } from '../aws/s3url.js';
import { plural } from '../util/text.js';

export interface S3ObjectParams {
  url?: string;
  urlFrom?: UrlFrom;
  size?: number;
  sameAs?: string;
  prefix?: boolean;
  minObjects?: number;
  region?: string;
}

type Where = { file?: string; line?: number };

export default defineKind<S3ObjectParams>({
  kind: 'aws.s3.object',
  needs: 'account',
  title: (p) =>
    p.prefix
      ? `${p.urlFrom ? `The S3 prefix named in ${p.urlFrom.file}` : `${p.url}`} holds ${p.minObjects && p.minObjects > 1 ? `at least ${p.minObjects} objects` : 'an object'}`
      : `${p.urlFrom ? `The S3 object named in ${p.urlFrom.file}` : `${p.url}`} exists${p.sameAs ? ` and matches ${p.sameAs}` : ''}`,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      url: { type: 'string', pattern: '^s3://', description: 'The object, `s3://bucket/key` (with `prefix: true`, the prefix).' },
      urlFrom: urlFromSchema,
      size: { type: 'integer', minimum: 0, description: 'The size the object must have, in bytes.' },
      sameAs: {
        type: 'string',
        minLength: 1,
        description: 'An answer file (relative to the assignment folder) whose bytes the object must equal.',
      },
      prefix: { type: 'boolean', description: 'Treat the URL as a prefix: at least `minObjects` objects must exist under it.' },
      minObjects: { type: 'integer', minimum: 1, description: 'With `prefix`: how many objects at least (default 1).' },
      region: {
        type: 'string',
        pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]$',
        description: "The region the bucket must be in (default: any; requests start in the student's region and follow S3's redirect).",
      },
    },
  },
  files: (p) => [p.urlFrom?.file, p.sameAs].filter((f): f is string => Boolean(f)),
  validate: (p) => [
    ...urlFromProblems(p.urlFrom, p.url),
    ...(p.url || p.urlFrom ? [] : ['give `url` or `urlFrom`']),
    ...(p.prefix && (p.size !== undefined || p.sameAs) ? ['`size` and `sameAs` apply to one object, not with `prefix: true`'] : []),
    ...(!p.prefix && p.minObjects !== undefined ? ['`minObjects` needs `prefix: true`'] : []),
  ],
  run: budgeted(async (ctx, p: S3ObjectParams) => {
    const aws = ctx.aws!;
    const where = await resolveUrl(ctx, p, 'the s3:// URL of your object');
    const loc = where.url.startsWith('s3://') ? parseS3Url(where.url) : undefined;
    if (!loc || (!p.prefix && !loc.key)) throw badUrl(where.url, 'an S3 URL', where);
    const at: Where = { file: where.file, line: where.line };
    const s3 = new S3(aws, await aws.region(p.region));
    if (p.region) await checkRegion(s3, loc, p.region, at);
    if (p.prefix) return checkPrefix(s3, loc, p.minObjects ?? 1, at);

    const head = await s3.call(
      'HeadObject',
      's3:GetObject',
      async (c) => {
        const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
        return c.send(new HeadObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
      },
      async (c) => {
        const { GetObjectCommand } = await import('@aws-sdk/client-s3');
        const out = await c.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key, Range: 'bytes=0-0' }));
        await out.Body?.transformToByteArray();
      },
    );
    if (isMissing(head)) throw await missing(s3, loc, head, at);
    const size = head.ContentLength ?? 0;
    if (p.size !== undefined && size !== p.size) {
      throw new Failure({
        code: 'size',
        rationale: `s3://${loc.bucket}/${loc.key} is ${plural(size, 'byte')}, not ${p.size}.`,
        hint: `Upload the right file again: aws s3 cp <file> s3://${loc.bucket}/${loc.key}`,
        expected: `${p.size} bytes`,
        actual: `${size} bytes`,
        ...at,
      });
    }
    if (p.sameAs) await checkSame(ctx, s3, loc, p.sameAs, head, at);
  }),
});

interface Head {
  ContentLength?: number;
  ETag?: string;
  ServerSideEncryption?: string;
  SSECustomerAlgorithm?: string;
}
type Missing = { missing: string };
const isMissing = (x: unknown): x is Missing => typeof x === 'object' && x !== null && 'missing' in x;

/** An S3 client in one region, with not-found answers returned as data and the rest via awsProblem. */
class S3 {
  constructor(
    readonly aws: AwsAccess,
    public region: string,
  ) {}
  /**
   * `explain`: for HEAD requests, whose error answers have no body and so no error code (an expired
   * token reads as "UnknownError"), the same question asked with GET, whose error says what is wrong.
   */
  async call<T>(
    action: string,
    permission: string,
    f: (c: S3Client) => Promise<T>,
    explain?: (c: S3Client) => Promise<unknown>,
    redirected = false,
  ): Promise<T | Missing> {
    const sdk = await this.aws.client('s3', this.region);
    // Every call ends by the check's deadline (budget.ts).
    const client = {
      send: (command: unknown, o?: object) => sdk.send(command as never, { abortSignal: callSignal(), ...o }),
    } as unknown as S3Client;
    try {
      return await f(client);
    } catch (e0) {
      let e = e0;
      const n = (e0 as Error).name;
      if (explain && (GENERIC.has(n) || /^\d+$/.test(n))) {
        try {
          await explain(client);
        } catch (e1) {
          e = e1; // the GET's own error names the problem
        }
      }
      const err = e as Error & {
        $metadata?: { httpStatusCode?: number };
        $response?: { headers?: Record<string, string> };
        Region?: string;
        Endpoint?: string;
      };
      if (['NoSuchBucket', 'NoSuchKey', 'NotFound'].includes(err.name) || (err.$metadata?.httpStatusCode === 404 && !err.name))
        return { missing: err.name || 'NotFound' };
      // The SDK follows S3's region redirects itself; when one still surfaces (an old S3-compatible
      // server, a proxy), go where it points once, and otherwise say which region the bucket is in.
      if (err.name === 'PermanentRedirect' || err.$metadata?.httpStatusCode === 301) {
        const region =
          err.$response?.headers?.['x-amz-bucket-region'] ?? err.Region ?? /s3[.-]([a-z0-9-]+)\.amazonaws/.exec(err.Endpoint ?? '')?.[1];
        if (region && region !== this.region && !redirected) {
          this.region = region;
          return this.call(action, permission, f, explain, true);
        }
        throw new Unavailable(
          `the bucket is in another region than ${this.region}${region ? ` (${region})` : ''}, and S3 would not redirect there`,
          region
            ? `run check again with --region ${region}`
            : "run check again with --region set to the bucket's region (the S3 console shows it)",
        );
      }
      const p = awsProblem(e, { service: 's3', region: this.region, action, permission });
      const status = err.$metadata?.httpStatusCode ?? 0;
      if (p === e && status >= 400)
        throw new Unavailable(
          `S3 refused ${action} in ${this.region} (HTTP ${status} ${err.name})`,
          'run check again; if it persists, check your credentials with `aws sts get-caller-identity`',
        );
      throw p;
    }
  }
}

/** Names the SDK gives HEAD errors, which carry no error code. */
const GENERIC = new Set(['UnknownError', 'Unknown', 'BadRequest', 'Forbidden', 'ServiceUnavailable', 'InternalServerError']);

/**
 * HeadBucket, whose errors (like every HEAD's) carry no code: rejected or expired keys would read as
 * a missing permission. ListObjectsV2 needs the same permission (s3:ListBucket) and says why.
 */
function headBucket(s3: S3, bucket: string) {
  return s3.call(
    'HeadBucket',
    's3:ListBucket',
    async (c) => {
      const { HeadBucketCommand } = await import('@aws-sdk/client-s3');
      return c.send(new HeadBucketCommand({ Bucket: bucket }));
    },
    async (c) => {
      const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
      return c.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }));
    },
  );
}

/** Which is missing, the bucket or the key; lists a few keys that do exist to help spot a typo. */
async function missing(s3: S3, loc: S3Location, head: Missing, at: Where): Promise<Failure> {
  const bucketGone = head.missing === 'NoSuchBucket' || isMissing(await headBucket(s3, loc.bucket));
  if (bucketGone) {
    return new Failure({
      code: 'no-such-bucket',
      rationale: `The bucket ${loc.bucket} does not exist.`,
      hint: `Check the name (aws s3 ls lists your buckets), or create it: aws s3 mb s3://${loc.bucket}`,
      ...at,
    });
  }
  const dir = loc.key.includes('/') ? loc.key.slice(0, loc.key.lastIndexOf('/') + 1) : '';
  const keys = await listKeys(s3, loc.bucket, dir, 10).catch(() => [] as string[]);
  return new Failure({
    code: 'no-such-key',
    rationale: `There is no object ${loc.key} in the bucket ${loc.bucket}.`,
    hint: `Upload it: aws s3 cp <file> s3://${loc.bucket}/${loc.key}${keys.length ? `  (s3://${loc.bucket}/${dir} holds: ${keys.join(', ')})` : ''}`,
    ...at,
  });
}

async function listKeys(s3: S3, bucket: string, prefix: string, max: number): Promise<string[]> {
  const out = await s3.call('ListObjectsV2', 's3:ListBucket', async (c) => {
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    return c.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, MaxKeys: max }));
  });
  if (isMissing(out)) return [];
  return (out.Contents ?? []).map((o) => o.Key ?? '').filter(Boolean);
}

async function checkPrefix(s3: S3, loc: S3Location, min: number, at: Where): Promise<void> {
  const out = await s3.call('ListObjectsV2', 's3:ListBucket', async (c) => {
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    return c.send(new ListObjectsV2Command({ Bucket: loc.bucket, Prefix: loc.key || undefined, MaxKeys: min }));
  });
  if (isMissing(out))
    throw new Failure({
      code: 'no-such-bucket',
      rationale: `The bucket ${loc.bucket} does not exist.`,
      hint: `Check the name (aws s3 ls lists your buckets), or create it: aws s3 mb s3://${loc.bucket}`,
      ...at,
    });
  const n = out.KeyCount ?? out.Contents?.length ?? 0;
  if (n < min) {
    throw new Failure({
      code: 'too-few-objects',
      rationale: `s3://${loc.bucket}/${loc.key} holds ${n === 0 ? 'no objects' : plural(n, 'object')}${min > 1 ? `, fewer than ${min}` : ''}.`,
      hint: `Upload your files under it: aws s3 cp <folder> s3://${loc.bucket}/${loc.key} --recursive`,
      expected: `at least ${plural(min, 'object')}`,
      actual: String(n),
      ...at,
    });
  }
}

/** The bucket must be in `want`: HeadBucket says where it is (following S3's redirect). */
async function checkRegion(s3: S3, loc: S3Location, want: string, at: Where): Promise<void> {
  const out = await headBucket(s3, loc.bucket);
  if (isMissing(out)) return; // reported by the object or prefix test, with its hint
  const actual = out.BucketRegion;
  if (actual && actual !== want) {
    throw new Failure({
      code: 'wrong-region',
      rationale: `The bucket ${loc.bucket} is in ${actual}, but this assignment asks for ${want}.`,
      hint: `Buckets cannot move: make a new bucket in ${want} (aws s3 mb s3://<name> --region ${want}), copy the files there, and update your answer.`,
      expected: want,
      actual,
      ...at,
    });
  }
}

/** Same bytes as the answer file: by ETag when it is a plain MD5, else by downloading (capped). */
async function checkSame(ctx: CheckContext, s3: S3, loc: S3Location, file: string, head: Head, at: Where): Promise<void> {
  const local = await ctx.files.read(file);
  const url = `s3://${loc.bucket}/${loc.key}`;
  const differs = (actual: string) =>
    new Failure({
      code: 'differs',
      rationale: `${url} differs from your ${file}.`,
      hint: `Upload it again: aws s3 cp ${file} ${url}`,
      expected: `${plural(local.length, 'byte')}, as ${file}`,
      actual,
      ...at,
    });
  const size = head.ContentLength ?? 0;
  if (size !== local.length) throw differs(`${plural(size, 'byte')}`);
  if (size === 0) return;
  const etag = (head.ETag ?? '').replace(/"/g, '');
  const kms = head.ServerSideEncryption?.startsWith('aws:kms') || Boolean(head.SSECustomerAlgorithm);
  if (/^[0-9a-f]{32}$/i.test(etag) && !kms) {
    if (createHash('md5').update(local).digest('hex') !== etag.toLowerCase()) throw differs('same size, different content');
    return;
  }
  // Multipart or KMS: the ETag is not the MD5 of the bytes. The sizes are equal, so the download is
  // bounded by the answer file's own cap.
  const got = await s3.call('GetObject', 's3:GetObject', async (c) => {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const out = await c.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key, Range: `bytes=0-${local.length - 1}` }));
    return Buffer.from((await out.Body?.transformToByteArray()) ?? []);
  });
  if (isMissing(got)) throw await missing(s3, loc, got, at);
  if (!got.equals(local)) throw differs('same size, different content');
}
