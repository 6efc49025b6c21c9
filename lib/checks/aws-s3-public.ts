// aws.s3.public: the object is world-readable. Buckets made today have ACLs disabled, so "public"
// means what an anonymous, unsigned GET of the object's URL returns, not what an ACL says. Needs
// no credentials: the grader re-runs it.
import { defineKind } from './kind.js';
import { Failure, Unavailable } from '../errors.js';
import { anonGet, s3ErrorCode } from '../aws/http.js';
import { badUrl, parseS3Url, publicPolicyHint, publicUrl, resolveUrl, s3Endpoint, urlFromProblems, urlFromSchema, type UrlFrom } from '../aws/s3url.js';

export interface S3PublicParams {
  url?: string;
  urlFrom?: UrlFrom;
  sameAs?: string;
}

export default defineKind<S3PublicParams>({
  kind: 'aws.s3.public',
  needs: 'internet',
  title: (p) => `${p.urlFrom ? `The S3 object named in ${p.urlFrom.file}` : 'The S3 object'} can be downloaded by anyone${p.sameAs ? ` and matches ${p.sameAs}` : ''}`,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      url: { type: 'string', minLength: 1, description: 'The object: `s3://bucket/key`, or its https URL.' },
      urlFrom: urlFromSchema,
      sameAs: { type: 'string', minLength: 1, description: 'An answer file (relative to the assignment folder) whose bytes the object must equal.' },
    },
  },
  files: (p) => [p.urlFrom?.file, p.sameAs].filter((f): f is string => Boolean(f)),
  validate: (p) => [...urlFromProblems(p.urlFrom, p.url), ...(p.url || p.urlFrom ? [] : ['give `url` or `urlFrom`'])],
  async run(ctx, p) {
    const env = ctx.aws?.env ?? process.env;
    const where = await resolveUrl(ctx, p, 'the s3:// URL of your object');
    const loc = parseS3Url(where.url);
    if (!loc && !/^https?:\/\//.test(where.url)) throw badUrl(where.url, 'an S3 URL', where);
    if (loc && !loc.key) throw badUrl(where.url, 'an S3 URL', where);
    // An S3 address is fetched the way a stranger would; with an endpoint configured (the stand-in,
    // LocalStack) path style under it.
    const target = loc && (s3Endpoint(env) || where.url.startsWith('s3://')) ? publicUrl(loc, env) : where.url;
    const local = p.sameAs ? await ctx.files.read(p.sameAs) : undefined;
    const r = await anonGet(target, { env, signal: ctx.signal, maxBytes: Math.max(local ? local.length + 1 : 0, 16 * 1024), what: `the public URL of ${where.url}` });
    const code = s3ErrorCode(r);
    const name = loc ? `s3://${loc.bucket}/${loc.key}` : where.url;
    if (r.status === 200) {
      if (local && (r.truncated || !local.equals(r.body))) {
        throw new Failure({
          rationale: `Anyone can download ${name}, but it differs from your ${p.sameAs}.`,
          hint: loc ? `Upload the file again: aws s3 cp ${p.sameAs} s3://${loc.bucket}/${loc.key}` : `Upload ${p.sameAs} again.`,
          expected: `${local.length} bytes, as ${p.sameAs}`,
          actual: r.truncated ? `more than ${local.length} bytes` : `${r.body.length} bytes, different content`,
          file: where.file,
          line: where.line,
        });
      }
      return;
    }
    if (r.status === 403) {
      throw new Failure({
        rationale: `${name} is not public: an anonymous download is refused (403 ${code ?? 'Forbidden'}).`,
        hint: loc ? publicPolicyHint(loc.bucket) : 'Make the object world-readable.',
        actual: `HTTP 403${code ? ` ${code}` : ''} for ${target}`,
        file: where.file,
        line: where.line,
      });
    }
    if (r.status === 404) {
      const noBucket = code === 'NoSuchBucket';
      throw new Failure({
        rationale: loc
          ? noBucket ? `The bucket ${loc.bucket} does not exist.` : `There is no object ${loc.key} in the bucket ${loc.bucket}.`
          : `${where.url} does not exist (404).`,
        hint: loc
          ? noBucket ? `Check the bucket name in ${where.file ?? 'the URL'} (aws s3 ls lists yours).` : `Check the key (aws s3 ls s3://${loc.bucket}/ lists it), or upload it: aws s3 cp <file> s3://${loc.bucket}/${loc.key}`
          : 'Check the URL.',
        actual: `HTTP 404${code ? ` ${code}` : ''}`,
        file: where.file,
        line: where.line,
      });
    }
    if (r.status >= 500) throw new Unavailable(`S3 answered ${target} with a server error (HTTP ${r.status})`, 'this is on AWS\'s side; run check again in a few minutes');
    throw new Unavailable(`an anonymous GET of ${target} answered HTTP ${r.status}${code ? ` ${code}` : ''}, which this check cannot judge`, 'open the URL in a private browser window to see what others see');
  },
});
