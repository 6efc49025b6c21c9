// Conformance: the live AWS checks A1–A5 use, on a right world and a wrong one per check, judged
// against moto (an AWS emulator the project did not write, run as `moto_server` on loopback) and
// against the stand-in, from the same world. The worlds are built in moto through the AWS SDK
// (helpers/moto.ts); the verdicts must agree. Where moto departs from AWS, the test names the
// deviation, shows moto still departs, and asserts the AWS behaviour through the stand-in.
// Runs wherever `moto_server` is on PATH (this machine image and CI); elsewhere it skips, saying why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startStandin, type Standin, type World } from '../standin/index.js';
import { build, motoServer, startMoto, MOTO_ACCOUNT, type Built, type Moto } from './helpers/moto.js';
import { noCredentialsEnv, runLive, said, setAwsEnv } from './helpers/live-run.js';
import { tempDir } from './helpers/fixture.js';
import { AwsAccess } from '../lib/aws/access.js';
import type { CheckResult } from '../lib/types.js';

const BIN = motoServer();
const STUDENT = { accessKeyId: 'STANDIN-AB123-KEY', secretAccessKey: 'standin-ab123-secret' };
const ROOT = { accessKeyId: 'STANDIN-AB123-ROOT', secretAccessKey: 'standin-ab123-root' };
const NOBODY = { accessKeyId: 'STANDIN-NOBODY-KEY', secretAccessKey: 'standin-nobody' };
const INSTANCE = 'i-0a1b2c3d4e5f60718';
const BUCKET = 'ab123-a1';
const Q6 = '2017-01-01T00:00:00Z fnard:-1 fnok:-1 cark:-1 gnuck:-1\n';
const q7 = (bucket = BUCKET, region = 'us-east-1') =>
  `s3: s3://${bucket}/q6-malfunctions.txt\nhttp: http://${bucket}.s3-website-${region}.amazonaws.com/q6-malfunctions.txt\n`;
const S3_FROM = { file: 'q7.txt', pattern: '^s3: (s3://\\S+)$' };
const WEB_FROM = { file: 'q7.txt', pattern: '^http: (\\S+)$' };
const answers = { 'q7.txt': q7(), 'q6-malfunctions.txt': Q6 };

let keyFile = '';
let publicKey = '';
let otherPublicKey = '';

/** A1 as a student leaves it when everything is right (each case changes what it needs). */
function rightWorld(): World {
  return {
    accounts: [
      {
        id: MOTO_ACCOUNT,
        credentials: [
          { ...STUDENT, user: 'ab123-admin' },
          { ...ROOT, root: true },
        ],
        keyPairs: [{ region: 'us-east-1', name: 'ab123-key', keyType: 'ed25519', publicKey }],
        instances: [{ instanceId: INSTANCE, region: 'us-east-1', instanceType: 't2.micro', state: 'running', keyName: 'ab123-key' }],
        buckets: [
          {
            name: BUCKET,
            region: 'us-east-1',
            public: true,
            website: { indexDocument: 'index.html' },
            objects: [{ key: 'q6-malfunctions.txt', body: Q6 }],
          },
        ],
        alarms: [
          {
            name: 'billing',
            region: 'us-east-1',
            namespace: 'AWS/Billing',
            metricName: 'EstimatedCharges',
            dimensions: { Currency: 'USD' },
            threshold: 10,
            actions: [`arn:aws:sns:us-east-1:${MOTO_ACCOUNT}:billing`],
          },
        ],
        emrClusters: [],
        dynamoTables: [{ name: 'ab123', region: 'us-east-1' }],
      },
    ],
  };
}
const account = (w: World) => w.accounts[0];
const quiet = (w: World) => account(w).instances!.forEach((i) => (i.state = 'stopped'));

/** The identity document `harness evidence` would save on the instance (its id as the peer knows it). */
const evidence = (id: string, type = 't2.micro') =>
  JSON.stringify({
    accountId: MOTO_ACCOUNT,
    availabilityZone: 'us-east-1a',
    imageId: 'ami-0123456789abcdef0',
    instanceId: id,
    instanceType: type,
    pendingTime: '2025-01-15T09:30:00Z',
    region: 'us-east-1',
    version: '2017-09-30',
  });

