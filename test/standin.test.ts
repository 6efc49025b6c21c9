// Contract tests for the AWS stand-in: for every operation, what the real SDK v3 client parses from
// its answer. One stand-in for the file; tests that change the world or faults put them back.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import path from 'node:path';
import {
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeRegionsCommand,
  EC2Client,
  EC2ServiceException,
  paginateDescribeInstances,
} from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CloudWatchClient, DescribeAlarmsCommand, paginateDescribeAlarms } from '@aws-sdk/client-cloudwatch';
import { EMRClient, ListClustersCommand, paginateListClusters } from '@aws-sdk/client-emr';
import { DescribeTableCommand, DynamoDBClient, ListTablesCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import {
  GetBucketPolicyStatusCommand,
  GetBucketWebsiteCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { isThrottlingError } from '@smithy/core/retry';
import { fromInstanceMetadata } from '@smithy/credential-provider-imds';
import { refusedUrl, sampleWorld, startStandin, parseWorld, checkWorld, type Standin, type World } from '../standin/index.js';
import { SAMPLE } from '../standin/sample.js';
import { UserError } from '../lib/errors.js';
import { tempDir } from './helpers/fixture.js';

const ROOT = path.resolve(import.meta.dirname, '..');
let standin: Standin;

beforeAll(async () => {
  const world: World = sampleWorld();
  const student = world.accounts[0];
  // Twelve instances in one region for pagination; three alarms there for DescribeAlarms pages.
  for (let i = 0; i < 12; i++) {
    student.instances!.push({
      instanceId: `i-0000000000000${String(i).padStart(4, '0')}`,
      region: 'us-west-2',
      instanceType: i % 2 ? 't3.micro' : 't2.micro',
      state: i < 6 ? 'running' : 'stopped',
    });
  }
  for (const n of ['a', 'b', 'c'])
    student.alarms!.push({ name: `cpu-${n}`, region: 'us-west-2', namespace: 'AWS/EC2', metricName: 'CPUUtilization', actions: [] });
  standin = await startStandin(world);
});
afterAll(() => standin?.stop());
afterEach(() => {
  standin.world.faults = [];
});

type Creds = { accessKeyId: string; secretAccessKey: string };
const opts = (region = 'us-east-1', credentials: Creds = SAMPLE.student) => ({
  endpoint: standin.url,
  region,
  credentials,
  maxAttempts: 1,
});
const unknownKey = { accessKeyId: 'STANDIN-NOBODY', secretAccessKey: 'nope' };

/** The error a promise rejects with; fails the test if it resolves. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's errors, whose fields the tests read
async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}

/** A raw request to the stand-in with any Host header (fetch forbids setting it). */
function raw(
  method: string,
  p: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const r = http.request(`${standin.url}${p}`, { method, headers }, (res) => {
      let body = '';
      res
        .setEncoding('utf8')
        .on('data', (c) => (body += c))
        .on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    r.on('error', reject).end();
  });
}

describe('world', () => {
  it('reports every problem in a bad world at once', () => {
    const bad = {
      accounts: [{ id: '12', credentials: [{ accessKeyId: 'X' }], instances: [{ instanceId: 'i-1', region: 'mars', state: 'on' }] }],
      faults: [{ kind: 'latency' }],
    };
    const e = (() => {
      try {
        checkWorld(bad);
      } catch (x) {
        return x;
      }
    })() as UserError;
    expect(e).toBeInstanceOf(UserError);
    expect(e.details).toEqual(
      expect.arrayContaining([
        'accounts[0].id: "12" is not a 12-digit account id',
        'accounts[0].credentials[0].secretAccessKey: is required',
        'accounts[0].credentials[0]: needs exactly one of user: <name>, root: true or role: <name>',
        'accounts[0].instances[0].instanceId: "i-1" is not an instance id like i-0123456789abcdef0',
        'accounts[0].instances[0].region: "mars" is not a region name like us-east-1',
        'accounts[0].instances[0].instanceType: is required',
        'accounts[0].instances[0].state: must be one of pending, running, stopping, stopped, shutting-down, terminated (got "on")',
        'faults[0]: a latency fault needs ms: <milliseconds>',
      ]),
    );
  });

  it('examples/worlds/sample.yaml is the sample world', async () => {
    const text = await readFile(path.join(ROOT, 'examples/worlds/sample.yaml'), 'utf8');
    expect(await parseWorld(text, 'sample.yaml')).toEqual(sampleWorld());
  });
});

describe('EC2', () => {
  it('DescribeRegions lists the enabled regions, and opt-in ones with AllRegions', async () => {
    const ec2 = new EC2Client(opts());
    const { Regions } = await ec2.send(new DescribeRegionsCommand({}));
    expect(Regions).toHaveLength(17);
    expect(Regions![0]).toEqual({ RegionName: 'us-east-1', Endpoint: 'ec2.us-east-1.amazonaws.com', OptInStatus: 'opt-in-not-required' });
    const all = await ec2.send(new DescribeRegionsCommand({ AllRegions: true, Filters: [{ Name: 'region-name', Values: ['af-*'] }] }));
    expect(all.Regions).toEqual([{ RegionName: 'af-south-1', Endpoint: 'ec2.af-south-1.amazonaws.com', OptInStatus: 'not-opted-in' }]);
  });

  it('DescribeKeyPairs: fingerprint as ssh-keygen computes it, filters, public key, NotFound', async () => {
    const ec2 = new EC2Client(opts());
    const { KeyPairs } = await ec2.send(
      new DescribeKeyPairsCommand({ Filters: [{ Name: 'key-name', Values: ['ab*'] }], IncludePublicKey: true }),
    );
    const line = sampleWorld().accounts[0].keyPairs![0].publicKey!;
    const dir = await tempDir({ 'k.pub': line + '\n' });
    const sha = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', path.join(dir, 'k.pub')], { encoding: 'utf8' })
      .split(' ')[1]
      .replace('SHA256:', '');
    expect(KeyPairs).toHaveLength(1);
    expect(KeyPairs![0]).toMatchObject({ KeyName: 'ab123-key', KeyType: 'ed25519', KeyFingerprint: sha + '=', PublicKey: line });
    expect(KeyPairs![0].KeyPairId).toMatch(/^key-[0-9a-f]{17}$/);
    expect(KeyPairs![0].CreateTime).toEqual(new Date('2025-01-15T09:00:00.000Z'));
    const none = await ec2.send(new DescribeKeyPairsCommand({ Filters: [{ Name: 'key-pair-id', Values: ['key-0'] }] }));
    expect(none.KeyPairs).toEqual([]);
    const e = await rejection(ec2.send(new DescribeKeyPairsCommand({ KeyNames: ['missing-key'] })));
    expect(e).toBeInstanceOf(EC2ServiceException);
    expect([e.name, e.message, e.$metadata.httpStatusCode]).toEqual([
      'InvalidKeyPair.NotFound',
      "The key pair 'missing-key' does not exist",
      400,
    ]);
  });

  it("an imported RSA key's fingerprint is the MD5 of its DER public key, as openssl computes it", async () => {
    const dir = await tempDir({});
    const key = path.join(dir, 'rsa');
    execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', key]);
    const der = execFileSync('sh', ['-c', `ssh-keygen -e -m PKCS8 -f '${key}.pub' | openssl pkey -pubin -outform DER | openssl md5 -c`], {
      encoding: 'utf8',
    });
    const expected = der.trim().split(' ').pop();
    const keys = standin.world.accounts[0].keyPairs!;
    keys.push({ region: 'us-east-2', name: 'imported-rsa', keyType: 'rsa', publicKey: (await readFile(`${key}.pub`, 'utf8')).trim() });
    try {
      const { KeyPairs } = await new EC2Client(opts('us-east-2')).send(new DescribeKeyPairsCommand({ KeyNames: ['imported-rsa'] }));
      expect(KeyPairs![0]).toMatchObject({ KeyName: 'imported-rsa', KeyType: 'rsa', KeyFingerprint: expected });
    } finally {
      keys.pop();
    }
  });

  it('DescribeInstances: per region, per account, with filters and NotFound', async () => {
    const ec2 = new EC2Client(opts());
    const { Reservations } = await ec2.send(new DescribeInstancesCommand({}));
    expect(Reservations).toHaveLength(1);
    expect(Reservations![0].OwnerId).toBe(SAMPLE.account);
    expect(Reservations![0].Instances![0]).toMatchObject({
      InstanceId: SAMPLE.instance,
      InstanceType: 't2.micro',
      KeyName: 'ab123-key',
      State: { Code: 16, Name: 'running' },
      Tags: [{ Key: 'Name', Value: 'ab123-web' }],
      LaunchTime: new Date('2025-01-15T09:30:00.000Z'),
      Placement: { AvailabilityZone: 'us-east-1a', Tenancy: 'default' },
      PrivateIpAddress: '172.31.20.15',
      PublicIpAddress: '203.0.113.25',
    });
    const eu = await new EC2Client(opts('eu-west-1')).send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running'] }] }),
    );
    expect(eu.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId))).toEqual([SAMPLE.forgotten]);
    const west = new EC2Client(opts('us-west-2'));
    const byFilter = async (Name: string, Values: string[]) =>
      (await west.send(new DescribeInstancesCommand({ Filters: [{ Name, Values }] }))).Reservations!.length;
    expect(await byFilter('instance-state-name', ['stopped'])).toBe(6);
    expect(await byFilter('instance-type', ['t3.micro'])).toBe(6);
    expect(await byFilter('tag-key', ['Name'])).toBe(0);
    expect(
      await new EC2Client(opts())
        .send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: ['ab123-*'] }] }))
        .then((r) => r.Reservations!.length),
    ).toBe(1);
    const other = await new EC2Client(opts('us-east-1', SAMPLE.other)).send(new DescribeInstancesCommand({}));
    expect(other.Reservations!.map((r) => r.Instances![0].InstanceId)).toEqual(['i-0123456789abcdef0']);
    const e = await rejection(ec2.send(new DescribeInstancesCommand({ InstanceIds: [SAMPLE.forgotten] })));
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(['InvalidInstanceID.NotFound', 400]);
  });

  it('DescribeInstances pages with MaxResults 5 over 12 instances through the SDK paginator', async () => {
    const before = standin.calls.length;
    const pages: string[][] = [];
    for await (const page of paginateDescribeInstances({ client: new EC2Client(opts('us-west-2')), pageSize: 5 }, {})) {
      pages.push(page.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId!)));
    }
    expect(pages.map((p) => p.length)).toEqual([5, 5, 2]);
    expect(new Set(pages.flat()).size).toBe(12);
    expect(standin.calls.slice(before).map((c) => `${c.service} ${c.action} ${c.region}`)).toEqual(
      Array(3).fill('ec2 DescribeInstances us-west-2'),
    );
  });

  it('an unknown access key is AuthFailure', async () => {
    const e = await rejection(new EC2Client(opts('us-east-1', unknownKey)).send(new DescribeRegionsCommand({})));
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(['AuthFailure', 401]);
  });
});

