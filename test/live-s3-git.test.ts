// aws.s3.object, aws.s3.public and aws.s3.website, end to end: the real engine, the real SDK over
// HTTP to the stand-in (S3 via s3rver). git.private is in git-private.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import { startStandin, refusedUrl, type Standin, type World } from '../standin/index.js';
import { sampleWorld, SAMPLE } from '../standin/sample.js';
import { parseS3Url, parseWebsiteUrl, publicUrl } from '../lib/aws/s3url.js';
import { noCredentialsEnv, runLive, said, setAwsEnv } from './helpers/live-run.js';

const Q6 = '2017-01-01 00:00:00 fnard:-1 fnok:-1 cark:-1 gnuck:-1\n2017-01-02 00:00:00 fnard:-1 fnok:-1 cark:-1 gnuck:-1\n';
const SITE = SAMPLE.bucket; // public, website on
const q7 = (bucket = SITE, key = 'q6-malfunctions.txt', region = 'us-east-1') =>
  `s3: s3://${bucket}/${key}\nhttp: http://${bucket}.s3-website-${region}.amazonaws.com/${key}\n`;
const FROM = { file: 'q7.txt', pattern: '^s3: (s3://\\S+)$' };
const WEB_FROM = { file: 'q7.txt', pattern: '^http: (\\S+)$' };
const answers = (over: Record<string, string> = {}) => ({ 'q7.txt': q7(), 'q6-malfunctions.txt': Q6, ...over });

function world(): World {
  const w = sampleWorld();
  const acct = w.accounts[0];
  const site = acct.buckets!.find((b) => b.name === SITE)!;
  site.objects = [
    { key: 'q6-malfunctions.txt', body: Q6 },
    { key: 'index.html', body: '<h1>hi</h1>\n' },
    { key: 'logs/a.txt', body: 'a\n' },
    { key: 'logs/b.txt', body: 'b\n' },
  ];
  acct.buckets!.push(
    { name: 'ab123-nosite', region: 'us-east-1', public: true, objects: [{ key: 'q6-malfunctions.txt', body: Q6 }] },
    {
      name: 'ab123-hidden',
      region: 'us-east-1',
      website: { indexDocument: 'index.html' },
      objects: [{ key: 'q6-malfunctions.txt', body: Q6 }],
    },
    { name: 'ab123-ireland', region: 'eu-west-1', public: true, website: {}, objects: [{ key: 'q6-malfunctions.txt', body: Q6 }] },
    // The public may list this one too, so a missing key is 404 even to a stranger.
    {
      name: 'ab123-listed',
      region: 'us-east-1',
      public: true,
      publicList: true,
      website: {},
      objects: [{ key: 'q6-malfunctions.txt', body: Q6 }],
    },
    // A dotted name: AWS's *.s3.amazonaws.com certificate does not cover it virtual-hosted.
    { name: 'ex123.anly502', region: 'us-east-1', public: true, website: {}, objects: [{ key: 'q6-malfunctions.txt', body: Q6 }] },
  );
  return w;
}

let standin: Standin;
let restore: () => void;
let base: Record<string, string>;
let regionProxy: http.Server;

