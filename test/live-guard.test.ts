// The cost guard (scanCosts, aws.cost-guard, `harness guard`), aws.billing-alarm and
// aws.dynamodb.table, end to end: the real SDK over HTTP to the stand-in.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startStandin, refusedUrl, type Standin, type World } from '../standin/index.js';
import { sampleWorld, SAMPLE } from '../standin/sample.js';
import { STANDARD_REGIONS } from '../standin/world.js';
import { AwsAccess, CONNECT_TIMEOUT_S, REQUEST_TIMEOUT_S } from '../lib/aws/access.js';
import { marginMs } from '../lib/aws/budget.js';
import { scanCosts } from '../lib/aws/guard.js';
import { main } from '../cli/main.js';
import { Unavailable } from '../lib/errors.js';
import { noCredentialsEnv, runLive, said, setAwsEnv } from './helpers/live-run.js';

/** Instances running in us-east-1 and eu-west-1 (the sample's), a cluster waiting in ap-south-1. */
function world(): World {
  const w = sampleWorld();
  const a = w.accounts[0];
  a.instances!.push(
    { instanceId: 'i-00000000000005f0b', region: 'us-west-2', instanceType: 't2.large', state: 'stopped' },
    {
      instanceId: 'i-0000000000000a9e4',
      region: 'eu-west-1',
      instanceType: 't2.large',
      state: 'pending',
      launchTime: '2025-01-10T15:00:00.000Z',
    },
  );
  a.emrClusters!.push({
    id: 'j-FORGOTTEN',
    name: 'ab123-spark-2',
    region: 'ap-south-1',
    state: 'WAITING',
    createdAt: '2025-01-18T08:00:00.000Z',
  });
  a.dynamoTables = [
    { name: 'ab123', region: 'us-east-1' },
    { name: 'results-ab123', region: 'eu-west-1' },
    { name: 'old-ab123', region: 'us-east-1', status: 'DELETING' },
  ];
  return w;
}
const quiet = (w: World): World => {
  w.accounts[0].instances = [];
  w.accounts[0].emrClusters = [];
  return w;
};

let standin: Standin;
let restore: () => void;
let base: Record<string, string>;
const creds = { AWS_ACCESS_KEY_ID: SAMPLE.student.accessKeyId, AWS_SECRET_ACCESS_KEY: SAMPLE.student.secretAccessKey };

beforeAll(async () => {
  standin = await startStandin(world());
  base = { ...(await noCredentialsEnv()), ...standin.env, AWS_MAX_ATTEMPTS: '1' };
  restore = setAwsEnv({ ...base, ...creds });
});
afterAll(async () => {
  restore?.();
  await standin?.stop();
});
beforeEach(() => {
  standin.world = world();
});

async function withEnv<T>(vars: Record<string, string>, f: () => Promise<T>): Promise<T> {
  const back = setAwsEnv(vars);
  try {
    return await f();
  } finally {
    back();
  }
}
const access = () => new AwsAccess({ connectTimeout: 1, requestTimeout: 2 });

/** Each common fault for `service`: an error with its reason; latency within the timeout: `latencyStatus`. */
async function faults(kind: string, params: Record<string, unknown>, service: string, latencyStatus: string) {
  const out: Record<string, string> = {};
  for (const fault of ['throttle', '500', 'auth', 'expired', 'hang'] as const) {
    standin.world.faults = [{ kind: fault, service }];
    out[fault] = said(await runLive({ kind, params, timeout: 4 }));
  }
  standin.world.faults = [{ kind: 'latency', service, ms: 300 }];
  expect((await runLive({ kind, params })).status).toBe(latencyStatus);
  standin.world.faults = [];
  out.refused = said(await withEnv({ ...base, ...creds, AWS_ENDPOINT_URL: await refusedUrl() }, () => runLive({ kind, params })));
  for (const [f, s] of Object.entries(out)) expect(s, f).toMatch(/^error: /);
  expect(out).toMatchObject({
    throttle: expect.stringMatching(/throttling/),
    500: expect.stringMatching(/server error/),
    auth: expect.stringMatching(/rejected your credentials/),
    expired: expect.stringMatching(/expired/),
    hang: expect.stringMatching(/did not answer \w+ in time/),
    refused: expect.stringMatching(/cannot reach AWS .*ECONNREFUSED/),
  });
}