describe('STS', () => {
  const who = (creds: Creds) => new STSClient(opts('us-east-1', creds)).send(new GetCallerIdentityCommand({}));

  it('GetCallerIdentity: IAM user, root, unknown key, expired key', async () => {
    const user = await who(SAMPLE.student);
    expect(user).toMatchObject({ Account: SAMPLE.account, Arn: `arn:aws:iam::${SAMPLE.account}:user/ab123-admin` });
    expect(user.UserId).toMatch(/^AIDA[0-9A-Z]{17}$/);
    expect(await who(SAMPLE.root)).toMatchObject({ Arn: `arn:aws:iam::${SAMPLE.account}:root`, UserId: SAMPLE.account });
    const unknown = await rejection(who(unknownKey));
    expect([unknown.name, unknown.$metadata.httpStatusCode]).toEqual(['InvalidClientTokenId', 403]);
    const expired = await rejection(who(SAMPLE.expired));
    expect([expired.name, expired.message]).toEqual(['ExpiredToken', 'The security token included in the request is expired']);
  });

  it('AWS_ENDPOINT_URL_STS alone points a child process at the stand-in', async () => {
    const home = await tempDir({});
    const code = `import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
      const r = await new STSClient({}).send(new GetCallerIdentityCommand({})); console.log(r.Arn);`;
    const env = {
      PATH: process.env.PATH!,
      HOME: home,
      AWS_CONFIG_FILE: path.join(home, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none'),
      AWS_ENDPOINT_URL_STS: standin.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: SAMPLE.root.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SAMPLE.root.secretAccessKey,
    };
    // Asynchronously: a synchronous spawn would block the stand-in living in this same process.
    const r = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(r.stdout.trim()).toBe(`arn:aws:iam::${SAMPLE.account}:root`);
  });
});

describe('CloudWatch, EMR, DynamoDB', () => {
  it('DescribeAlarms by prefix and by name, and in pages', async () => {
    const cw = new CloudWatchClient(opts());
    const { MetricAlarms } = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'billing' }));
    expect(MetricAlarms).toHaveLength(1);
    expect(MetricAlarms![0]).toMatchObject({
      AlarmName: 'billing-over-10-usd',
      Namespace: 'AWS/Billing',
      MetricName: 'EstimatedCharges',
      Threshold: 10,
      Dimensions: [{ Name: 'Currency', Value: 'USD' }],
      AlarmActions: [`arn:aws:sns:us-east-1:${SAMPLE.account}:billing-alerts`],
      StateValue: 'OK',
    });
    expect(MetricAlarms![0].StateUpdatedTimestamp).toBeInstanceOf(Date);
    expect((await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['nope'] }))).MetricAlarms).toEqual([]);
    const pages: number[] = [];
    for await (const p of paginateDescribeAlarms({ client: new CloudWatchClient(opts('us-west-2')), pageSize: 2 }, {}))
      pages.push(p.MetricAlarms!.length);
    expect(pages).toEqual([2, 1]);
    const e = await rejection(new CloudWatchClient(opts('us-east-1', unknownKey)).send(new DescribeAlarmsCommand({})));
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(['InvalidClientTokenId', 403]);
  });

  it('an alarm in metric-query form, and one whose actions are disabled', async () => {
    // PutMetricAlarm takes a metric by name, or as `Metrics` (metric queries), which is how the
    // CloudWatch console now creates alarms; DisableAlarmActions leaves ActionsEnabled false.
    const alarms = standin.world.accounts[0].alarms!;
    const saved = [...alarms];
    alarms.push({ ...saved[0], name: 'billing-query', metricQuery: true, actionsEnabled: false });
    try {
      const { MetricAlarms } = await new CloudWatchClient(opts()).send(new DescribeAlarmsCommand({ AlarmNames: ['billing-query'] }));
      expect(MetricAlarms![0]).toMatchObject({
        ActionsEnabled: false,
        Threshold: 10,
        Metrics: [
          {
            Id: 'm1',
            ReturnData: true,
            MetricStat: {
              Metric: { Namespace: 'AWS/Billing', MetricName: 'EstimatedCharges', Dimensions: [{ Name: 'Currency', Value: 'USD' }] },
              Period: 21600,
              Stat: 'Maximum',
            },
          },
        ],
      });
      expect(MetricAlarms![0].MetricName).toBeUndefined();
    } finally {
      standin.world.accounts[0].alarms = saved;
    }
  });

  it('ListClusters with ClusterStates and Marker pages', async () => {
    const emr = new EMRClient(opts());
    const { Clusters } = await emr.send(new ListClustersCommand({ ClusterStates: ['TERMINATED'] }));
    expect(Clusters).toHaveLength(1);
    expect(Clusters![0]).toMatchObject({
      Id: SAMPLE.cluster,
      Name: 'ab123-spark',
      Status: { State: 'TERMINATED' },
      NormalizedInstanceHours: 24,
    });
    expect(Clusters![0].Status!.Timeline!.CreationDateTime).toEqual(new Date('2025-01-20T10:00:00.000Z'));
    expect((await emr.send(new ListClustersCommand({ ClusterStates: ['RUNNING', 'WAITING'] }))).Clusters).toEqual([]);
    const student = standin.world.accounts[0];
    const saved = student.emrClusters;
    student.emrClusters = Array.from({ length: 55 }, (_, i) => ({
      id: `j-${i}`,
      name: `c${i}`,
      region: 'us-east-1',
      state: 'WAITING' as const,
    }));
    try {
      const pages: number[] = [];
      for await (const p of paginateListClusters({ client: emr }, {})) pages.push(p.Clusters!.length);
      expect(pages).toEqual([50, 5]);
    } finally {
      student.emrClusters = saved;
    }
    const e = await rejection(new EMRClient(opts('us-east-1', SAMPLE.expired)).send(new ListClustersCommand({})));
    expect(e.name).toBe('ExpiredTokenException');
  });

  it('DescribeTable, ListTables and ResourceNotFoundException', async () => {
    standin.world.accounts[0].dynamoTables = [{ name: 'ab123-table', region: 'us-east-1', itemCount: 3 }];
    const ddb = new DynamoDBClient(opts());
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: 'ab123-table' }));
    expect(Table).toMatchObject({
      TableName: 'ab123-table',
      TableStatus: 'ACTIVE',
      ItemCount: 3,
      TableArn: `arn:aws:dynamodb:us-east-1:${SAMPLE.account}:table/ab123-table`,
    });
    expect((await ddb.send(new ListTablesCommand({}))).TableNames).toEqual(['ab123-table']);
    const e = await rejection(ddb.send(new DescribeTableCommand({ TableName: 'missing' })));
    expect(e).toBeInstanceOf(ResourceNotFoundException);
    expect(e.message).toBe('Requested resource not found: Table: missing not found');
    const u = await rejection(new DynamoDBClient(opts('us-east-1', unknownKey)).send(new ListTablesCommand({})));
    expect(u.name).toBe('UnrecognizedClientException');
  });
});

