// The EC2 instance identity document, from the instance metadata service (IMDSv2: a PUT for a
// session token, then a GET carrying it). Run on the student's instance by `harness evidence`.
// Plain node:http rather than the SDK: two requests, and the SDK's metadata client retries and
// waits far longer than a student should wait off EC2.
import { UserError } from '../errors.js';
import { assertLoopback } from './loopback.js';

export const DEFAULT_IMDS = 'http://169.254.169.254';
export const TOKEN_PATH = '/latest/api/token';
export const DOCUMENT_PATH = '/latest/dynamic/instance-identity/document';

export interface IdentityDocument {
  accountId: string;
  architecture?: string;
  availabilityZone: string;
  imageId: string;
  instanceId: string;
  instanceType: string;
  pendingTime: string;
  privateIp?: string;
  region: string;
  version: string;
  [key: string]: unknown;
}

export interface ImdsOptions {
  /** Milliseconds to wait for a connection; off EC2 nothing answers, so keep it short. Default 2000. */
  connectTimeoutMs?: number;
  /** Milliseconds to wait for each answer once connected. Default 5000. */
  timeoutMs?: number;
}

const OFF_EC2_FIX = 'run `harness evidence` on your EC2 instance (ssh in, cd into your clone of the repository), not on your own computer';

/** The identity document of the instance this runs on. Every failure is a UserError with a fix. */
export async function fetchIdentityDocument(env: NodeJS.ProcessEnv = process.env, opts: ImdsOptions = {}): Promise<IdentityDocument> {
  if (env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === 'true') {
    throw new UserError(
      'the instance metadata service is switched off here (AWS_EC2_METADATA_DISABLED=true)',
      'unset AWS_EC2_METADATA_DISABLED and run again on your EC2 instance',
    );
  }
  const base = (env.AWS_EC2_METADATA_SERVICE_ENDPOINT || DEFAULT_IMDS).replace(/\/+$/, '');
  assertLoopback(base, 'the instance metadata client', env);
  const token = await request('PUT', base + TOKEN_PATH, { 'x-aws-ec2-metadata-token-ttl-seconds': '60' }, opts);
  if (!isImds(token)) throw notImds(base, token);
  if (token.status !== 200 || !token.body.trim()) {
    throw new UserError(
      `IMDSv2 token refused (HTTP ${token.status} from ${base})`,
      'the instance must allow metadata access (EC2 console → Actions → Instance settings → Modify instance metadata options: enabled); in a container on the instance, the hop limit must be 2 or more',
    );
  }
  const doc = await request('GET', base + DOCUMENT_PATH, { 'x-aws-ec2-metadata-token': token.body.trim() }, opts);
  if (!isImds(doc)) throw notImds(base, doc);
  if (doc.status !== 200) {
    throw new UserError(
      `the metadata service did not give the identity document (HTTP ${doc.status})`,
      'run `harness evidence` again in a minute; if it keeps failing, ask on the course forum with this message',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(doc.body);
  } catch {
    throw new UserError('the metadata service answered, but not with a JSON identity document', OFF_EC2_FIX);
  }
  if (
    !parsed ||
    typeof parsed !== 'object' ||
    Array.isArray(parsed) ||
    typeof (parsed as { instanceId?: unknown }).instanceId !== 'string'
  ) {
    throw new UserError('the metadata service answered, but its identity document has no instanceId', OFF_EC2_FIX);
  }
  return parsed as IdentityDocument;
}

interface Answer {
  status: number;
  body: string;
  /** The Server header: EC2's metadata service always sends `EC2ws`. */
  server: string;
}

/**
 * EC2's metadata service names itself `Server: EC2ws` on every answer, refusals included. Off EC2,
 * what answers 169.254.169.254 (another cloud's metadata service, a router, a proxy) does not, and
 * its 403 must not read as "IMDSv2 token refused" with a fix for an instance the student is not on.
 */
export const isImds = (a: Answer) => a.server.trim().toLowerCase() === 'ec2ws';

function notImds(base: string, a: Answer): UserError {
  const who = a.server ? ` (it calls itself "${a.server.replace(/[^\x20-\x7e]/g, '').slice(0, 40)}")` : '';
  return new UserError(
    `not on an EC2 instance: something at ${new URL(base).host} answered HTTP ${a.status}, but it is not EC2's metadata service${who}`,
    `${OFF_EC2_FIX}; if this is your instance, turn its metadata service on (EC2 console → Actions → Instance settings → Modify instance metadata options)`,
  );
}

async function request(method: string, url: string, headers: Record<string, string>, opts: ImdsOptions): Promise<Answer> {
  const connectMs = opts.connectTimeoutMs ?? 2000;
  const answerMs = opts.timeoutMs ?? 5000;
  const http = await import('node:http'); // loaded when used, not at every start-up
  return new Promise((resolve, reject) => {
    const noAnswer = (why: string) =>
      new UserError(`not on an EC2 instance (no metadata service answered at ${new URL(url).host}: ${why})`, OFF_EC2_FIX);
    // No proxy, no keep-alive: the metadata service must be reached directly, and refuses proxied requests.
    const req = http.request(url, { method, headers: { ...headers, 'content-length': '0' }, agent: false });
    let connected = false;
    const connectTimer = setTimeout(() => {
      if (!connected) req.destroy(noAnswer(`no connection within ${connectMs / 1000} s`));
    }, connectMs);
    req.on('socket', (s) =>
      s.once('connect', () => {
        connected = true;
        clearTimeout(connectTimer);
      }),
    );
    req.setTimeout(connectMs + answerMs, () => req.destroy(noAnswer(`no answer within ${(connectMs + answerMs) / 1000} s`)));
    req.on('error', (e) => {
      clearTimeout(connectTimer);
      reject(e instanceof UserError ? e : noAnswer((e as NodeJS.ErrnoException).code ?? e.message));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        // An identity document is under 1 KiB; something sending megabytes is not IMDS.
        if (size > 64 * 1024) req.destroy(noAnswer('answer too large'));
        else chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(connectTimer);
        const server = res.headers.server;
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          server: typeof server === 'string' ? server : '',
        });
      });
      res.on('error', (e) => reject(noAnswer(e.message)));
    });
    req.end();
  });
}
