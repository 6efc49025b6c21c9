// Injected faults, and each service's own spelling of the common errors (the same table answers an
// unknown or expired access key). The spellings are what each SDK client turns into an error
// name, and what the SDK's retry logic classifies as throttling or transient.
import { createServer } from 'node:net';
import { ApiError, type Service } from './protocol.js';
import type { Fault, World } from './world.js';

type Common = 'throttle' | '500' | 'auth' | 'expired' | 'denied';
type Spec = [code: string, status: number, message: string, queryCode?: string];

const INVALID_TOKEN = 'The security token included in the request is invalid.';
const EXPIRED_TOKEN = 'The security token included in the request is expired';

export const COMMON_ERRORS: Record<Service, Record<Common, Spec>> = {
  ec2: {
    throttle: ['RequestLimitExceeded', 503, 'Request limit exceeded.'],
    500: ['InternalError', 500, 'An internal error has occurred'],
    auth: ['AuthFailure', 401, 'AWS was not able to validate the provided access credentials'],
    expired: ['RequestExpired', 400, 'Request has expired.'],
    denied: ['UnauthorizedOperation', 403, 'You are not authorized to perform this operation.'],
  },
  sts: {
    throttle: ['Throttling', 400, 'Rate exceeded'],
    500: ['InternalFailure', 500, 'The request processing has failed because of an unknown error, exception or failure.'],
    auth: ['InvalidClientTokenId', 403, INVALID_TOKEN],
    expired: ['ExpiredToken', 403, EXPIRED_TOKEN],
    denied: ['AccessDenied', 403, 'User is not authorized to perform this action'],
  },
  // CloudWatch speaks JSON but keeps its Query error codes in `x-amzn-query-error`.
  monitoring: {
    throttle: ['ThrottlingException', 400, 'Rate exceeded', 'Throttling'],
    500: ['InternalServiceFault', 500, 'Internal service error', 'InternalServiceError'],
    auth: ['InvalidClientTokenId', 403, INVALID_TOKEN],
    expired: ['ExpiredToken', 403, EXPIRED_TOKEN],
    denied: ['AccessDenied', 403, 'User is not authorized to perform this action', 'AccessDenied'],
  },
  elasticmapreduce: {
    throttle: ['ThrottlingException', 400, 'Rate exceeded'],
    500: ['InternalServerError', 500, 'Internal server error'],
    auth: ['UnrecognizedClientException', 400, INVALID_TOKEN],
    expired: ['ExpiredTokenException', 400, EXPIRED_TOKEN],
    denied: ['AccessDeniedException', 400, 'User is not authorized to perform this action'],
  },
  dynamodb: {
    throttle: ['ThrottlingException', 400, 'Rate of requests exceeds the allowed throughput.'],
    500: ['InternalServerError', 500, 'Internal server error'],
    auth: ['UnrecognizedClientException', 400, INVALID_TOKEN],
    expired: ['ExpiredTokenException', 400, EXPIRED_TOKEN],
    denied: ['AccessDeniedException', 400, 'User is not authorized to perform this action'],
  },
  s3: {
    throttle: ['SlowDown', 503, 'Please reduce your request rate.'],
    500: ['InternalError', 500, 'We encountered an internal error. Please try again.'],
    auth: ['InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.'],
    expired: ['ExpiredToken', 400, 'The provided token has expired.'],
    denied: ['AccessDenied', 403, 'Access Denied'],
  },
  's3-website': {
    throttle: ['SlowDown', 503, 'Please reduce your request rate.'],
    500: ['InternalError', 500, 'We encountered an internal error. Please try again.'],
    auth: ['AccessDenied', 403, 'Access Denied'],
    expired: ['AccessDenied', 403, 'Access Denied'],
    denied: ['AccessDenied', 403, 'Access Denied'],
  },
  imds: {
    throttle: ['Throttled', 429, 'Too Many Requests'],
    500: ['InternalError', 500, 'Internal Server Error'],
    auth: ['Unauthorized', 401, 'Unauthorized'],
    expired: ['Unauthorized', 401, 'Unauthorized'],
    denied: ['Forbidden', 403, 'Forbidden'],
  },
};

export function commonError(service: Service, kind: Common): ApiError {
  const [code, status, message, queryCode] = COMMON_ERRORS[service][kind];
  return new ApiError(code, message, status, queryCode);
}

const ALIASES: Record<string, string> = { cloudwatch: 'monitoring', emr: 'elasticmapreduce' };

/** What a request's matching faults ask for: added latency, then at most one failure. */
export interface FaultPlan {
  latencyMs: number;
  hang: boolean;
  error?: ApiError;
}

/**
 * Matches the world's faults against one call. `times` counts down in a side table, so the world
 * stays as written and a test can read back what it configured.
 */
export function planFaults(
  world: World,
  used: WeakMap<Fault, number>,
  call: { service: Service; action: string; region: string },
): FaultPlan {
  const plan: FaultPlan = { latencyMs: 0, hang: false };
  for (const f of world.faults ?? []) {
    if (f.service && (ALIASES[f.service] ?? f.service) !== call.service) continue;
    if (f.action && f.action !== call.action) continue;
    if (f.region && f.region !== call.region) continue;
    const n = used.get(f) ?? 0;
    if (f.times !== undefined && n >= f.times) continue;
    if (f.kind !== 'latency' && (plan.error || plan.hang)) continue; // the first failure wins
    used.set(f, n + 1);
    if (f.kind === 'latency') plan.latencyMs += f.ms ?? 0;
    else if (f.kind === 'hang') plan.hang = true;
    else plan.error = commonError(call.service, f.kind);
  }
  return plan;
}

/** A loopback URL on which nothing listens: connecting to it is refused at once. */
export async function refusedUrl(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