describe('scanCosts', () => {
  it('asks DescribeRegions first, then scans all 17 regions at once; a failing region is reported, the rest listed', async () => {
    standin.world.faults = [{ kind: '500', region: 'sa-east-1' }];
    const aws = access();
    const before = standin.calls.length;
    const scan = await scanCosts(aws);
    aws.destroy();
    expect(scan.regions.map((r) => r.region)).toEqual([...STANDARD_REGIONS].sort());
    const by = Object.fromEntries(scan.regions.map((r) => [r.region, r]));
    expect(by['us-east-1'].instances.map((i) => [i.id, i.type, i.name])).toEqual([[SAMPLE.instance, 't2.micro', 'ab123-web']]);
    expect(by['eu-west-1'].instances.map((i) => i.id).sort()).toEqual(['i-0000000000000a9e4', SAMPLE.forgotten].sort());
    expect(by['us-west-2'].instances).toEqual([]); // stopped: not billed by the hour
    expect(by['ap-south-1'].clusters.map((c) => [c.id, c.state])).toEqual([['j-FORGOTTEN', 'WAITING']]);
    expect(by['us-east-1'].clusters).toEqual([]); // the sample's TERMINATED cluster
    expect(by['sa-east-1'].error?.reason).toMatch(/^EC2 and EMR: AWS answered .* server error/);
    expect(scan).toMatchObject({ running: 4, failed: 1, regionSource: 'DescribeRegions' });
    const calls = standin.calls.slice(before);
    expect(calls[0].action).toBe('DescribeRegions');
    const rest = calls.slice(1);
    expect(rest.every((c) => c.startedAt >= calls[0].endedAt!)).toBe(true);
    expect(rest.filter((c) => c.action === 'DescribeInstances')).toHaveLength(17);
    expect(rest.filter((c) => c.action === 'ListClusters')).toHaveLength(17);
  });

  it('scans only the regions DescribeRegions names, and follows EC2 and EMR pages', async () => {
    const w = world();
    w.regions = ['us-east-1', 'eu-west-1', 'af-south-1'];
    w.accounts[0].instances!.push(
      ...Array.from({ length: 1001 }, (_, i) => ({
        instanceId: `i-${i.toString(16).padStart(17, '0')}`,
        region: 'af-south-1',
        instanceType: 't3.micro',
        state: 'running' as const,
      })),
    );
    w.accounts[0].emrClusters!.push(
      ...Array.from({ length: 55 }, (_, i) => ({ id: `j-${i}`, name: `c${i}`, region: 'eu-west-1', state: 'RUNNING' as const })),
    );
    standin.world = w;
    const aws = access();
    const scan = await scanCosts(aws);
    aws.destroy();
    expect(scan.regions.map((r) => r.region)).toEqual(['af-south-1', 'eu-west-1', 'us-east-1']);
    expect(scan.regions[0].instances).toHaveLength(1001);
    expect(scan.regions[1].clusters).toHaveLength(55);
  });

  it('credentials AWS rejects: no scan at all', async () => {
    standin.world.faults = [{ kind: 'auth', action: 'DescribeRegions' }];
    const aws = access();
    await expect(scanCosts(aws)).rejects.toBeInstanceOf(Unavailable);
    aws.destroy();
  });
});