describe('S3', () => {
  const s3 = (
    creds: Creds = SAMPLE.student,
    extra: object = { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' },
  ) => new S3Client({ ...opts('us-east-1', creds), forcePathStyle: true, ...extra });

  it('HeadObject, GetObject and PutObject go through to s3rver', async () => {
    const head = await s3().send(new HeadObjectCommand({ Bucket: SAMPLE.bucket, Key: 'q6-malfunctions.txt' }));
    expect([head.ContentLength, head.ContentType]).toEqual([87, 'text/plain']);
    const got = await s3().send(new GetObjectCommand({ Bucket: SAMPLE.bucket, Key: 'q6-malfunctions.txt' }));
    expect(await got.Body!.transformToString()).toContain('malfunction 2: valve stuck');
    await s3().send(new PutObjectCommand({ Bucket: SAMPLE.privateBucket, Key: 'dir/new file.txt', Body: 'hello\n' }));
    const back = await s3().send(new GetObjectCommand({ Bucket: SAMPLE.privateBucket, Key: 'dir/new file.txt' }));
    expect(await back.Body!.transformToString()).toBe('hello\n');
    expect(standin.calls.at(-1)).toMatchObject({
      service: 's3',
      action: 'GetObject',
      accessKeyId: SAMPLE.student.accessKeyId,
      status: 200,
    });
  });

  it('a streamed upload with the default checksums (aws-chunked) arrives intact', async () => {
    const body = 'line\n'.repeat(1000);
    await s3(SAMPLE.student, {}).send(
      new PutObjectCommand({
        Bucket: SAMPLE.privateBucket,
        Key: 'streamed.txt',
        Body: Readable.from([Buffer.from(body)]),
        ContentLength: body.length,
      }),
    );
    const back = await s3().send(new GetObjectCommand({ Bucket: SAMPLE.privateBucket, Key: 'streamed.txt' }));
    expect(await back.Body!.transformToString()).toBe(body);
  });

  it('GetBucketWebsite, GetBucketPolicyStatus and ListBuckets come from the world', async () => {
    expect((await s3().send(new GetBucketWebsiteCommand({ Bucket: SAMPLE.bucket }))).IndexDocument).toEqual({ Suffix: 'index.html' });
    const e = await rejection(s3().send(new GetBucketWebsiteCommand({ Bucket: SAMPLE.privateBucket })));
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(['NoSuchWebsiteConfiguration', 404]);
    expect((await s3().send(new GetBucketPolicyStatusCommand({ Bucket: SAMPLE.bucket }))).PolicyStatus).toEqual({ IsPublic: true });
    expect((await s3().send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name)).toEqual([SAMPLE.bucket, SAMPLE.privateBucket]);
  });

  it("HeadBucket names the bucket's region; a request signed for another region is redirected there", async () => {
    // S3 API reference, HeadBucket: x-amz-bucket-region. A request signed for the wrong region is
    // answered 301 PermanentRedirect with that header, which the SDK follows (followRegionRedirects).
    const head = await s3().send(new HeadBucketCommand({ Bucket: SAMPLE.bucket }));
    expect(head.BucketRegion).toBe('us-east-1');
    const west = () => new S3Client({ ...opts('us-west-2'), forcePathStyle: true });
    const moved = await rejection(west().send(new HeadBucketCommand({ Bucket: SAMPLE.bucket })));
    expect([moved.$metadata.httpStatusCode, moved.$response?.headers?.['x-amz-bucket-region']]).toEqual([301, 'us-east-1']);
    const get = await rejection(west().send(new GetObjectCommand({ Bucket: SAMPLE.bucket, Key: 'index.html' })));
    expect([get.name, get.Endpoint]).toEqual(['PermanentRedirect', `${SAMPLE.bucket}.s3.us-east-1.amazonaws.com`]);
    const followed = new S3Client({ ...opts('us-west-2'), forcePathStyle: true, followRegionRedirects: true });
    expect((await followed.send(new HeadBucketCommand({ Bucket: SAMPLE.bucket }))).BucketRegion).toBe('us-east-1');
    expect(standin.calls.slice(-2).map((c) => [c.action, c.region, c.status])).toEqual([
      ['HeadBucket', 'us-west-2', 301],
      ['HeadBucket', 'us-east-1', 200],
    ]);
  });

  it('another account is denied, an unknown key is InvalidAccessKeyId', async () => {
    const denied = await rejection(s3(SAMPLE.other).send(new GetObjectCommand({ Bucket: SAMPLE.privateBucket, Key: 'notes.txt' })));
    expect([denied.name, denied.$metadata.httpStatusCode]).toEqual(['AccessDenied', 403]);
    const ok = await s3(SAMPLE.other).send(new GetObjectCommand({ Bucket: SAMPLE.bucket, Key: 'index.html' }));
    expect(ok.ContentType).toBe('text/html');
    const unknown = await rejection(s3(unknownKey).send(new GetObjectCommand({ Bucket: SAMPLE.bucket, Key: 'index.html' })));
    expect(unknown.name).toBe('InvalidAccessKeyId');
  });

  it('anonymous GET: public objects only; a private bucket hides even missing keys', async () => {
    const pub = await fetch(`${standin.url}/${SAMPLE.bucket}/q6-malfunctions.txt`);
    expect([pub.status, (await pub.text()).split('\n')[0]]).toEqual([200, 'malfunction 1: sensor drift']);
    for (const key of ['notes.txt', 'missing.txt']) {
      const priv = await fetch(`${standin.url}/${SAMPLE.privateBucket}/${key}`);
      expect([priv.status, /<Code>AccessDenied<\/Code>/.test(await priv.text())]).toEqual([403, true]);
    }
    // A public-read policy grants s3:GetObject only: a missing key is 403 to a stranger, as on AWS
    // (GetObject API reference, "Permissions": 404 needs s3:ListBucket, else 403 Access Denied).
    const missing = await fetch(`${standin.url}/${SAMPLE.bucket}/missing.txt`);
    expect([missing.status, /<Code>AccessDenied<\/Code>/.test(await missing.text())]).toEqual([403, true]);
    const site = standin.world.accounts[0].buckets![0];
    site.publicList = true;
    try {
      const listed = await fetch(`${standin.url}/${SAMPLE.bucket}/missing.txt`);
      expect([listed.status, /<Code>NoSuchKey<\/Code>/.test(await listed.text())]).toEqual([404, true]);
    } finally {
      delete site.publicList;
    }
    // A refusal still names the bucket's region, as S3 does.
    expect((await raw('HEAD', `/${SAMPLE.privateBucket}`)).headers['x-amz-bucket-region']).toBe('us-east-1');
    const vhost = await raw('GET', '/index.html', { host: `${SAMPLE.bucket}.s3.amazonaws.com` });
    expect(vhost.body).toContain('<h1>ab123</h1>');
  });

  it('website endpoint by Host header: objects, index document, HTML errors', async () => {
    const site = (host: string, p: string) => raw('GET', p, { host });
    const host = `${SAMPLE.bucket}.s3-website-us-east-1.amazonaws.com`;
    const q6 = await site(host, '/q6-malfunctions.txt');
    expect([q6.status, q6.headers['content-type'], q6.body.split('\n')[2]]).toEqual([200, 'text/plain', 'malfunction 3: pump overheating']);
    expect((await site(`${SAMPLE.bucket}.s3-website.us-east-1.amazonaws.com`, '/')).body).toContain('<h1>ab123</h1>');
    const refused = await site(host, '/nope.txt');
    expect([refused.status, refused.headers['x-amz-error-code']]).toEqual([403, 'AccessDenied']);
    standin.world.accounts[0].buckets![0].publicList = true;
    try {
      const missing = await site(host, '/nope.txt');
      expect([missing.status, missing.headers['content-type']]).toEqual([404, 'text/html; charset=utf-8']);
      expect(missing.body).toContain('<li>Code: NoSuchKey</li>');
    } finally {
      delete standin.world.accounts[0].buckets![0].publicList;
    }
    // S3 User Guide, "Website endpoints": a bucket is served only at its own region's website endpoint.
    const elsewhere = await site(`${SAMPLE.bucket}.s3-website-eu-west-1.amazonaws.com`, '/q6-malfunctions.txt');
    expect([elsewhere.status, elsewhere.headers['x-amz-error-code']]).toEqual([301, 'PermanentRedirect']);
    expect(elsewhere.body).toContain(`<li>Endpoint: ${SAMPLE.bucket}.s3-website-us-east-1.amazonaws.com</li>`);
    const noSite = await site(`${SAMPLE.privateBucket}.s3-website-us-east-1.amazonaws.com`, '/notes.txt');
    expect([noSite.status, noSite.body.includes('<li>Code: NoSuchWebsiteConfiguration</li>')]).toEqual([404, true]);
    const priv = standin.world.accounts[0].buckets![1];
    priv.website = { indexDocument: 'index.html' };
    try {
      const denied = await site(`${SAMPLE.privateBucket}.s3-website-us-east-1.amazonaws.com`, '/notes.txt');
      expect([denied.status, denied.body.includes('<h1>403 Forbidden</h1>'), denied.body.includes('<li>Code: AccessDenied</li>')]).toEqual([
        403,
        true,
        true,
      ]);
    } finally {
      delete priv.website;
    }
  });
});

describe('IMDSv2', () => {
  it('token, then the identity document; no token or a bad one is 401', async () => {
    expect((await raw('GET', '/latest/dynamic/instance-identity/document')).status).toBe(401);
    expect((await raw('PUT', '/latest/api/token')).status).toBe(400);
    const token = await raw('PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': '60' });
    expect(token.status).toBe(200);
    // EC2's metadata service names itself on every answer, refusals too.
    expect([token.headers.server, (await raw('GET', '/latest/meta-data/instance-id')).headers.server]).toEqual(['EC2ws', 'EC2ws']);
    expect((await raw('GET', '/latest/meta-data/instance-id', { 'x-aws-ec2-metadata-token': 'forged' })).status).toBe(401);
    const doc = await raw('GET', '/latest/dynamic/instance-identity/document', { 'x-aws-ec2-metadata-token': token.body });
    expect(JSON.parse(doc.body)).toMatchObject({
      accountId: SAMPLE.account,
      instanceId: SAMPLE.instance,
      region: 'us-east-1',
      instanceType: 't2.micro',
      availabilityZone: 'us-east-1a',
      privateIp: '172.31.20.15',
      architecture: 'x86_64',
      version: '2017-09-30',
    });
  });

  it("the SDK's own IMDS provider gets the role's keys, and STS knows them", async () => {
    const saved = process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = standin.url;
    try {
      const creds = await fromInstanceMetadata({ timeout: 1000, maxRetries: 0 })();
      expect([creds.accessKeyId, creds.sessionToken]).toEqual(['STANDIN-ROLE-KEY', 'standin-role-token']);
      const id = await new STSClient(opts('us-east-1', creds)).send(new GetCallerIdentityCommand({}));
      expect(id.Arn).toBe(`arn:aws:sts::${SAMPLE.account}:assumed-role/ab123-ec2-role/${SAMPLE.instance}`);
    } finally {
      if (saved === undefined) delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
      else process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = saved;
    }
  });
});

