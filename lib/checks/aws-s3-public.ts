// aws.s3.public: the object is world-readable. Buckets made today have ACLs disabled, so "public"
// means what an anonymous, unsigned GET of the object's URL returns, not what an ACL says. Needs
// no credentials: the grader re-runs it. A 403 is "not public" or "no such key" (S3 will not say
// which to a stranger); where the student's own credentials are at hand (`check`), a signed
// HeadObject tells them apart (lib/aws/s3head.ts).
import { defineKind } from './kind.js';
import { Failure, Unavailable } from '../errors.js';
import { anonGet, s3ErrorCode, type AnonResponse } from '../aws/http.js';
import { budgeted } from '../aws/budget.js';
import { refusedFailure } from '../aws/s3head.js';
import {
  badUrl,
  parseS3Url,
  publicUrl,
  regionalUrl,
  resolveUrl,
  s3Endpoint,
  urlFromProblems,
  urlFromSchema,
  type UrlFrom,
} from '../aws/s3url.js';

export interface S3PublicParams {
  url?: string;
  urlFrom?: UrlFrom;
  sameAs?: string;
}

export default defineKind<S3PublicParams>({
  kind: 'aws.s3.public',
  needs: 'internet',
  title: (p) =>
    `${p.urlFrom ? `The S3 object named in ${p.urlFrom.file}` : 'The S3 object'} can be downloaded by anyone${p.sameAs ? ` and matches ${p.sameAs}` : ''}`,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      url: { type: 'string', minLength: 1, description: 'The object: `s3://bucket/key`, or its https URL.' },
      urlFrom: urlFromSchema,
      sameAs: {
        type: 'string',
        minLength: 1,
        description: 'An answer file (relative to the assignment folder) whose bytes the object must equal.',
      },
    },
  },
  files: (p) => [p.urlFrom?.file, p.sameAs].filter((f): f is string => Boolean(f)),
  validate: (p) => [...urlFromProblems(p.urlFrom, p.url), ...(p.url || p.urlFrom ? [] : ['give `url` or `urlFrom`'])],
  run: budgeted(async (ctx, p: S3PublicParams) => {
    const env = ctx.aws?.env ?? process.env;
    const where = await resolveUrl(ctx, p, 'the s3:// URL of your object');
    const at = { file: where.file, line: where.line };
    const loc = parseS3Url(where.url);
    if (!loc && !/^https?:\/\//.test(where.url)) throw badUrl(where.url, 'an S3 URL', where);
    if (loc && !loc.key) throw badUrl(where.url, 'an S3 URL', where);
    // An S3 address is fetched the way a stranger would: path style under a configured endpoint
    // (the stand-in, LocalStack, moto), and path style for a dotted bucket name (see publicUrl).
    let target = loc && (s3Endpoint(env) || where.url.startsWith('s3://') || loc.bucket.includes('.')) ? publicUrl(loc, env) : where.url;
    const local = p.sameAs ? await ctx.files.read(p.sameAs) : undefined;
    const get = (url: string) =>
      anonGet(url, {
        env,
        signal: ctx.signal,
        maxBytes: Math.max(local ? local.length + 1 : 0, 16 * 1024),
        what: `the public URL of ${where.url}`,
      });
    let r = await get(target);
    // Path style on the global host, for a bucket in another region: S3 answers 301 and names the region.
    const moved = loc && !s3Endpoint(env) && r.status === 301 ? regionOf(r) : undefined;
    if (loc && moved) r = await get((target = regionalUrl(loc, moved)));
    const code = s3ErrorCode(r);
    const name = loc ? `s3://${loc.bucket}/${loc.key}` : where.url;
    if (r.status === 200) {
      if (local && (r.truncated || !local.equals(r.body))) {
        throw new Failure({
          code: 'differs',
          rationale: `Anyone can download ${name}, but it differs from your ${p.sameAs}.`,
          hint: loc ? `Upload the file again: aws s3 cp ${p.sameAs} s3://${loc.bucket}/${loc.key}` : `Upload ${p.sameAs} again.`,
          expected: `${local.length} bytes, as ${p.sameAs}`,
          actual: r.truncated ? `more than ${local.length} bytes` : `${r.body.length} bytes, different content`,
          ...at,
        });
      }
      return;
    }
    if (r.status === 403) {
      if (!loc)
        throw new Failure({
          code: 'not-public',
          rationale: `${name} is not public: an anonymous download is refused (403 ${code ?? 'Forbidden'}).`,
          hint: 'Make the object world-readable.',
          actual: `HTTP 403 for ${target}`,
          ...at,
        });
      throw await refusedFailure(ctx.aws, loc, {
        refused: `an anonymous download of ${name} is refused (403 ${code ?? 'Forbidden'})`,
        notPublic: `${name} is not public`,
        actual: `HTTP 403${code ? ` ${code}` : ''} for ${target}`,
        ...at,
      });
    }
    if (r.status === 404) {
      const noBucket = code === 'NoSuchBucket';
      throw new Failure({
        code: noBucket ? 'no-such-bucket' : 'no-such-key',
        rationale: loc
          ? noBucket
            ? `The bucket ${loc.bucket} does not exist.`
            : `There is no object ${loc.key} in the bucket ${loc.bucket}.`
          : `${where.url} does not exist (404).`,
        hint: loc
          ? noBucket
            ? `Check the bucket name in ${where.file ?? 'the URL'} (aws s3 ls lists yours).`
            : `Check the key (aws s3 ls s3://${loc.bucket}/ lists it), or upload it: aws s3 cp <file> s3://${loc.bucket}/${loc.key}`
          : 'Check the URL.',
        actual: `HTTP 404${code ? ` ${code}` : ''}`,
        ...at,
      });
    }
    if (r.status >= 500)
      throw new Unavailable(
        `S3 answered ${target} with a server error (HTTP ${r.status})`,
        "this is on AWS's side; run check again in a few minutes",
      );
    throw new Unavailable(
      `an anonymous GET of ${target} answered HTTP ${r.status}${code ? ` ${code}` : ''}, which this check cannot judge`,
      'open the URL in a private browser window to see what others see',
    );
  }),
});

/** The region S3 names in a 301: the x-amz-bucket-region header, or the <Endpoint> of its XML. */
function regionOf(r: AnonResponse): string | undefined {
  return r.headers['x-amz-bucket-region'] ?? /<Endpoint>[^<]*?s3[.-]([a-z]{2}(?:-[a-z]+)+-\d+)\./.exec(r.body.toString('utf8'))?.[1];
}