describe('aws.cost-guard', () => {
  const kind = 'aws.cost-guard';

  it('nothing running: pass', async () => {
    standin.world = quiet(world());
    expect(said(await runLive({ kind }))).toMatch(/^pass/);
  });

  it('something running: a warning naming what, where and since when; no points lost', async () => {
    const r = await runLive({ kind });
    expect(r).toMatchObject({ status: 'warn', points: 1, maxPoints: 1 });
    expect(r.rationale).toContain('2 instances running in eu-west-1 (');
    expect(r.rationale).toContain(`${SAMPLE.forgotten}, t2.micro "test", since 2025-01-10 14:00 UTC (`);
    expect(r.rationale).toContain('1 EMR cluster up in ap-south-1 (j-FORGOTTEN "ab123-spark-2", WAITING, since 2025-01-18 08:00 UTC');
    expect(r.hint).toMatch(/terminate-instances .*terminate-clusters/);
  });

  it('a region that cannot be scanned is named; others are still judged', async () => {
    standin.world = quiet(world());
    standin.world.faults = [{ kind: '500', region: 'eu-north-1' }];
    const r = await runLive({ kind });
    expect(said(r)).toMatch(/^warn: Nothing running in the regions scanned, but: Could not scan eu-north-1 \(EC2 and EMR: /);
  });

  it('skips without credentials', async () => {
    const r = await withEnv(base, () => runLive({ kind }));
    expect(said(r)).toMatch(/^skip: no AWS credentials found; run `aws configure`/);
  });

  it('every injected fault is an error; latency within the timeout still judges', async () => {
    await faults(kind, {}, 'ec2', 'warn');
  }, 60_000);
});

describe('aws.billing-alarm', () => {
  const kind = 'aws.billing-alarm';

  it('passes with an EstimatedCharges alarm that notifies someone, asked in us-east-1 whatever the region', async () => {
    const before = standin.calls.length;
    expect(
      said(await withEnv({ ...base, ...creds, AWS_REGION: 'eu-west-1' }, () => runLive({ kind, params: { maxThreshold: 10 } }))),
    ).toMatch(/^pass/);
    expect(standin.calls.slice(before).map((c) => [c.action, c.region])).toEqual([['DescribeAlarms', 'us-east-1']]);
  });

  it('fails: no billing alarm, one in another region only, no action, threshold too high', async () => {
    const alarm = standin.world.accounts[0].alarms![0];
    standin.world.accounts[0].alarms = [{ ...alarm, name: 'cpu', namespace: 'AWS/EC2', metricName: 'CPUUtilization' }];
    expect(said(await runLive({ kind }))).toMatch(
      /^fail: There is no billing alarm .* in us-east-1; your 1 other alarm watch other metrics\. \| Turn on "Receive CloudWatch billing alerts"/,
    );
    standin.world.accounts[0].alarms = [{ ...alarm, region: 'us-west-2' }];
    expect(said(await runLive({ kind }))).toMatch(/^fail: There is no billing alarm/);
    standin.world.accounts[0].alarms = [{ ...alarm, actions: [] }];
    expect(said(await runLive({ kind }))).toMatch(
      /^fail: Your billing alarm "billing-over-10-usd" has no action, so nobody is told when it fires\./,
    );
    standin.world.accounts[0].alarms = [alarm];
    expect(said(await runLive({ kind, params: { maxThreshold: 5 } }))).toMatch(
      /^fail: Your billing alarm fires only above \$10, more than the \$5/,
    );
  });

  it('an alarm in metric-query form (Metrics[…], as the console now makes them) is a billing alarm', async () => {
    // CloudWatch API reference, PutMetricAlarm: an alarm names one metric (MetricName, Namespace)
    // or metric queries (Metrics); DescribeAlarms returns it the same way.
    const alarm = standin.world.accounts[0].alarms![0];
    standin.world.accounts[0].alarms = [{ ...alarm, metricQuery: true }];
    expect(said(await runLive({ kind, params: { maxThreshold: 10 } }))).toMatch(/^pass/);
    expect(said(await runLive({ kind, params: { maxThreshold: 5 } }))).toMatch(/^fail: Your billing alarm fires only above \$10/);
  });

  it('an alarm whose actions are disabled tells nobody', async () => {
    // CloudWatch API reference, DisableAlarmActions: the alarm keeps its SNS topic, but
    // DescribeAlarms then reports ActionsEnabled false, and nothing is notified.
    const alarm = standin.world.accounts[0].alarms![0];
    for (const metricQuery of [false, true]) {
      standin.world.accounts[0].alarms = [{ ...alarm, actionsEnabled: false, metricQuery }];
      expect(said(await runLive({ kind }))).toMatch(
        /^fail: Your billing alarm "billing-over-10-usd" has no action enabled, so nobody is told when it fires\./,
      );
    }
  });

  it("a hung endpoint ends with the real reason, inside the check's time limit, with the default timeouts", async () => {
    // The SDK tries 3 times: with the default per-try timeouts that fits a 30 s check; a shorter
    // limit is kept by the check's own deadline (lib/aws/budget.ts).
    expect(3 * (CONNECT_TIMEOUT_S + REQUEST_TIMEOUT_S) * 1000).toBeLessThanOrEqual(30_000 - marginMs(30));
    standin.world.faults = [{ kind: 'hang', service: 'monitoring' }];
    const aws = new AwsAccess();
    const t0 = Date.now();
    try {
      const r = await runLive({ kind, timeout: 5, aws });
      expect(said(r)).toMatch(/^error: AWS cloudwatch in us-east-1 did not answer DescribeAlarms in time \(this check may take 5 s\)/);
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      aws.destroy();
    }
  });

  it('skips without credentials; faults are errors', async () => {
    expect((await withEnv(base, () => runLive({ kind }))).status).toBe('skip');
    await faults(kind, {}, 'monitoring', 'pass');
  }, 60_000);
});

describe('aws.dynamodb.table', () => {
  const kind = 'aws.dynamodb.table';

  it('passes for a table named after the NetID; {netid} in a name; another region', async () => {
    expect(said(await runLive({ kind }))).toMatch(/^pass/);
    expect((await runLive({ kind, params: { name: 'results-{netid}', region: 'eu-west-1' } })).status).toBe('pass');
  });

  it('fails when there is no such table (with the create command), or it is being deleted', async () => {
    const r = await runLive({ kind, netid: 'zz999' });
    expect(said(r)).toMatch(/^fail: There is no DynamoDB table named zz999 in us-east-1\. \| Create it .*--table-name zz999/);
    expect(said(await runLive({ kind, params: { name: 'results-{netid}' } }))).toMatch(
      /^fail: There is no DynamoDB table named results-ab123 in us-east-1/,
    );
    expect(said(await runLive({ kind, params: { name: 'old-{netid}' } }))).toMatch(/^fail: The DynamoDB table old-ab123 is being deleted/);
  });

  it('skips without credentials; faults are errors', async () => {
    expect((await withEnv(base, () => runLive({ kind }))).status).toBe('skip');
    await faults(kind, {}, 'dynamodb', 'pass');
  }, 60_000);
});

describe('harness guard', () => {
  async function guard(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    try {
      const code = await main(['guard', ...args]);
      return { code, out, err };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  }

  it('prints a table by region and the reminder; exit 1 when something runs', async () => {
    const r = await guard();
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^region +instances +EMR clusters\n/);
    expect(r.out).toMatch(/\neu-west-1 +2 +0\n/);
    expect(r.out).toMatch(/\nap-south-1 +0 +1\n/);
    expect(r.out).toContain('running: 1 instance running in us-east-1');
    expect(r.out).toContain("Don't forget to shut down: a student once lost $250 to a cluster left running in another region.");
    expect(r.err).toBe('');
  });

  it('exit 0 when nothing runs; --json; exit 2 when a region cannot be scanned and nothing was found', async () => {
    standin.world = quiet(world());
    const ok = await guard('--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ ok: true, running: 0, failed: 0 });
    standin.world.faults = [{ kind: 'throttle', region: 'ap-northeast-3' }];
    const partial = await guard();
    expect(partial.code).toBe(2);
    expect(partial.out).toMatch(/\nap-northeast-3 +\? +\? +could not scan: EC2 and EMR: AWS is throttling/);
  });

  it('exit 2 without credentials, with how to set them up', async () => {
    const r = await withEnv(base, () => guard());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: cannot scan your AWS account: no AWS credentials found; run `aws configure`/);
  });
});