interface Case {
  name: string;
  kind: string;
  params: Record<string, unknown>;
  /** Files, given the instance's id as the peer knows it. */
  files?: (instanceId: string) => Record<string, string>;
  world?: (w: World) => void;
  /** Whose keys the check runs with (default the student's). */
  creds?: typeof STUDENT;
  /** moto in enforced-auth mode (needed for a key it must reject). */
  enforce?: boolean;
  status: string;
  says: RegExp;
}

const keypair = () => ({ name: 'ab123-key', keyFile });
const CASES: Case[] = [
  { name: 'IAM user keys', kind: 'aws.identity', params: {}, status: 'pass', says: /^pass/ },
  {
    name: 'keys AWS does not know',
    kind: 'aws.identity',
    params: {},
    creds: NOBODY,
    enforce: true,
    status: 'error',
    says: /^error: AWS rejected your credentials \(InvalidClientTokenId/,
  },
  { name: 'the key pair holds the local key', kind: 'aws.ec2.keypair', params: {}, status: 'pass', says: /^pass/ },
  {
    name: 'the key pair holds another key',
    kind: 'aws.ec2.keypair',
    params: {},
    world: (w) => (account(w).keyPairs![0].publicKey = otherPublicKey),
    status: 'fail',
    says: /^fail: The key pair "ab123-key" in us-east-1 is a different key from /,
  },
  {
    name: 'a running t2.micro with the key pair',
    kind: 'aws.ec2.instance',
    params: { keyName: 'ab123-key' },
    status: 'pass',
    says: /^pass/,
  },
  {
    name: 'the instance is stopped',
    kind: 'aws.ec2.instance',
    params: { keyName: 'ab123-key' },
    world: quiet,
    status: 'fail',
    says: /^fail: Instance i-[0-9a-f]+ is stopped, not running\. \| Start it/,
  },
  {
    name: "the evidence names the student's instance",
    kind: 'aws.evidence.exists',
    params: { file: 'id.json' },
    files: (id) => ({ 'id.json': evidence(id) }),
    status: 'pass',
    says: /^pass/,
  },
  {
    name: 'the evidence gives another type',
    kind: 'aws.evidence.exists',
    params: { file: 'id.json' },
    files: (id) => ({ 'id.json': evidence(id, 't2.nano') }),
    status: 'fail',
    says: /^fail: id\.json says i-[0-9a-f]+ is a t2\.nano, but AWS says it is now a t2\.micro\./,
  },
  {
    name: 'the object matches q6',
    kind: 'aws.s3.object',
    params: { urlFrom: S3_FROM, sameAs: 'q6-malfunctions.txt' },
    files: () => answers,
    status: 'pass',
    says: /^pass/,
  },
  {
    name: 'the object differs',
    kind: 'aws.s3.object',
    params: { urlFrom: S3_FROM, sameAs: 'q6-malfunctions.txt' },
    files: () => ({ ...answers, 'q6-malfunctions.txt': Q6.replace('fnok', 'fnoK') }),
    status: 'fail',
    says: /^fail: s3:\/\/ab123-a1\/q6-malfunctions\.txt differs from your q6-malfunctions\.txt\./,
  },
  {
    name: 'the bucket is in another region than the spec asks',
    kind: 'aws.s3.object',
    params: { url: `s3://${BUCKET}/q6-malfunctions.txt`, region: 'us-east-1' },
    world: (w) => (account(w).buckets![0].region = 'eu-west-1'),
    status: 'fail',
    says: /^fail: The bucket ab123-a1 is in eu-west-1, but this assignment asks for us-east-1\./,
  },
  {
    name: 'HeadBucket with keys AWS does not know',
    kind: 'aws.s3.object',
    params: { url: `s3://${BUCKET}/q6-malfunctions.txt`, region: 'us-east-1' },
    creds: NOBODY,
    enforce: true,
    status: 'error',
    says: /^error: AWS rejected your credentials \(InvalidAccessKeyId/,
  },
  {
    name: 'anyone can download the object',
    kind: 'aws.s3.public',
    params: { urlFrom: S3_FROM, sameAs: 'q6-malfunctions.txt' },
    files: () => answers,
    status: 'pass',
    says: /^pass/,
  },
  {
    name: 'the bucket is private',
    kind: 'aws.s3.public',
    params: { urlFrom: S3_FROM },
    files: () => answers,
    world: (w) => delete account(w).buckets![0].public,
    status: 'fail',
    says: /^fail: s3:\/\/ab123-a1\/q6-malfunctions\.txt is not public: the object exists, but an anonymous download .* is refused \(403/,
  },
  {
    name: 'the website serves q6',
    kind: 'aws.s3.website',
    params: { urlFrom: WEB_FROM, sameAs: 'q6-malfunctions.txt' },
    files: () => answers,
    status: 'pass',
    says: /^pass/,
  },
  {
    name: 'the website serves other bytes',
    kind: 'aws.s3.website',
    params: { urlFrom: WEB_FROM, sameAs: 'q6-malfunctions.txt' },
    files: () => ({ ...answers, 'q6-malfunctions.txt': 'x\n' }),
    status: 'fail',
    says: /^fail: The website serves q6-malfunctions\.txt, but it differs from your q6-malfunctions\.txt\./,
  },
  { name: 'a billing alarm that notifies', kind: 'aws.billing-alarm', params: { maxThreshold: 10 }, status: 'pass', says: /^pass/ },
  {
    name: 'a billing alarm in metric-query form',
    kind: 'aws.billing-alarm',
    params: { maxThreshold: 10 },
    world: (w) => (account(w).alarms![0].metricQuery = true),
    status: 'pass',
    says: /^pass/,
  },
  {
    name: 'a billing alarm whose actions are disabled',
    kind: 'aws.billing-alarm',
    params: {},
    world: (w) => (account(w).alarms![0].actionsEnabled = false),
    status: 'fail',
    says: /^fail: Your billing alarm "billing" has no action enabled/,
  },
  {
    name: 'no billing alarm, one on CPU',
    kind: 'aws.billing-alarm',
    params: {},
    world: (w) => Object.assign(account(w).alarms![0], { namespace: 'AWS/EC2', metricName: 'CPUUtilization' }),
    status: 'fail',
    says: /^fail: There is no billing alarm/,
  },
  { name: 'nothing left running', kind: 'aws.cost-guard', params: {}, world: quiet, status: 'pass', says: /^pass/ },
  {
    name: 'an instance left running in eu-west-1',
    kind: 'aws.cost-guard',
    params: {},
    world: (w) => {
      quiet(w);
      account(w).instances!.push({ instanceId: 'i-0eeeeeeeeeeeeeee1', region: 'eu-west-1', instanceType: 't2.large', state: 'running' });
    },
    status: 'warn',
    says: /^warn: Still running, and billed by the hour: 1 instance running in eu-west-1 \(i-[0-9a-f]+, t2\.large/,
  },
  { name: 'a DynamoDB table named after the NetID', kind: 'aws.dynamodb.table', params: {}, status: 'pass', says: /^pass/ },
  {
    name: 'no such table',
    kind: 'aws.dynamodb.table',
    params: {},
    world: (w) => (account(w).dynamoTables = []),
    status: 'fail',
    says: /^fail: There is no DynamoDB table named ab123 in us-east-1\./,
  },
];

let moto: Moto;
let standin: Standin;
let base: Record<string, string>;

/** One check against the stand-in, with the world's own keys. */
async function onStandin(c: Case, world: World): Promise<CheckResult> {
  standin.world = world;
  const creds = c.creds ?? STUDENT;
  const back = setAwsEnv({ ...base, ...standin.env, AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey });
  try {
    return await runLive({ kind: c.kind, params: c.params, files: c.files?.(INSTANCE), netid: 'ab123' });
  } finally {
    back();
  }
}

/** The same check against moto, the world built there through the SDK. No website endpoint is set. */
async function onMoto(c: Case, world: World, hook?: (built: Built) => Promise<void>): Promise<CheckResult> {
  await moto.reset();
  const built = await build(moto, world);
  await hook?.(built);
  const creds = c.creds ? c.creds : built.keys.get(STUDENT.accessKeyId)!;
  const back = setAwsEnv({
    ...base,
    AWS_ENDPOINT_URL: moto.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
  });
  if (c.enforce) await moto.enforceAuth(true);
  // moto is a single Python process: the cost guard's 76 calls at once take it seconds, not the
  // milliseconds the stand-in needs, so its calls get AWS's own patience rather than a test's.
  const aws = new AwsAccess({ connectTimeout: 5, requestTimeout: 30 });
  try {
    return await runLive({
      kind: c.kind,
      params: c.params,
      files: c.files?.(built.instances.get(INSTANCE) ?? INSTANCE),
      netid: 'ab123',
      timeout: 60,
      aws,
    });
  } finally {
    aws.destroy();
    if (c.enforce) await moto.enforceAuth(false);
    back();
  }
}

const worldOf = (c: Pick<Case, 'world'>) => {
  const w = rightWorld();
  c.world?.(w);
  return w;
};

if (!BIN) {
  describe('conformance with moto', () => {
    it.skip('skipped: moto_server is not on PATH (this machine image and CI have it; elsewhere: pip install "moto[server]")', () => {});
  });
} else {
  beforeAll(async () => {
    const home = await tempDir({}, 'harness-moto-');
    keyFile = path.join(home, 'ab123-key.pem');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'a passphrase', '-C', 'ab123', '-f', keyFile]);
    chmodSync(keyFile, 0o600);
    publicKey = readFileSync(`${keyFile}.pub`, 'utf8').trim();
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(home, 'other')]);
    otherPublicKey = readFileSync(path.join(home, 'other.pub'), 'utf8').trim();
    for (const c of CASES) if (c.kind === 'aws.ec2.keypair') c.params = keypair();
    [moto, standin] = await Promise.all([startMoto(BIN), startStandin(rightWorld())]);
    base = { ...(await noCredentialsEnv()), AWS_MAX_ATTEMPTS: '1' };
  }, 120_000);
  afterAll(async () => {
    moto?.stop();
    await standin?.stop();
  });

  describe('conformance with moto: the same world, the same verdict', () => {
    it.each(CASES.map((c) => [`${c.kind}: ${c.name}`, c] as const))(
      '%s',
      async (_name, c) => {
        const world = worldOf(c);
        const fromStandin = await onStandin(c, structuredClone(world));
        const fromMoto = await onMoto(c, world);
        expect(said(fromStandin), 'stand-in').toMatch(c.says);
        expect(said(fromMoto), 'moto').toMatch(c.says);
        expect([fromStandin.status, fromMoto.status]).toEqual([c.status, c.status]);
      },
      90_000,
    );
  });

  describe('where moto departs from AWS: the AWS behaviour, through the stand-in', () => {
    /** moto's verdict must still differ from AWS's (else the case belongs above), the stand-in's must be AWS's. */
    const deviation = async (c: Case, motoWorld: World, standinWorld: World, hook?: (b: Built) => Promise<void>) => {
      const fromMoto = await onMoto(c, motoWorld, hook);
      const fromStandin = await onStandin(c, standinWorld);
      expect(said(fromStandin), 'the stand-in, as AWS').toMatch(c.says);
      expect(fromStandin.status).toBe(c.status);
      expect(said(fromMoto), 'moto still departs from AWS here').not.toMatch(c.says);
    };

    it('no root identity: moto names any unknown key user/moto; AWS says root, and the check fails', async () => {
      const c: Case = {
        name: 'root keys',
        kind: 'aws.identity',
        params: {},
        creds: ROOT,
        status: 'fail',
        says: /^fail: Your AWS credentials are the root account's access keys/,
      };
      await deviation(c, rightWorld(), rightWorld());
    }, 60_000);

    it("Block Public Access ignored: moto serves a public policy that the bucket's public access block overrides on AWS", async () => {
      // S3 User Guide, "Blocking public access": RestrictPublicBuckets makes a public policy apply to
      // nobody outside the account. The stand-in's world holds the effective access: not public.
      const c: Case = {
        name: 'blocked',
        kind: 'aws.s3.public',
        params: { urlFrom: S3_FROM },
        files: () => answers,
        status: 'fail',
        says: /^fail: .* is not public/,
      };
      const blocked = worldOf({ world: (w) => delete account(w).buckets![0].public });
      await deviation(c, rightWorld(), blocked, async () => {
        const { S3Client, PutPublicAccessBlockCommand } = await import('@aws-sdk/client-s3');
        await new S3Client({
          region: 'us-east-1',
          endpoint: moto.url,
          forcePathStyle: true,
          credentials: { accessKeyId: 'MOTO-SETUP', secretAccessKey: 'x' },
        }).send(
          new PutPublicAccessBlockCommand({
            Bucket: BUCKET,
            PublicAccessBlockConfiguration: {
              BlockPublicAcls: true,
              IgnorePublicAcls: true,
              BlockPublicPolicy: true,
              RestrictPublicBuckets: true,
            },
          }),
        );
      });
    }, 60_000);

    it('an explicit Deny in the bucket policy is not applied to the owner by moto; on AWS it wins, and the check cannot read the object', async () => {
      // IAM User Guide, "Policy evaluation logic": an explicit deny overrides any allow.
      const c: Case = {
        name: 'denied',
        kind: 'aws.s3.object',
        params: { urlFrom: S3_FROM, sameAs: 'q6-malfunctions.txt' },
        files: () => answers,
        status: 'error',
        says: /^error: your IAM user is not allowed to call HeadObject on s3 in us-east-1/,
      };
      const denied = worldOf({});
      denied.faults = [
        { kind: 'denied', service: 's3', action: 'HeadObject' },
        { kind: 'denied', service: 's3', action: 'GetObject' },
      ];
      await deviation(c, rightWorld(), denied, async (b) => {
        const { S3Client, PutBucketPolicyCommand } = await import('@aws-sdk/client-s3');
        const user = `arn:aws:iam::${MOTO_ACCOUNT}:user/ab123-admin`;
        void b;
        await new S3Client({
          region: 'us-east-1',
          endpoint: moto.url,
          forcePathStyle: true,
          credentials: { accessKeyId: 'MOTO-SETUP', secretAccessKey: 'x' },
        }).send(
          new PutBucketPolicyCommand({
            Bucket: BUCKET,
            Policy: JSON.stringify({
              Version: '2012-10-17',
              Statement: [{ Effect: 'Deny', Principal: { AWS: user }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }],
            }),
          }),
        );
      });
    }, 60_000);

    it('EMR ignores the region in server mode: moto shows a cluster in every region; AWS only in its own', async () => {
      const c: Case = {
        name: 'cluster',
        kind: 'aws.cost-guard',
        params: {},
        status: 'warn',
        says: /^warn: Still running, and billed by the hour: 1 EMR cluster up in ap-south-1 \(j-[0-9A-Z]+ "ab123-spark", WAITING[^;]*\)\.(?!.*EMR cluster)/,
      };
      const w = worldOf({
        world: (x) => {
          quiet(x);
          account(x).emrClusters = [{ id: 'j-2AXXXXXXGAPLF', name: 'ab123-spark', region: 'ap-south-1', state: 'WAITING' }];
        },
      });
      await deviation(c, w, structuredClone(w));
    }, 90_000);

    it('moto answers JSON clients with XML errors in enforced-auth mode; AWS names the rejected key', async () => {
      const c: Case = {
        name: 'rejected',
        kind: 'aws.billing-alarm',
        params: {},
        creds: NOBODY,
        enforce: true,
        status: 'error',
        says: /^error: AWS rejected your credentials \(InvalidClientTokenId/,
      };
      await deviation(c, rightWorld(), rightWorld());
    }, 60_000);

    it('moto answers anonymous GETs with HTTP 500 in enforced-auth mode; AWS serves a public object', async () => {
      const c: Case = {
        name: 'anonymous',
        kind: 'aws.s3.public',
        params: { urlFrom: S3_FROM, sameAs: 'q6-malfunctions.txt' },
        files: () => answers,
        enforce: true,
        status: 'pass',
        says: /^pass/,
      };
      await deviation(c, rightWorld(), rightWorld());
    }, 60_000);

    it('moto serves no S3 website endpoint: a bucket without website hosting still "serves" its objects there', async () => {
      const c: Case = {
        name: 'no website',
        kind: 'aws.s3.website',
        params: { urlFrom: WEB_FROM },
        files: () => answers,
        status: 'fail',
        says: /^fail: Website hosting is not enabled on ab123-a1\./,
      };
      const w = worldOf({ world: (x) => delete account(x).buckets![0].website });
      await deviation(c, w, structuredClone(w));
    }, 60_000);

    it("a missing key under a GetObject-only policy: moto says 404, AWS 403 (told apart with the student's keys)", async () => {
      // GetObject API reference, "Permissions": without s3:ListBucket a missing key is 403, not 404.
      const c: Case = {
        name: 'missing',
        kind: 'aws.s3.public',
        params: { url: `s3://${BUCKET}/nothing.txt` },
        status: 'fail',
        says: /^fail: There is no object nothing\.txt in the bucket ab123-a1: an anonymous download .* is refused \(403 AccessDenied\)/,
      };
      await deviation(c, rightWorld(), rightWorld());
    }, 60_000);
  });
}
