// What every service handler shares: the request context, the reply shape, and each protocol's
// error envelope. The envelopes are what the SDK's deserialisers read the error name from, so they
// are kept exactly as AWS sends them (see docs/reference/aws-peers.md): EC2 `<Response><Errors>`, Query
// `<ErrorResponse>`, JSON `__type` (plus `x-amzn-query-error` for CloudWatch), S3 `<Error>`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { doc, el, wrap } from './xml.js';
import type { Account, Credential, World } from './world.js';

export type Service = 'ec2' | 'sts' | 'monitoring' | 'elasticmapreduce' | 'dynamodb' | 's3' | 's3-website' | 'imds';

export interface Ctx {
  world: World;
  service: Service;
  action: string;
  region: string;
  requestId: string;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Read for every service except S3, whose bodies stream through to s3rver. */
  body: Buffer;
  /** Set for signed requests once the key is known and valid. */
  account?: Account;
  credential?: Credential;
  accessKeyId?: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** A service error; the server renders it in the caller's protocol. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** CloudWatch's query-compatible code when it differs from the JSON error name. */
    readonly queryCode?: string,
    /** Extra headers on the answer (S3's x-amz-bucket-region on a refusal or a redirect). */
    readonly headers: Record<string, string> = {},
    /** Extra elements of S3's XML error (Endpoint, Bucket), or lines of the website's HTML one. */
    readonly detail: Record<string, string> = {},
  ) {
    super(message);
  }
}

const JSON_PREFIX: Partial<Record<Service, string>> = {
  monitoring: 'com.amazonaws.cloudwatch#',
  dynamodb: 'com.amazonaws.dynamodb.v20120810#',
  elasticmapreduce: '',
};
const JSON_TYPE: Partial<Record<Service, string>> = {
  monitoring: 'application/x-amz-json-1.0',
  dynamodb: 'application/x-amz-json-1.0',
  elasticmapreduce: 'application/x-amz-json-1.1',
};

export function jsonReply(ctx: Ctx, value: unknown, status = 200): Reply {
  return {
    status,
    headers: { 'content-type': JSON_TYPE[ctx.service] ?? 'application/json', 'x-amzn-requestid': ctx.requestId },
    body: JSON.stringify(value),
  };
}

export function xmlReply(ctx: Ctx, body: string, status = 200): Reply {
  const headers: Record<string, string> = { 'content-type': ctx.service === 's3' ? 'application/xml' : 'text/xml;charset=UTF-8' };
  headers[ctx.service === 's3' ? 'x-amz-request-id' : 'x-amzn-requestid'] = ctx.requestId;
  return { status, headers, body };
}

export function errorReply(ctx: Ctx, err: ApiError): Reply {
  const r = renderError(ctx, err);
  r.headers = { ...r.headers, ...err.headers };
  return r;
}

function renderError(ctx: Ctx, err: ApiError): Reply {
  const { code, message, status } = err;
  switch (ctx.service) {
    case 'ec2':
      return xmlReply(
        ctx,
        doc('Response', undefined, wrap('Errors', wrap('Error', el('Code', code), el('Message', message))), el('RequestID', ctx.requestId)),
        status,
      );
    case 'sts':
      return xmlReply(
        ctx,
        doc(
          'ErrorResponse',
          'https://sts.amazonaws.com/doc/2011-06-15/',
          wrap('Error', el('Type', status >= 500 ? 'Receiver' : 'Sender'), el('Code', code), el('Message', message)),
          el('RequestId', ctx.requestId),
        ),
        status,
      );
    case 'monitoring':
    case 'dynamodb':
    case 'elasticmapreduce': {
      const r = jsonReply(ctx, { __type: JSON_PREFIX[ctx.service] + code, message }, status);
      if (ctx.service === 'monitoring')
        r.headers!['x-amzn-query-error'] = `${err.queryCode ?? code};${status >= 500 ? 'Receiver' : 'Sender'}`;
      return r;
    }
    case 's3': {
      const extra = Object.entries(err.detail)
        .map(([k, v]) => el(k, v))
        .join('');
      const r = xmlReply(
        ctx,
        doc('Error', undefined, el('Code', code), el('Message', message), extra, el('RequestId', ctx.requestId), el('HostId', 'standin')),
        status,
      );
      if (ctx.req.method === 'HEAD') r.body = undefined; // S3 answers HEAD errors with no body
      return r;
    }
    case 's3-website':
      return websiteError(ctx, code, message, status, err.detail);
    case 'imds':
      return { status, headers: { 'content-type': 'text/plain', server: IMDS_SERVER }, body: message };
  }
}

/** EC2's metadata service names itself so on every answer (lib/aws/imds.ts tells it from impostors by it). */
export const IMDS_SERVER = 'EC2ws';

const REASON: Record<number, string> = {
  301: 'Moved Permanently',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The HTML page S3's website endpoint shows for an error. */
export function websiteError(ctx: Ctx, code: string, message: string, status: number, extra: Record<string, string> = {}): Reply {
  const title = `${status} ${REASON[status] ?? 'Error'}`;
  const li = Object.entries({ Code: code, Message: message, ...extra, RequestId: ctx.requestId, HostId: 'standin' })
    .map(([k, v]) => `<li>${k}: ${v}</li>`)
    .join('\n');
  const body = `<html>\n<head><title>${title}</title></head>\n<body>\n<h1>${title}</h1>\n<ul>\n${li}\n</ul>\n<hr/>\n</body>\n</html>\n`;
  // The website endpoint also names the error in headers (what a HEAD, with no page, carries).
  const headers = {
    'content-type': 'text/html; charset=utf-8',
    'x-amz-request-id': ctx.requestId,
    'x-amz-error-code': code,
    'x-amz-error-message': message,
  };
  return { status, headers, body: ctx.req.method === 'HEAD' ? undefined : body };
}

/** A JSON-protocol request body; malformed JSON is the client's error, as with AWS. */
export function jsonInput<T>(ctx: Ctx): T {
  try {
    return JSON.parse(ctx.body.toString('utf8') || '{}') as T;
  } catch {
    throw new ApiError('SerializationException', 'Start of structure or map found where not expected.');
  }
}

/** Query-protocol parameters (EC2, STS): `Prefix.N` lists and `Filter.N.Name`/`Filter.N.Value.M`. */
export function listParam(p: URLSearchParams, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; p.has(`${prefix}.${i}`); i++) out.push(p.get(`${prefix}.${i}`)!);
  return out;
}

export function filters(p: URLSearchParams): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 1; p.has(`Filter.${i}.Name`); i++) out.set(p.get(`Filter.${i}.Name`)!, listParam(p, `Filter.${i}.Value`));
  return out;
}

/** EC2 filter values accept `*` and `?` wildcards. */
export function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

/** Opaque page tokens: base64 of the next offset, like AWS's (opaque, not meaningful). */
export const pageToken = {
  make: (offset: number): string => Buffer.from(JSON.stringify({ o: offset })).toString('base64'),
  read: (token: string | null | undefined): number | undefined => {
    if (!token) return 0;
    try {
      const o = JSON.parse(Buffer.from(token, 'base64').toString('utf8')).o;
      return Number.isInteger(o) && o >= 0 ? o : undefined;
    } catch {
      return undefined;
    }
  },
};
