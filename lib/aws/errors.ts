// AWS errors, turned into what a student can act on. Every failure mode gets its own message:
// no credentials (skip), rejected or expired credentials, a missing IAM permission, throttling that
// outlasted the SDK's retries, an unreachable endpoint, an AWS-side fault.
import { Failure, Skip, Unavailable, Advice } from '../errors.js';
import { maskKeyIds } from './mask.js';

export interface Operation {
  service: string;
  region?: string;
  /** The API action, e.g. DescribeKeyPairs. */
  action: string;
  /** The IAM permission it needs, e.g. ec2:DescribeKeyPairs. */
  permission: string;
}

const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired']);
const REJECTED = new Set(['AuthFailure', 'InvalidClientTokenId', 'UnrecognizedClientException', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'IncompleteSignature', 'InvalidToken']);
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess', 'Forbidden']);
const THROTTLED = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'SlowDown', 'RequestThrottled', 'ProvisionedThroughputExceededException']);
const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** Already a result (Failure, Skip, Advice, Unavailable) passes through unchanged. */
export function awsProblem(e: unknown, op: Operation): Error {
  if (e instanceof Failure || e instanceof Skip || e instanceof Advice || e instanceof Unavailable) return e;
  const err = e as Error & { name?: string; code?: string; Code?: string; $metadata?: { httpStatusCode?: number }; $fault?: string };
  const name = err?.name ?? '';
  const code = err?.code ?? '';
  const where = `${op.service}${op.region ? ` in ${op.region}` : ''}`;
  const msg = maskKeyIds(String(err?.message ?? e).split('\n')[0]);
  if (name === 'CredentialsProviderError') {
    return new Skip('no AWS credentials found; run `aws configure` with your IAM user\'s access key (or set AWS_PROFILE) to check your AWS work');
  }
  if (EXPIRED.has(name)) {
    return new Unavailable(`your AWS credentials have expired (${name})`, 'refresh them: `aws sso login` for SSO profiles, or new keys with `aws configure`; then run check again');
  }
  if (REJECTED.has(name)) {
    return new Unavailable(`AWS rejected your credentials (${name}: ${msg})`, 'run `aws configure` with a current access key of your IAM user; deleted or mistyped keys fail this way');
  }
  if (DENIED.has(name) || err?.$metadata?.httpStatusCode === 403) {
    return new Unavailable(
      `your IAM user is not allowed to call ${op.action} on ${where}`,
      op.permission ? `attach a policy that allows ${op.permission} to your IAM user (the course's policy lists it)` : 'ask your instructor which IAM policy the course expects',
    );
  }
  if (THROTTLED.has(name)) {
    return new Unavailable(`AWS is throttling ${op.action} on ${where}, even after retries`, 'wait a minute and run check again');
  }
  if (NETWORK.has(code) || NETWORK.has(name) || name === 'TimeoutError' || name === 'RequestTimeout' || /socket hang up|connect ETIMEDOUT|timed? ?out/i.test(msg)) {
    return new Unavailable(`cannot reach AWS ${where} (${code || name}): ${msg}`, 'check your network connection (and AWS_ENDPOINT_URL, if you set it), then run check again; --offline skips AWS checks');
  }
  if (err?.$fault === 'server' || (err?.$metadata?.httpStatusCode ?? 0) >= 500) {
    return new Unavailable(`AWS answered ${op.action} on ${where} with a server error (${name || 'HTTP ' + err?.$metadata?.httpStatusCode})`, 'this is on AWS\'s side; run check again in a few minutes');
  }
  return err instanceof Error ? err : new Error(String(e));
}