/** A stand-in S3 front that answers as S3 does for a bucket in another region (see proxyRegion). */
async function startRegionProxy(target: string): Promise<http.Server> {
  const t = new URL(target);
  const srv = http.createServer((req, res) => {
    const bucket = decodeURIComponent((req.url ?? '/').split('?')[0].split('/')[1] ?? '');
    const region = standin.world.accounts.flatMap((a) => a.buckets ?? []).find((b) => b.name === bucket)?.region;
    const scope = /Credential=[^/]+\/\d+\/([a-z0-9-]+)\/s3\//.exec(String(req.headers.authorization ?? ''))?.[1];
    if (region && scope && scope !== region) {
      const body =
        req.method === 'HEAD'
          ? ''
          : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message><Endpoint>${bucket}.s3.${region}.amazonaws.com</Endpoint><Bucket>${bucket}</Bucket></Error>`;
      req.resume();
      return void res.writeHead(301, { 'x-amz-bucket-region': region, 'content-type': 'application/xml' }).end(body);
    }
    const up = http.request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (ans) => {
      // s3rver's ETags are always plain MD5s; objects under multi/ answer as multipart uploads do.
      const etag = ans.headers.etag && req.url?.includes('/multi/') ? { etag: ans.headers.etag.replace(/"$/, '-2"') } : {};
      res.writeHead(ans.statusCode ?? 502, { ...ans.headers, ...etag, ...(region ? { 'x-amz-bucket-region': region } : {}) });
      ans.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return srv;
}
const urlOf = (s: http.Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

beforeAll(async () => {
  standin = await startStandin(world());
  regionProxy = await startRegionProxy(standin.url);
  base = { ...(await noCredentialsEnv()), ...standin.env, AWS_MAX_ATTEMPTS: '1' };
  restore = setAwsEnv({ ...base, AWS_ACCESS_KEY_ID: SAMPLE.student.accessKeyId, AWS_SECRET_ACCESS_KEY: SAMPLE.student.secretAccessKey });
});
afterAll(async () => {
  restore?.();
  regionProxy?.close();
  await standin?.stop();
});

/** Runs with these AWS variables instead (faults through a different endpoint, no credentials). */
async function withEnv<T>(vars: Record<string, string>, f: () => Promise<T>): Promise<T> {
  const back = setAwsEnv(vars);
  try {
    return await f();
  } finally {
    back();
  }
}
const creds = { AWS_ACCESS_KEY_ID: SAMPLE.student.accessKeyId, AWS_SECRET_ACCESS_KEY: SAMPLE.student.secretAccessKey };

/** Each common fault, injected for `service`, must end as `error`, never pass or fail. */
async function faultsGiveErrors(kind: string, params: Record<string, unknown>, files: Record<string, string>, service: string) {
  const out: Record<string, string> = {};
  for (const fault of ['throttle', '500', 'auth', 'expired', 'hang'] as const) {
    standin.world.faults = [{ kind: fault, service }];
    const r = await runLive({ kind, params: { ...params }, files, timeout: 4 });
    out[fault] = `${r.status}: ${r.reason}`;
  }
  standin.world.faults = [{ kind: 'latency', service, ms: 300 }];
  out.latency = (await runLive({ kind, params, files })).status;
  standin.world.faults = [];
  const refused = await refusedUrl();
  const r = await withEnv({ ...base, ...creds, AWS_ENDPOINT_URL: refused, HARNESS_S3_WEBSITE_ENDPOINT: refused }, () =>
    runLive({ kind, params, files }),
  );
  out.refused = `${r.status}: ${r.reason}`;
  return out;
}

describe('S3 URLs', () => {
  it('parses s3://, https and website URLs', () => {
    expect(parseS3Url('s3://b-1/a/q6.txt')).toEqual({ bucket: 'b-1', key: 'a/q6.txt' });
    expect(parseS3Url('https://b-1.s3.amazonaws.com/a%20b.txt')).toEqual({ bucket: 'b-1', key: 'a b.txt' });
    expect(parseS3Url('https://s3.eu-west-1.amazonaws.com/b-1/k')).toEqual({ bucket: 'b-1', key: 'k', region: 'eu-west-1' });
    expect(parseS3Url('https://b-1.s3-us-west-2.amazonaws.com/k')).toEqual({ bucket: 'b-1', key: 'k', region: 'us-west-2' });
    expect(parseS3Url('s3://B_/k')).toBeUndefined();
    expect(parseWebsiteUrl('http://b-1.s3-website.eu-central-1.amazonaws.com/q.txt')).toMatchObject({
      bucket: 'b-1',
      region: 'eu-central-1',
      key: 'q.txt',
    });
    expect(publicUrl({ bucket: 'b', key: 'a b/c' }, {})).toBe('https://b.s3.amazonaws.com/a%20b/c');
    expect(publicUrl({ bucket: 'b', key: 'k' }, { AWS_ENDPOINT_URL: 'http://127.0.0.1:9/' })).toBe('http://127.0.0.1:9/b/k');
  });

  it('a dotted bucket name is fetched path style: the S3 wildcard certificate covers one label', () => {
    // S3 User Guide, "Virtual hosting of buckets" (VirtualHosting.html): with HTTPS, virtual-hosted
    // requests work only for bucket names without dots; `ex123.anly502.s3.amazonaws.com` fails TLS
    // (ERR_TLS_CERT_ALTNAME_INVALID). Path style works for them, on the global or the regional host.
    expect(publicUrl({ bucket: 'ex123.anly502', key: 'q6-malfunctions.txt' }, {})).toBe(
      'https://s3.amazonaws.com/ex123.anly502/q6-malfunctions.txt',
    );
    const fromHttps = parseS3Url('https://ex123.anly502.s3.eu-west-1.amazonaws.com/a b.txt')!;
    expect(fromHttps).toEqual({ bucket: 'ex123.anly502', key: 'a b.txt', region: 'eu-west-1' });
    expect(publicUrl(fromHttps, {})).toBe('https://s3.eu-west-1.amazonaws.com/ex123.anly502/a%20b.txt');
    expect(publicUrl({ bucket: 'ex123-anly502', key: 'k' }, {})).toBe('https://ex123-anly502.s3.amazonaws.com/k');
  });
});

describe('aws.s3.object', () => {
  const kind = 'aws.s3.object';
  const same = { urlFrom: FROM, sameAs: 'q6-malfunctions.txt' };

  it('passes when the object has the same bytes as the answer file (by ETag) and the right size', async () => {
    expect(said(await runLive({ kind, params: same, files: answers() }))).toMatch(/^pass/);
    expect((await runLive({ kind, params: { url: `s3://${SITE}/q6-malfunctions.txt`, size: Buffer.byteLength(Q6) } })).status).toBe('pass');
  });

  it('says which is missing: the bucket or the key (and lists what is there)', async () => {
    const noBucket = await runLive({ kind, params: same, files: answers({ 'q7.txt': q7('ab123-nope') }) });
    expect(said(noBucket)).toMatch(/^fail: The bucket ab123-nope does not exist\..*aws s3 mb/);
    expect(noBucket).toMatchObject({ file: 'q7.txt', line: 1 });
    const noKey = await runLive({ kind, params: { url: `s3://${SITE}/logs/c.txt` } });
    expect(said(noKey)).toMatch(/^fail: There is no object logs\/c\.txt in the bucket ab123-website\..*holds: logs\/a\.txt, logs\/b\.txt/);
  });

  it('fails on a wrong size and on different content, with the upload command', async () => {
    const size = await runLive({ kind, params: { url: `s3://${SITE}/q6-malfunctions.txt`, size: 7 } });
    expect(said(size)).toMatch(/^fail: .* is \d+ bytes, not 7\./);
    const other = Q6.replace('fnard:-1', 'fnard:-2');
    const diff = await runLive({ kind, params: same, files: answers({ 'q6-malfunctions.txt': other }) });
    expect(said(diff)).toMatch(
      /^fail: s3:\/\/ab123-website\/q6-malfunctions\.txt differs from your q6-malfunctions\.txt\. \| Upload it again: aws s3 cp q6-malfunctions\.txt s3:\/\//,
    );
    expect(diff.actual).toBe('same size, different content');
    const longer = await runLive({ kind, params: same, files: answers({ 'q6-malfunctions.txt': Q6 + 'x\n' }) });
    expect(longer.status).toBe('fail');
  });

  it('compares bytes when the ETag is not an MD5 (multipart upload)', async () => {
    const c = new S3Client({
      region: 'us-east-1',
      endpoint: standin.url,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    await c.send(new PutObjectCommand({ Bucket: SITE, Key: 'multi/q6.txt', Body: Buffer.from(Q6) }));
    c.destroy();
    await withEnv({ ...base, ...creds, AWS_ENDPOINT_URL: urlOf(regionProxy) }, async () => {
      const before = standin.calls.length;
      const url = `s3://${SITE}/multi/q6.txt`;
      expect(said(await runLive({ kind, params: { url, sameAs: 'q6-malfunctions.txt' }, files: answers() }))).toMatch(/^pass/);
      expect(standin.calls.slice(before).map((x) => x.action)).toEqual(['HeadObject', 'GetObject']);
      const diff = await runLive({
        kind,
        params: { url, sameAs: 'q6-malfunctions.txt' },
        files: answers({ 'q6-malfunctions.txt': Q6.replace('fnok', 'fnoK') }),
      });
      expect(said(diff)).toMatch(/^fail: .* differs from your q6-malfunctions\.txt/);
    });
  });

  it('prefix: at least minObjects under it', async () => {
    expect((await runLive({ kind, params: { url: `s3://${SITE}/logs/`, prefix: true, minObjects: 2 } })).status).toBe('pass');
    expect(said(await runLive({ kind, params: { url: `s3://${SITE}/logs/`, prefix: true, minObjects: 3 } }))).toMatch(
      /^fail: .* holds 2 objects, fewer than 3/,
    );
    expect(said(await runLive({ kind, params: { url: `s3://${SITE}/empty/`, prefix: true } }))).toMatch(/^fail: .* holds no objects/);
    expect(said(await runLive({ kind, params: { url: 's3://ab123-nope/x/', prefix: true } }))).toMatch(
      /^fail: The bucket ab123-nope does not exist/,
    );
  });

  it('fails when the answer file has no s3: line', async () => {
    const r = await runLive({ kind, params: same, files: answers({ 'q7.txt': 'http: http://x\n' }) });
    expect(said(r)).toMatch(/^fail: q7\.txt has no line giving the s3:\/\/ URL of your object\./);
  });

  it('follows S3 to a bucket in another region, and names the region when the spec asks for another', async () => {
    await withEnv({ ...base, ...creds, AWS_ENDPOINT_URL: urlOf(regionProxy), AWS_REGION: 'us-west-2' }, async () => {
      expect(
        said(
          await runLive({
            kind,
            params: { url: 's3://ab123-ireland/q6-malfunctions.txt', sameAs: 'q6-malfunctions.txt' },
            files: answers(),
          }),
        ),
      ).toMatch(/^pass/);
      const r = await runLive({ kind, params: { url: 's3://ab123-ireland/q6-malfunctions.txt', region: 'us-east-1' } });
      expect(said(r)).toMatch(/^fail: The bucket ab123-ireland is in eu-west-1, but this assignment asks for us-east-1\./);
    });
  });

  it("region: the stand-in names the bucket's region on HeadBucket and redirects a request signed for another", async () => {
    // HeadBucket (S3 API reference): x-amz-bucket-region names the bucket's region; a request signed
    // for another region is answered 301 PermanentRedirect, which the SDK follows.
    const r = await runLive({ kind, params: { url: 's3://ab123-ireland/q6-malfunctions.txt', region: 'us-east-1' } });
    expect(said(r)).toMatch(/^fail: The bucket ab123-ireland is in eu-west-1, but this assignment asks for us-east-1\./);
    expect((await runLive({ kind, params: { url: 's3://ab123-ireland/q6-malfunctions.txt', region: 'eu-west-1' } })).status).toBe('pass');
    expect((await runLive({ kind, params: { url: `s3://${SITE}/q6-malfunctions.txt`, region: 'us-east-1' } })).status).toBe('pass');
  });

  it('bad or expired keys on HeadBucket say so, not "not allowed to call HeadBucket"', async () => {
    // S3 API reference, HeadBucket: "a HEAD request has no response body", so its 400/403/404 carry
    // no error code, and a rejected key reads as a bare 403. The check asks ListObjectsV2 (the same
    // s3:ListBucket permission), whose error body names the cause.
    const params = { url: `s3://${SITE}/q6-malfunctions.txt`, region: 'us-east-1' };
    const bad = await withEnv({ ...base, AWS_ACCESS_KEY_ID: 'STANDIN-NO-SUCH-KEY', AWS_SECRET_ACCESS_KEY: 'x' }, () =>
      runLive({ kind, params }),
    );
    expect(said(bad)).toMatch(/^error: AWS rejected your credentials \(InvalidAccessKeyId/);
    const expired = await withEnv(
      { ...base, AWS_ACCESS_KEY_ID: SAMPLE.expired.accessKeyId, AWS_SECRET_ACCESS_KEY: SAMPLE.expired.secretAccessKey },
      () => runLive({ kind, params }),
    );
    expect(said(expired)).toMatch(/^error: your AWS credentials have expired \(ExpiredToken\)/);
    expect(standin.calls.filter((c) => c.action === 'HeadBucket' && c.accessKeyId === SAMPLE.expired.accessKeyId).length).toBeGreaterThan(
      0,
    );
  });

  it('skips without credentials', async () => {
    const r = await withEnv(base, () => runLive({ kind, params: same, files: answers() }));
    expect(r.status).toBe('skip');
    expect(r.reason).toMatch(/aws configure/);
  });

  it('every injected fault is an error, never a verdict; latency within the timeout passes', async () => {
    const out = await faultsGiveErrors(kind, same, answers(), 's3');
    expect(out.latency).toBe('pass');
    for (const f of ['throttle', '500', 'auth', 'expired', 'hang', 'refused']) expect(out[f], f).toMatch(/^error: /);
    // HEAD errors carry no code; the check asks again with GET so the student reads the real cause.
    expect(out).toMatchObject({
      throttle: expect.stringMatching(/throttling HeadObject/),
      500: expect.stringMatching(/server error \(InternalError\)/),
      auth: expect.stringMatching(/rejected your credentials \(InvalidAccessKeyId/),
      expired: expect.stringMatching(/credentials have expired/),
      hang: expect.stringMatching(/^error: AWS s3 in us-east-1 did not answer HeadObject in time/),
      refused: expect.stringMatching(/cannot reach AWS s3 .*ECONNREFUSED/),
    });
  }, 60_000);
});

describe('aws.s3.public', () => {
  const kind = 'aws.s3.public';
  const params = { urlFrom: FROM, sameAs: 'q6-malfunctions.txt' };

  it('passes for a world-readable object with the same bytes, with or without credentials', async () => {
    expect(said(await runLive({ kind, params, files: answers() }))).toMatch(/^pass/);
    expect((await withEnv(base, () => runLive({ kind, params, files: answers() }))).status).toBe('pass');
    const anon = standin.calls.filter((c) => c.service === 's3' && !c.accessKeyId);
    expect(anon.length).toBeGreaterThan(0); // unsigned, as a stranger would ask
  });

  it('403 for an object that exists: not public, with the bucket-policy and Block Public Access hint', async () => {
    const r = await runLive({ kind, params, files: answers({ 'q7.txt': q7(SAMPLE.privateBucket, 'notes.txt') }) });
    expect(said(r)).toMatch(
      /^fail: s3:\/\/ab123-private\/notes\.txt is not public: the object exists, but an anonymous download of .* is refused \(403 AccessDenied\)\./,
    );
    expect(r.hint).toMatch(/Block Public Access/);
    expect(r.hint).toContain('"Action":"s3:GetObject","Resource":"arn:aws:s3:::ab123-private/*"');
  });

  it('403 for a missing key under a GetObject-only policy: "no such key", told apart with the student\'s own credentials', async () => {
    // GetObject API reference, "Permissions": without s3:ListBucket, S3 answers a request for a
    // missing key with 403 Access Denied, not 404. The policy the harness recommends grants
    // s3:GetObject alone, so a stranger cannot tell a missing key from a private object.
    const before = standin.calls.length;
    const r = await runLive({ kind, params: { url: `s3://${SITE}/nothing.txt` } });
    expect(said(r)).toMatch(
      /^fail: There is no object nothing\.txt in the bucket ab123-website: an anonymous download .* is refused \(403 AccessDenied\).* \| Check the key .* aws s3 cp <file> s3:\/\/ab123-website\/nothing\.txt$/,
    );
    expect(r.hint).not.toMatch(/Block Public Access/);
    expect(standin.calls.slice(before).map((c) => [c.action, Boolean(c.accessKeyId)])).toEqual([
      ['GetObject', false],
      ['HeadObject', true],
    ]);
    // Without credentials (the grader) it cannot be told: both causes, both fixes.
    const anon = await withEnv(base, () => runLive({ kind, params: { url: `s3://${SITE}/nothing.txt` } }));
    expect(said(anon)).toMatch(
      /^fail: s3:\/\/ab123-website\/nothing\.txt is not public, or there is no such key: .* and S3 answers that for both\. \| First check that the object exists: aws s3 ls s3:\/\/ab123-website\/nothing\.txt \(if not, upload it: .*\)\. If it does, make it public\. New buckets block public access/,
    );
    const hidden = await withEnv(base, () => runLive({ kind, params: { url: `s3://${SAMPLE.privateBucket}/notes.txt` } }));
    expect(said(hidden)).toMatch(/^fail: .* is not public, or there is no such key/);
  });

  it('404: no such bucket; no such key where the public may list the bucket', async () => {
    expect(said(await runLive({ kind, params: { url: 's3://ab123-nope/q6-malfunctions.txt' } }))).toMatch(
      /^fail: The bucket ab123-nope does not exist\./,
    );
    expect(said(await runLive({ kind, params: { url: 's3://ab123-listed/nothing.txt' } }))).toMatch(
      /^fail: There is no object nothing\.txt in the bucket ab123-listed\. \|/,
    );
  });

  it('a dotted bucket name passes (path style)', async () => {
    const r = await runLive({ kind, params, files: answers({ 'q7.txt': q7('ex123.anly502') }) });
    expect(said(r)).toMatch(/^pass/);
  });

  it('different bytes fail with the upload command', async () => {
    const r = await runLive({ kind, params, files: answers({ 'q6-malfunctions.txt': 'other\n' }) });
    expect(said(r)).toMatch(
      /^fail: Anyone can download .* but it differs from your q6-malfunctions\.txt\. \| Upload the file again: aws s3 cp/,
    );
  });

  it('network trouble and server faults are errors, never a pass', async () => {
    const out: Record<string, string> = {};
    for (const fault of ['500', 'throttle', 'hang'] as const) {
      standin.world.faults = [{ kind: fault, service: 's3' }];
      out[fault] = said(await runLive({ kind, params, files: answers(), timeout: 3 }));
    }
    standin.world.faults = [];
    out.refused = said(await withEnv({ ...base, AWS_ENDPOINT_URL: await refusedUrl() }, () => runLive({ kind, params, files: answers() })));
    for (const [f, s] of Object.entries(out)) expect(s, f).toMatch(/^error: /);
    expect(out.refused).toMatch(/cannot reach 127\.0\.0\.1:\d+ .*ECONNREFUSED/);
  }, 30_000);

  it('refuses, loudly, to reach real S3 in loopback-only mode', async () => {
    const r = await withEnv({ AWS_EC2_METADATA_DISABLED: 'true' }, () => runLive({ kind, params, files: answers() }));
    expect(said(r)).toMatch(/^error: .*HARNESS_LOOPBACK_ONLY is set, but .* would reach ab123-website\.s3\.amazonaws\.com/);
  });
});

describe('aws.s3.website', () => {
  const kind = 'aws.s3.website';
  const params = { urlFrom: WEB_FROM, sameAs: 'q6-malfunctions.txt' };
  const site = (bucket: string, key?: string, region?: string) => answers({ 'q7.txt': q7(bucket, key, region) });

  it('passes when the website URL serves the same bytes (Host header sent to the stand-in)', async () => {
    expect(said(await runLive({ kind, params, files: answers() }))).toMatch(/^pass/);
    expect(standin.calls.some((c) => c.service === 's3-website' && c.status === 200)).toBe(true);
  });

  it('website hosting off: says so with the aws s3 website command', async () => {
    const r = await runLive({ kind, params, files: site('ab123-nosite') });
    expect(said(r)).toMatch(
      /^fail: Website hosting is not enabled on ab123-nosite\. \| Enable it: aws s3 website s3:\/\/ab123-nosite\/ --index-document index\.html/,
    );
  });

  it('403, missing key, missing bucket, different bytes, https', async () => {
    const hidden = await runLive({ kind, params, files: site('ab123-hidden') });
    expect(said(hidden)).toMatch(
      /^fail: The website does not serve q6-malfunctions\.txt to the public: the object exists, but the website answers a stranger 403 AccessDenied\. \|.*put-bucket-policy/,
    );
    // The website endpoint answers a missing key 403 too when the public may not list the bucket.
    expect(said(await runLive({ kind, params, files: site(SITE, 'nope.txt') }))).toMatch(
      /^fail: There is no object nope\.txt in the bucket ab123-website: the website answers a stranger 403 AccessDenied, which is what S3 tells strangers about a missing key/,
    );
    expect(said(await runLive({ kind, params, files: site('ab123-listed', 'nope.txt') }))).toMatch(
      /^fail: Website hosting is on, but ab123-listed has no object nope\.txt\./,
    );
    expect(said(await runLive({ kind, params, files: site('ab123-nope') }))).toMatch(/^fail: The bucket ab123-nope does not exist/);
    expect(said(await runLive({ kind, params, files: answers({ 'q6-malfunctions.txt': 'x\n' }) }))).toMatch(
      /^fail: The website serves q6-malfunctions\.txt, but it differs/,
    );
    const https = await runLive({ kind, params: { url: `https://${SITE}.s3-website-us-east-1.amazonaws.com/q6-malfunctions.txt` } });
    expect(said(https)).toMatch(/^fail: S3 website endpoints serve only http:\/\//);
  });

  it("the stand-in refuses a website URL in the wrong region, and the check names the bucket's region", async () => {
    // S3 User Guide, "Website endpoints": the website endpoint must be the one of the bucket's own region.
    const r = await runLive({ kind, params, files: site('ab123-ireland', undefined, 'us-east-1') });
    expect(said(r)).toMatch(
      /^fail: The website URL names the region us-east-1, but the bucket ab123-ireland is in eu-west-1\. \| .*http:\/\/ab123-ireland\.s3-website-eu-west-1\.amazonaws\.com\/q6-malfunctions\.txt/,
    );
    expect((await runLive({ kind, params, files: site('ab123-ireland', undefined, 'eu-west-1') })).status).toBe('pass');
  });

  it('without HARNESS_S3_WEBSITE_ENDPOINT it goes to the configured S3 endpoint, never to AWS', async () => {
    const { HARNESS_S3_WEBSITE_ENDPOINT: _w, ...noWebsite }: Record<string, string> = { ...base, ...creds };
    const before = standin.calls.length;
    expect(said(await withEnv(noWebsite, () => runLive({ kind, params, files: answers() })))).toMatch(/^pass/);
    expect(standin.calls.slice(before).some((c) => c.service === 's3-website' && c.status === 200)).toBe(true);
    const { AWS_ENDPOINT_URL: url, ...s3Only } = noWebsite;
    expect(said(await withEnv({ ...s3Only, AWS_ENDPOINT_URL_S3: url! }, () => runLive({ kind, params, files: answers() })))).toMatch(
      /^pass/,
    );
    // With no endpoint at all it would be AWS: in tests that is refused, loudly.
    expect(said(await withEnv(s3Only, () => runLive({ kind, params, files: answers() })))).toMatch(
      /^error: .*HARNESS_LOOPBACK_ONLY is set, but the website URL .* would reach ab123-website\.s3-website-us-east-1\.amazonaws\.com/,
    );
  });

  it('a dotted bucket name', async () => {
    expect(said(await runLive({ kind, params, files: site('ex123.anly502') }))).toMatch(/^pass/);
  });

  it('faults and network trouble are errors', async () => {
    const out: Record<string, string> = {};
    for (const fault of ['500', 'throttle', 'hang'] as const) {
      standin.world.faults = [{ kind: fault, service: 's3-website' }];
      out[fault] = said(await runLive({ kind, params, files: answers(), timeout: 3 }));
    }
    standin.world.faults = [];
    out.refused = said(
      await withEnv({ ...base, HARNESS_S3_WEBSITE_ENDPOINT: await refusedUrl() }, () => runLive({ kind, params, files: answers() })),
    );
    for (const [f, s] of Object.entries(out)) expect(s, f).toMatch(/^error: /);
  }, 30_000);
});
