// What s3rver cannot say, answered from the world: who may read what anonymously, the website
// endpoint, and the bucket settings a "is this bucket public?" check reads (website, policy
// status, policy, public access block, location).
import { ApiError, websiteError, xmlReply, type Ctx, type Reply } from './protocol.js';
import { doc, el, wrap } from './xml.js';
import { findBucket, isPublicKey, type Bucket } from './world.js';
import { encodeKey, type S3Backend, type S3Target } from './s3.js';

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const CREATED = '2025-01-15T09:30:00.000Z';

const noSuchBucket = () => new ApiError('NoSuchBucket', 'The specified bucket does not exist', 404);

/** Signed calls answered here instead of by s3rver; undefined means "proxy it". */
export function intercept(ctx: Ctx, t: S3Target, bucket: Bucket | undefined): Reply | undefined {
  const get = ctx.req.method === 'GET';
  if (ctx.action === 'ListBuckets' && get) {
    const mine = (ctx.account!.buckets ?? []).filter((b) => ctx.region === 'us-east-1' || b.region === ctx.region);
    return xmlReply(
      ctx,
      doc(
        'ListAllMyBucketsResult',
        NS,
        wrap('Owner', el('ID', ctx.account!.id), el('DisplayName', ctx.account!.alias ?? 'student')),
        wrap('Buckets', ...mine.map((b) => wrap('Bucket', el('Name', b.name), el('CreationDate', CREATED), el('BucketRegion', b.region)))),
      ),
    );
  }
  if (
    !get ||
    !['GetBucketWebsite', 'GetBucketPolicyStatus', 'GetBucketPolicy', 'GetBucketLocation', 'GetPublicAccessBlock'].includes(ctx.action) ||
    t.key
  )
    return undefined;
  if (!bucket) throw noSuchBucket();
  switch (ctx.action) {
    case 'GetBucketWebsite':
      if (!bucket.website)
        throw new ApiError('NoSuchWebsiteConfiguration', 'The specified bucket does not have a website configuration', 404);
      return xmlReply(
        ctx,
        doc(
          'WebsiteConfiguration',
          NS,
          wrap('IndexDocument', el('Suffix', bucket.website.indexDocument ?? 'index.html')),
          bucket.website.errorDocument ? wrap('ErrorDocument', el('Key', bucket.website.errorDocument)) : '',
        ),
      );
    case 'GetBucketPolicyStatus':
    case 'GetBucketPolicy':
      // `public: true` stands for a public-read bucket policy; a list of keys for per-object ACLs (no policy).
      if (bucket.public !== true) throw new ApiError('NoSuchBucketPolicy', 'The bucket policy does not exist', 404);
      if (ctx.action === 'GetBucketPolicyStatus') return xmlReply(ctx, doc('PolicyStatus', NS, el('IsPublic', true)));
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(publicPolicy(bucket.name)) };
    case 'GetBucketLocation':
      return xmlReply(ctx, doc('LocationConstraint', NS, bucket.region === 'us-east-1' ? '' : bucket.region));
    default: // GetPublicAccessBlock
      if (bucket.public)
        throw new ApiError('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found', 404);
      return xmlReply(
        ctx,
        doc(
          'PublicAccessBlockConfiguration',
          NS,
          ...['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'].map((k) => el(k, true)),
        ),
      );
  }
}

export function publicPolicy(name: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'PublicReadGetObject', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${name}/*` },
    ],
  };
}

/** An unsigned REST request: served only for objects the world marks world-readable. */
export async function anonymous(ctx: Ctx, t: S3Target, s3: S3Backend): Promise<void> {
  if (!t.bucket) throw new ApiError('AccessDenied', 'Access Denied', 403);
  const found = findBucket(ctx.world, t.bucket);
  if (!found) throw noSuchBucket();
  const regionHeader = { 'x-amz-bucket-region': found.bucket.region };
  // A private bucket says 403 even for a missing key: telling them apart would need ListBucket.
  const readable = (ctx.req.method === 'GET' || ctx.req.method === 'HEAD') && t.key !== undefined && isPublicKey(found.bucket, t.key);
  if (!readable) throw new ApiError('AccessDenied', 'Access Denied', 403, undefined, regionHeader);
  await s3.ensureSeeded(ctx.world, t.bucket);
  // So does a public one, unless the public may list it: a policy granting s3:GetObject alone (the
  // one the harness recommends) answers a missing key with 403 (GetObject API reference, "Permissions").
  if (!found.bucket.publicList && !(await s3.exists(t.bucket, t.key!)))
    throw new ApiError('AccessDenied', 'Access Denied', 403, undefined, regionHeader);
  await s3.forward(ctx.req, ctx.res, t.rawPath, ctx.url.search, undefined, regionHeader);
}

/** `<bucket>.s3-website-<region>.amazonaws.com` or `<bucket>.s3-website.<region>.amazonaws.com`. */
export function websiteHost(host: string | undefined): { bucket: string; region: string } | undefined {
  const m = /^(.+)\.s3-website[-.]([a-z0-9-]+)\.amazonaws\.com(?::\d+)?$/.exec(host ?? '');
  return m ? { bucket: m[1], region: m[2] } : undefined;
}

/** The website endpoint: public objects and index documents, HTML error pages otherwise. */
export async function website(ctx: Ctx, bucketName: string, s3: S3Backend): Promise<Reply | undefined> {
  const found = findBucket(ctx.world, bucketName);
  if (!found) return websiteError(ctx, 'NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: bucketName });
  const b = found.bucket;
  // A website endpoint serves only the buckets of its own region (S3 User Guide, "Website endpoints").
  if (b.region !== ctx.region) {
    return websiteError(
      ctx,
      'PermanentRedirect',
      'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
      301,
      { BucketName: bucketName, Endpoint: `${bucketName}.s3-website-${b.region}.amazonaws.com` },
    );
  }
  if (!b.website)
    return websiteError(ctx, 'NoSuchWebsiteConfiguration', 'The specified bucket does not have a website configuration', 404, {
      BucketName: bucketName,
    });
  if (ctx.req.method !== 'GET' && ctx.req.method !== 'HEAD')
    return websiteError(ctx, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
  let key = decodeURIComponent(ctx.url.pathname.slice(1));
  if (key === '' || key.endsWith('/')) key += b.website.indexDocument ?? 'index.html';
  if (!isPublicKey(b, key)) return websiteError(ctx, 'AccessDenied', 'Access Denied', 403);
  await s3.ensureSeeded(ctx.world, b.name);
  const ans = await s3.raw(ctx.req.method, `/${b.name}/${encodeKey(key)}`);
  if (ans.statusCode === 404) {
    ans.resume();
    // Without s3:ListBucket for everyone a missing key is refused, as on the REST endpoint.
    if (!b.publicList) return websiteError(ctx, 'AccessDenied', 'Access Denied', 403);
    return websiteError(ctx, 'NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
  }
  const keep = ['content-type', 'content-length', 'etag', 'last-modified'];
  const headers = Object.fromEntries(keep.filter((h) => ans.headers[h]).map((h) => [h, String(ans.headers[h])]));
  ctx.res.writeHead(ans.statusCode ?? 200, { ...headers, 'x-amz-request-id': ctx.requestId, server: 'AmazonS3' });
  ans.pipe(ctx.res);
  await new Promise((resolve) => ans.on('end', resolve));
  return undefined; // sent
}
