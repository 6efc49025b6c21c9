// Reads who is calling and where from a SigV4 request, without verifying the signature: the
// credential scope `AKID/DATE/<region>/<service>/aws4_request` names the key, the region and the
// service, which is all the stand-in needs to route one port to every service and region.
import type { IncomingMessage } from 'node:http';

export interface Scope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  /** Where the scope came from: the Authorization header, or a presigned URL's query. */
  via: 'header' | 'query';
}

const HEADER = /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/;

export function parseScope(req: IncomingMessage, url: URL): Scope | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const m = HEADER.exec(auth);
    return m ? { accessKeyId: m[1], date: m[2], region: m[3], service: m[4], via: 'header' } : undefined;
  }
  const cred = url.searchParams.get('X-Amz-Credential');
  if (cred) {
    const [accessKeyId, date, region, service] = cred.split('/');
    if (accessKeyId && date && region && service) return { accessKeyId, date, region, service, via: 'query' };
  }
  return undefined;
}

/** True when the request carries some signature the stand-in cannot read (SigV2, SigV4a...). */
export function hasOtherAuth(req: IncomingMessage, url: URL): boolean {
  return Boolean(req.headers.authorization) || url.searchParams.has('Signature') || url.searchParams.has('X-Amz-Algorithm');
}
