// AWS errors, turned into what a student can act on. Every failure mode gets its own message:
// no credentials (skip), rejected or expired credentials, a missing IAM permission, throttling that
// outlasted the SDK's retries, an unreachable endpoint, an AWS-side fault.
import { Failure, Skip, Unavailable, Advice } from '../errors.js';
import { maskKeyIds } from './mask.js';
import { limitSeconds } from './budget.js';

export interface Operation {
  service: string;
  region?: string;
  /** The API action, e.g. DescribeKeyPairs. */
  action: string;
  /** The IAM permission it needs, e.g. ec2:DescribeKeyPairs. */
  permission: string;
}

const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired']);
const REJECTED = new Set([
  'AuthFailure',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'InvalidToken',
]);
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess', 'Forbidden']);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'RequestThrottled',
  'ProvisionedThroughputExceededException',
]);
const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

const NET_HINT = 'check your network connection (and AWS_ENDPOINT_URL, if you set it), then run check again; --offline skips AWS checks';

/** Already a result (Failure, Skip, Advice, Unavailable) passes through unchanged. */
export function awsProblem(e: unknown, op: Operation): Error {
  if (e instanceof Failure || e instanceof Skip || e instanceof Advice || e instanceof Unavailable) return e;
  const err = e as Error & {
    name?: string;
    code?: string;
    Code?: string;
    $metadata?: { httpStatusCode?: number; attempts?: number };
    $fault?: string;
  };
  const name = err?.name ?? '';
  const code = err?.code ?? '';
  const where = `${op.service}${op.region ? ` in ${op.region}` : ''}`;
  const msg = maskKeyIds(String(err?.message ?? e).split('\n')[0]);
  if (/SSO session|sso login/i.test(msg)) {
    return new Unavailable(
      'your AWS SSO session is not logged in, or has expired',
      'run `aws sso login` (with `--profile <name>` for a named profile), then run check again',
    );
  }
  if (name === 'CredentialsProviderError') {
    return new Skip(
      "no AWS credentials found; run `aws configure` with your IAM user's access key (or set AWS_PROFILE) to check your AWS work",
    );
  }
  if (EXPIRED.has(name)) {
    return new Unavailable(
      `your AWS credentials have expired (${name})`,
      'refresh them: `aws sso login` for SSO profiles, or new keys with `aws configure`; then run check again',
    );
  }
  if (REJECTED.has(name)) {
    return new Unavailable(
      `AWS rejected your credentials (${name}: ${msg})`,
      'run `aws configure` with a current access key of your IAM user; deleted or mistyped keys fail this way',
    );
  }
  if (DENIED.has(name) || err?.$metadata?.httpStatusCode === 403) {
    return new Unavailable(
      `your IAM user is not allowed to call ${op.action} on ${where}`,
      op.permission
        ? `attach a policy that allows ${op.permission} to your IAM user (the course's policy lists it)`
        : 'ask your instructor which IAM policy the course expects',
    );
  }
  if (THROTTLED.has(name)) {
    return new Unavailable(`AWS is throttling ${op.action} on ${where}, even after retries`, 'wait a minute and run check again');
  }
  const tries = err?.$metadata?.attempts ?? 0;
  const after = tries > 1 ? `, after ${tries} tries` : '';
  // The check's deadline (budget.ts) cut the call short: the endpoint accepted it but never answered.
  if (name === 'AbortError') {
    const limit = limitSeconds();
    return new Unavailable(
      `AWS ${where} did not answer ${op.action || 'a request'} in time${limit ? ` (this check may take ${limit} s)` : ''}`,
      NET_HINT,
    );
  }
  if (/establishing a connection/i.test(msg)) return new Unavailable(`cannot reach AWS ${where}: no connection in time${after}`, NET_HINT);
  // The SDK names refused and reset connections TimeoutError too (so that it retries them): the code says which.
  if (NETWORK.has(code) && code !== 'ETIMEDOUT') return new Unavailable(`cannot reach AWS ${where} (${code}${after}): ${msg}`, NET_HINT);
  if (name === 'TimeoutError' || name === 'RequestTimeout' || code === 'ETIMEDOUT') {
    return new Unavailable(`AWS ${where} did not answer ${op.action || 'a request'} in time${after}`, NET_HINT);
  }
  if (NETWORK.has(name) || /socket hang up|timed? ?out/i.test(msg)) {
    return new Unavailable(`cannot reach AWS ${where} (${code || name}${after}): ${msg}`, NET_HINT);
  }
  if (err?.$fault === 'server' || (err?.$metadata?.httpStatusCode ?? 0) >= 500) {
    return new Unavailable(
      `AWS answered ${op.action} on ${where} with a server error (${name || 'HTTP ' + err?.$metadata?.httpStatusCode})`,
      "this is on AWS's side; run check again in a few minutes",
    );
  }
  return err instanceof Error ? err : new Error(String(e));
}