describe('faults', () => {
  const sts = (extra: object = {}) => new STSClient({ ...opts(), ...extra });
  const who = (extra: object = {}) => sts(extra).send(new GetCallerIdentityCommand({}));

  it('latency adds the configured delay', async () => {
    await who(); // warm the connection
    let t = performance.now();
    await who();
    const base = performance.now() - t;
    standin.world.faults = [{ kind: 'latency', service: 'sts', ms: 300 }];
    t = performance.now();
    await who();
    const slow = performance.now() - t;
    expect(slow).toBeGreaterThanOrEqual(300);
    expect(base).toBeLessThan(300);
  });

  it("throttle is each service's throttling error, as the SDK's retry logic classifies it", async () => {
    standin.world.faults = ['ec2', 'sts', 'monitoring', 'emr', 'dynamodb', 's3'].map((service) => ({ kind: 'throttle' as const, service }));
    const s3 = new S3Client({ ...opts(), forcePathStyle: true });
    const errors = await Promise.all([
      rejection(new EC2Client(opts()).send(new DescribeRegionsCommand({}))),
      rejection(new STSClient(opts()).send(new GetCallerIdentityCommand({}))),
      rejection(new CloudWatchClient(opts()).send(new DescribeAlarmsCommand({}))),
      rejection(new EMRClient(opts()).send(new ListClustersCommand({}))),
      rejection(new DynamoDBClient(opts()).send(new ListTablesCommand({}))),
      rejection(s3.send(new GetObjectCommand({ Bucket: SAMPLE.bucket, Key: 'index.html' }))),
    ]);
    expect(errors.map((e) => [e.name, e.$metadata.httpStatusCode])).toEqual([
      ['RequestLimitExceeded', 503],
      ['Throttling', 400],
      ['Throttling', 400],
      ['ThrottlingException', 400],
      ['ThrottlingException', 400],
      ['SlowDown', 503],
    ]);
    // None of these carries a modelled retry trait here; the SDK retries them by name.
    expect(errors.map((e) => [isThrottlingError(e), e.$retryable])).toEqual(Array(6).fill([true, undefined]));
  });

  it('a fault with times hits only the first N matching calls', async () => {
    standin.world.faults = [{ kind: 'throttle', service: 'ec2', action: 'DescribeInstances', times: 1 }];
    const ec2 = new EC2Client(opts());
    expect((await rejection(ec2.send(new DescribeInstancesCommand({})))).name).toBe('RequestLimitExceeded');
    await ec2.send(new DescribeRegionsCommand({})); // another action does not match
    await ec2.send(new DescribeInstancesCommand({})); // the second matching call passes
  });

  it('a throttled call is retried by the SDK and then succeeds', async () => {
    standin.world.faults = [{ kind: 'throttle', service: 'sts', times: 1 }];
    const id = await new STSClient({ ...opts(), maxAttempts: 2, retryStrategy: undefined }).send(new GetCallerIdentityCommand({}));
    expect(id.$metadata.attempts).toBe(2);
  });

  it('500, auth and expired', async () => {
    standin.world.faults = [{ kind: '500', service: 'sts' }];
    const e500 = await rejection(who());
    expect([e500.name, e500.$metadata.httpStatusCode, e500.$fault]).toEqual(['InternalFailure', 500, 'server']);
    standin.world.faults = [{ kind: 'auth', service: 'monitoring' }];
    const auth = await rejection(new CloudWatchClient(opts()).send(new DescribeAlarmsCommand({})));
    expect(auth.name).toBe('InvalidClientTokenId');
    standin.world.faults = [{ kind: 'expired', service: 's3' }];
    const expired = await rejection(
      new S3Client({ ...opts(), forcePathStyle: true }).send(new HeadObjectCommand({ Bucket: SAMPLE.bucket, Key: 'index.html' })),
    );
    expect(expired.$metadata.httpStatusCode).toBe(400); // HEAD has no body: the SDK sees only the status
    const expiredGet = await rejection(
      new S3Client({ ...opts(), forcePathStyle: true }).send(new GetObjectCommand({ Bucket: SAMPLE.bucket, Key: 'index.html' })),
    );
    expect(expiredGet.name).toBe('ExpiredToken');
  });

  it("hang is cut off by the SDK's requestTimeout, with throwOnRequestTimeout", async () => {
    standin.world.faults = [{ kind: 'hang', service: 'sts', times: 1 }];
    const t = performance.now();
    const e = await rejection(who({ requestHandler: new NodeHttpHandler({ requestTimeout: 500, throwOnRequestTimeout: true }) }));
    expect([e.name, e.code]).toEqual(['TimeoutError', 'ETIMEDOUT']);
    expect(performance.now() - t).toBeGreaterThanOrEqual(450);
  });

  it('requestTimeout alone only warns (@smithy/node-http-handler 4.14): the call stays pending', async () => {
    standin.world.faults = [{ kind: 'hang', service: 'sts', times: 1 }];
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
    const abort = new AbortController();
    const call = sts({ requestHandler: new NodeHttpHandler({ requestTimeout: 200, logger }) }).send(new GetCallerIdentityCommand({}), {
      abortSignal: abort.signal,
    });
    const first = await Promise.race([
      call.then(
        () => 'answered',
        () => 'failed',
      ),
      new Promise((r) => setTimeout(r, 500, 'pending')),
    ]);
    abort.abort();
    expect(first).toBe('pending');
    expect(warnings.join('')).toContain('exceeded the configured 200 ms requestTimeout');
    expect((await rejection(call)).name).toBe('AbortError');
  });

  it('connection refused needs no fault: refusedUrl()', async () => {
    const e = await rejection(new STSClient({ ...opts(), endpoint: await refusedUrl() }).send(new GetCallerIdentityCommand({})));
    expect(e.code).toBe('ECONNREFUSED');
  });

  it('calls record concurrent requests', async () => {
    standin.world.faults = [{ kind: 'latency', service: 'sts', ms: 100 }];
    const before = standin.calls.length;
    await Promise.all(Array.from({ length: 5 }, () => who()));
    const calls = standin.calls.slice(before);
    expect(calls).toHaveLength(5);
    const firstEnd = Math.min(...calls.map((c) => c.endedAt!));
    expect(calls.every((c) => c.startedAt < firstEnd)).toBe(true); // all five were open at once
  });

  it('stop() closes cleanly while a request hangs', async () => {
    const other = await startStandin({ accounts: [], faults: [{ kind: 'hang' }] });
    const pending = fetch(`${other.url}/latest/api/token`, { method: 'PUT' }).then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((r) => setTimeout(r, 50));
    const t = performance.now();
    await other.stop();
    expect(performance.now() - t).toBeLessThan(1000);
    expect(await pending).toBe('cut');
  });
});
