// moto (an AWS emulator the project did not write) for conformance tests: `moto_server` on loopback,
// and a stand-in world (standin/world.ts) built inside it through the AWS SDK, so the same world can
// be judged by the stand-in and by moto. One account (moto's default, 123456789012); moto makes its
// own ids and keys, so `build` returns how the world's map to moto's.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { World } from '../../standin/index.js';

export const MOTO_ACCOUNT = '123456789012';

/** moto_server on PATH, or undefined. */
export function motoServer(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const f = path.join(dir, 'moto_server');
    if (dir && existsSync(f)) return f;
  }
  return undefined;
}

export interface Moto {
  url: string;
  /** Forgets every resource (POST /moto-api/reset). */
  reset(): Promise<void>;
  /** Enforced SigV4 and IAM checks (moto's INITIAL_NO_AUTH_ACTION_COUNT=0), or none (its default). */
  enforceAuth(on: boolean): Promise<void>;
  stop(): void;
}

export async function startMoto(bin: string): Promise<Moto> {
  // No default AMIs: loading them makes moto's first call in each region take a second or more, and
  // the cost guard asks every region.
  const child: ChildProcess = spawn(bin, ['-H', '127.0.0.1', '-p', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MOTO_EC2_LOAD_DEFAULT_AMIS: 'false' },
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const on = (d: Buffer) => {
      out += d;
      const m = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]);
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => reject(new Error(`moto_server exited (${code}): ${out.slice(-500)}`)));
  });
  child.stdout!.resume();
  child.stderr!.resume();
  const post = async (p: string, body?: string) => {
    const r = await fetch(url + p, { method: 'POST', body });
    if (!r.ok) throw new Error(`moto ${p}: HTTP ${r.status}`);
  };
  return {
    url,
    reset: () => post('/moto-api/reset'),
    enforceAuth: (on) => post('/moto-api/reset-auth', on ? '0' : 'inf'),
    stop: () => child.kill(),
  };
}

export interface Built {
  /** The world's access key id → moto's key for the same IAM user. */
  keys: Map<string, { accessKeyId: string; secretAccessKey: string }>;
  /** The world's instance id → moto's. */
  instances: Map<string, string>;
}

/**
 * Creates the first account of `world` in moto through the SDK. Root and expired credentials have
 * no moto form (moto has no root identity): they are left out, and their tests use the stand-in.
 */
