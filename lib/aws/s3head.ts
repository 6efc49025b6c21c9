// Does an object exist? Asked with the student's own credentials, when an anonymous GET was refused.
// With the bucket policy the course recommends (s3:GetObject for everyone, no s3:ListBucket), S3
// answers an anonymous GET of a missing key with 403, exactly as for a private object (GetObject
// API reference, "Permissions"), so only a signed request can tell "not public" from "no such key".
// The grader holds no credentials: there the answer is "cannot tell" and the check says both.
import type { AwsAccess } from './access.js';
import { publicPolicyHint, type S3Location } from './s3url.js';
import { Failure, Skip, Unavailable } from '../errors.js';
import { callSignal } from './budget.js';

/** `exists`, `missing` (no such key), or undefined when it cannot be told (no credentials, not theirs). */
export async function objectState(aws: AwsAccess | undefined, loc: S3Location): Promise<'exists' | 'missing' | undefined> {
  if (!aws) return undefined;
  try {
    await aws.credentials();
  } catch (e) {
    if (e instanceof Skip || e instanceof Unavailable) return undefined;
    throw e;
  }
  const [{ HeadObjectCommand }, client] = await Promise.all([import('@aws-sdk/client-s3'), aws.region().then((r) => aws.client('s3', r))]);
  try {
    await client.send(new HeadObjectCommand({ Bucket: loc.bucket, Key: loc.key }), { abortSignal: callSignal() });
    return 'exists';
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    if (err.$metadata?.httpStatusCode === 404 || err.name === 'NotFound' || err.name === 'NoSuchKey') return 'missing';
    return undefined; // another account's bucket, a missing permission, a network fault: the anonymous answer stands
  }
}

export interface Refusal {
  /** What was refused, for the sentence: "an anonymous download of s3://b/k is refused (403 AccessDenied)". */
  refused: string;
  /** The subject when it is certainly not public: "s3://b/k is not public". */
  notPublic: string;
  actual: string;
  file?: string;
  line?: number;
}

/**
 * The Failure for an anonymous 403: "not public" when the object exists, "no such key" when it does
 * not (asked with the student's credentials), and both, with both fixes, when that cannot be told.
 */
export async function refusedFailure(aws: AwsAccess | undefined, loc: S3Location, r: Refusal): Promise<Failure> {
  const state = await objectState(aws, loc);
  const upload = `aws s3 cp <file> s3://${loc.bucket}/${loc.key}`;
  const where = { actual: r.actual, file: r.file, line: r.line };
  if (state === 'missing') {
    return new Failure({
      code: 'no-such-key',
      rationale: `There is no object ${loc.key} in the bucket ${loc.bucket}: ${r.refused}, which is what S3 tells strangers about a missing key when they may not list the bucket.`,
      hint: `Check the key (aws s3 ls s3://${loc.bucket}/ lists the bucket), or upload it: ${upload}`,
      ...where,
    });
  }
  if (state === 'exists') {
    return new Failure({
      code: 'not-public',
      rationale: `${r.notPublic}: the object exists, but ${r.refused}.`,
      hint: publicPolicyHint(loc.bucket),
      ...where,
    });
  }
  return new Failure({
    code: 'not-public-or-missing',
    rationale: `${r.notPublic}, or there is no such key: ${r.refused}, and S3 answers that for both.`,
    hint: `First check that the object exists: aws s3 ls s3://${loc.bucket}/${loc.key} (if not, upload it: ${upload}). If it does, make it public. ${publicPolicyHint(loc.bucket)}`,
    ...where,
  });
}
