// aws.s3.website: static website hosting is on, and the website URL serves the file to anyone.
// Anonymous (the grader re-runs it). With HARNESS_S3_WEBSITE_ENDPOINT set (the stand-in), or else
// an S3 endpoint (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL: the stand-in, moto), the GET connects there
// and sends the website host name in the Host header, as a browser would. Only with neither does it
// go to AWS's own website host: an emulated S3 never sends the website check to the real one.
import { defineKind } from './kind.js';
import { Failure, Unavailable } from '../errors.js';
import { anonGet, hostGet, s3ErrorCode } from '../aws/http.js';
import { budgeted } from '../aws/budget.js';
import { refusedFailure } from '../aws/s3head.js';
import {
  badUrl,
  parseWebsiteUrl,
  publicUrl,
  resolveUrl,
  s3Endpoint,
  urlFromProblems,
  urlFromSchema,
  websiteUrl,
  type UrlFrom,
  type WebsiteUrl,
} from '../aws/s3url.js';

export interface S3WebsiteParams {
  url?: string;
  urlFrom?: UrlFrom;
  sameAs?: string;
}

export default defineKind<S3WebsiteParams>({
  kind: 'aws.s3.website',
  needs: 'internet',
  title: (p) => `${p.urlFrom ? `The website URL in ${p.urlFrom.file}` : 'The S3 website URL'} serves ${p.sameAs ?? 'your file'} to anyone`,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      url: { type: 'string', minLength: 1, description: 'The website URL: `http://<bucket>.s3-website-<region>.amazonaws.com/<key>`.' },
      urlFrom: urlFromSchema,
      sameAs: {
        type: 'string',
        minLength: 1,
        description: 'An answer file (relative to the assignment folder) whose bytes the page must equal.',
      },
    },
  },
  files: (p) => [p.urlFrom?.file, p.sameAs].filter((f): f is string => Boolean(f)),
  validate: (p) => [...urlFromProblems(p.urlFrom, p.url), ...(p.url || p.urlFrom ? [] : ['give `url` or `urlFrom`'])],
  run: budgeted(async (ctx, p: S3WebsiteParams) => {
    const env = ctx.aws?.env ?? process.env;
    const where = await resolveUrl(ctx, p, 'the http:// website URL of your file');
    const site = parseWebsiteUrl(where.url);
    if (!site) throw badUrl(where.url, 'an S3 website URL', where);
    const at = { file: where.file, line: where.line };
    if (site.url.protocol === 'https:') {
      throw new Failure({
        code: 'https',
        rationale: 'S3 website endpoints serve only http://, so an https:// website URL never loads.',
        hint: `Write the URL with http://: ${where.url.replace(/^https:/, 'http:')}`,
        actual: where.url,
        ...at,
      });
    }
    const local = p.sameAs ? await ctx.files.read(p.sameAs) : undefined;
    const r = await hostGet(site.url.toString(), websiteEndpoint(env), {
      env,
      signal: ctx.signal,
      maxBytes: Math.max(local ? local.length + 1 : 0, 16 * 1024),
      what: `the website URL ${site.url.host}`,
    });
    const code = s3ErrorCode(r);
    const { bucket, key } = site;
    if (r.status === 200) {
      if (local && (r.truncated || !local.equals(r.body))) {
        throw new Failure({
          code: 'differs',
          rationale: `The website serves ${key}, but it differs from your ${p.sameAs}.`,
          hint: `Upload the file again: aws s3 cp ${p.sameAs} s3://${bucket}/${key}`,
          expected: `${local.length} bytes, as ${p.sameAs}`,
          actual: r.truncated ? `more than ${local.length} bytes` : `${r.body.length} bytes, different content`,
          ...at,
        });
      }
      return;
    }
    if (code === 'NoSuchWebsiteConfiguration') {
      throw new Failure({
        code: 'no-website',
        rationale: `Website hosting is not enabled on ${bucket}.`,
        hint: `Enable it: aws s3 website s3://${bucket}/ --index-document index.html (or console: bucket → Properties → Static website hosting → Edit → Enable).`,
        actual: `HTTP ${r.status} NoSuchWebsiteConfiguration`,
        ...at,
      });
    }
    if (r.status === 403) {
      // As on the REST endpoint, a missing key is 403 for those who may not list the bucket.
      throw await refusedFailure(
        ctx.aws,
        { bucket, key },
        {
          refused: `the website answers a stranger 403 ${code ?? 'Forbidden'}`,
          notPublic: `The website does not serve ${key} to the public`,
          actual: `HTTP 403${code ? ` ${code}` : ''}`,
          ...at,
        },
      );
    }
    if (code === 'NoSuchKey') {
      throw new Failure({
        code: 'no-such-key',
        rationale: `Website hosting is on, but ${bucket} has no object ${key}.`,
        hint: `Upload it: aws s3 cp ${p.sameAs ?? key} s3://${bucket}/${key}`,
        actual: `HTTP ${r.status} NoSuchKey`,
        ...at,
      });
    }
    if (r.status === 404 || (r.status >= 300 && r.status < 400) || code === 'IncorrectEndpoint' || code === 'PermanentRedirect') {
      // Wrong region in the URL, or no such bucket: ask S3 itself where the bucket lives.
      const region = await bucketRegion(site, env, ctx.signal);
      if (region && site.region && region !== site.region) {
        throw new Failure({
          code: 'wrong-region',
          rationale: `The website URL names the region ${site.region}, but the bucket ${bucket} is in ${region}.`,
          hint: `Use the bucket's own website URL: ${websiteUrl(bucket, region, key)}`,
          expected: region,
          actual: site.region,
          ...at,
        });
      }
      if (region === null || code === 'NoSuchBucket') {
        throw new Failure({
          code: 'no-such-bucket',
          rationale: `The bucket ${bucket} does not exist${region === null ? '' : ` in ${site.region}`}.`,
          hint: 'Check the bucket name in the URL (aws s3 ls lists your buckets).',
          actual: `HTTP ${r.status}${code ? ` ${code}` : ''}`,
          ...at,
        });
      }
      throw new Failure({
        code: 'not-served',
        rationale: `The website URL does not serve ${key} (HTTP ${r.status}${code ? ` ${code}` : ''}).`,
        hint: 'Open the URL in a browser to see what it says; the S3 console shows the website endpoint under Properties → Static website hosting.',
        ...at,
      });
    }
    if (r.status >= 500)
      throw new Unavailable(
        `the website endpoint answered with a server error (HTTP ${r.status})`,
        "this is on AWS's side; run check again in a few minutes",
      );
    throw new Unavailable(
      `the website URL answered HTTP ${r.status}${code ? ` ${code}` : ''}, which this check cannot judge`,
      'open the URL in a private browser window to see what others see',
    );
  }),
});

/** Where website requests connect: HARNESS_S3_WEBSITE_ENDPOINT, else a configured S3 endpoint, else AWS itself. */
export function websiteEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  return env.HARNESS_S3_WEBSITE_ENDPOINT || s3Endpoint(env);
}

/**
 * The bucket's region from the x-amz-bucket-region header S3 sends on any HEAD of the bucket (even a
 * refused one); null when the bucket does not exist, undefined when S3 would not say.
 */
async function bucketRegion(site: WebsiteUrl, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<string | null | undefined> {
  try {
    const r = await anonGet(publicUrl({ bucket: site.bucket, key: '' }, env), {
      env,
      signal,
      method: 'HEAD',
      maxBytes: 0,
      what: `the bucket ${site.bucket}`,
      timeoutMs: 5000,
    });
    if (r.headers['x-amz-bucket-region']) return r.headers['x-amz-bucket-region'];
    return r.status === 404 ? null : undefined;
  } catch (e) {
    if (e instanceof Unavailable) return undefined;
    throw e;
  }
}