export async function build(moto: Moto, world: World): Promise<Built> {
  const [iam, ec2, s3, cw, emr, ddb] = await Promise.all([
    import('@aws-sdk/client-iam'),
    import('@aws-sdk/client-ec2'),
    import('@aws-sdk/client-s3'),
    import('@aws-sdk/client-cloudwatch'),
    import('@aws-sdk/client-emr'),
    import('@aws-sdk/client-dynamodb'),
  ]);
  const credentials = { accessKeyId: 'MOTO-SETUP', secretAccessKey: 'moto-setup' };
  const opts = (region: string) => ({ region, endpoint: moto.url, credentials, maxAttempts: 1 });
  const acct = world.accounts[0];
  const built: Built = { keys: new Map(), instances: new Map() };

  const i = new iam.IAMClient(opts('us-east-1'));
  for (const c of acct.credentials) {
    if (!c.user || c.expired) continue;
    await i.send(new iam.CreateUserCommand({ UserName: c.user })).catch((e) => {
      if (e.name !== 'EntityAlreadyExistsException') throw e;
    });
    await i.send(
      new iam.PutUserPolicyCommand({
        UserName: c.user,
        PolicyName: 'everything',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
      }),
    );
    const k = (await i.send(new iam.CreateAccessKeyCommand({ UserName: c.user }))).AccessKey!;
    built.keys.set(c.accessKeyId, { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
  }
  for (const k of acct.keyPairs ?? []) {
    await new ec2.EC2Client(opts(k.region)).send(
      new ec2.ImportKeyPairCommand({ KeyName: k.name, PublicKeyMaterial: Buffer.from(k.publicKey!) }),
    );
  }
  for (const inst of acct.instances ?? []) {
    const c = new ec2.EC2Client(opts(inst.region));
    const tags = Object.entries(inst.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
    const run = await c.send(
      new ec2.RunInstancesCommand({
        ImageId: 'ami-0123456789abcdef0',
        MinCount: 1,
        MaxCount: 1,
        InstanceType: inst.instanceType as never,
        KeyName: inst.keyName,
        ...(tags.length ? { TagSpecifications: [{ ResourceType: 'instance', Tags: tags }] } : {}),
      }),
    );
    const id = run.Instances![0].InstanceId!;
    built.instances.set(inst.instanceId, id);
    if (inst.state === 'stopped') await c.send(new ec2.StopInstancesCommand({ InstanceIds: [id] }));
    if (inst.state === 'terminated') await c.send(new ec2.TerminateInstancesCommand({ InstanceIds: [id] }));
  }
  for (const b of acct.buckets ?? []) {
    const c = new s3.S3Client({ ...opts(b.region), forcePathStyle: true });
    await c.send(
      new s3.CreateBucketCommand({
        Bucket: b.name,
        ...(b.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: b.region as never } }),
      }),
    );
    for (const o of b.objects ?? [])
      await c.send(new s3.PutObjectCommand({ Bucket: b.name, Key: o.key, Body: o.body, ContentType: o.contentType }));
    if (b.public === true) {
      const statements = [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b.name}/*` }];
      if (b.publicList) statements.push({ Effect: 'Allow', Principal: '*', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${b.name}` });
      await c.send(
        new s3.PutBucketPolicyCommand({ Bucket: b.name, Policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }),
      );
    } else if (Array.isArray(b.public)) {
      for (const key of b.public) await c.send(new s3.PutObjectAclCommand({ Bucket: b.name, Key: key, ACL: 'public-read' }));
    }
    if (b.website) {
      await c.send(
        new s3.PutBucketWebsiteCommand({
          Bucket: b.name,
          WebsiteConfiguration: { IndexDocument: { Suffix: b.website.indexDocument ?? 'index.html' } },
        }),
      );
    }
  }
  for (const a of acct.alarms ?? []) {
    const dims = Object.entries(a.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value }));
    const metric = a.metricQuery
      ? {
          Metrics: [
            {
              Id: 'm1',
              MetricStat: {
                Metric: { Namespace: a.namespace, MetricName: a.metricName, Dimensions: dims },
                Period: a.period ?? 21600,
                Stat: a.statistic ?? 'Maximum',
              },
              ReturnData: true,
            },
          ],
        }
      : {
          Namespace: a.namespace,
          MetricName: a.metricName,
          Dimensions: dims,
          Period: a.period ?? 21600,
          Statistic: (a.statistic ?? 'Maximum') as never,
        };
    await new cw.CloudWatchClient(opts(a.region)).send(
      new cw.PutMetricAlarmCommand({
        AlarmName: a.name,
        ...metric,
        Threshold: a.threshold ?? 0,
        ComparisonOperator: (a.comparisonOperator ?? 'GreaterThanThreshold') as never,
        EvaluationPeriods: a.evaluationPeriods ?? 1,
        AlarmActions: a.actions,
        ActionsEnabled: a.actionsEnabled ?? true,
      }),
    );
  }
  for (const j of acct.emrClusters ?? []) {
    const c = new emr.EMRClient(opts(j.region));
    const out = await c.send(
      new emr.RunJobFlowCommand({
        Name: j.name,
        ReleaseLabel: 'emr-7.2.0',
        JobFlowRole: 'EMR_EC2_DefaultRole',
        ServiceRole: 'EMR_DefaultRole',
        Instances: { MasterInstanceType: 'm5.xlarge', SlaveInstanceType: 'm5.xlarge', InstanceCount: 1, KeepJobFlowAliveWhenNoSteps: true },
      }),
    );
    if (j.state.startsWith('TERMINAT')) await c.send(new emr.TerminateJobFlowsCommand({ JobFlowIds: [out.JobFlowId!] }));
  }
  for (const t of acct.dynamoTables ?? []) {
    await new ddb.DynamoDBClient(opts(t.region)).send(
      new ddb.CreateTableCommand({
        TableName: t.name,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
  return built;
}
