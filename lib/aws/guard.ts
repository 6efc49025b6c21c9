// The cost guard: what is running, and costing money, in every region of the account. A student
// once lost $250 to an EMR cluster left running in a region they never looked at, so this scans
// them all: DescribeRegions first, then every region at once (EC2 instances pending or running, EMR
// clusters not yet terminated). A region that cannot be scanned is reported, and the rest still are.
import type { AwsAccess } from './access.js';
import { Skip, Unavailable } from '../errors.js';
import { awsProblem } from './errors.js';

export interface RunningInstance {
  id: string;
  type: string;
  state: string;
  launchTime?: Date;
  name?: string;
}

export interface RunningCluster {
  id: string;
  name: string;
  state: string;
  createdAt?: Date;
  normalizedInstanceHours?: number;
}

export interface RegionScan {
  region: string;
  instances: RunningInstance[];
  clusters: RunningCluster[];
  /** Set when the region (or part of it) could not be scanned. */
  error?: { reason: string; hint?: string };
}

export interface CostScan {
  regions: RegionScan[];
  /** Where the region list came from; `builtin` when DescribeRegions was not allowed. */
  regionSource: 'DescribeRegions' | 'builtin';
  running: number;
  failed: number;
  durationMs: number;
}

/** The commercial regions enabled in every account; used when DescribeRegions is denied. */
export const DEFAULT_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'sa-east-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
];

export const INSTANCE_STATES = ['pending', 'running'];
export const CLUSTER_STATES = ['STARTING', 'BOOTSTRAPPING', 'RUNNING', 'WAITING'] as const;

export interface ScanOptions {
  /** The region DescribeRegions is asked in (default: the user's region). */
  region?: string;
  /** Scan exactly these regions, without DescribeRegions. */
  regions?: string[];
}

export async function scanCosts(aws: AwsAccess, opts: ScanOptions = {}): Promise<CostScan> {
  const t0 = performance.now();
  const home = await aws.region(opts.region);
  let regions = opts.regions;
  let regionSource: CostScan['regionSource'] = 'DescribeRegions';
  if (!regions) {
    // Clients cost a few milliseconds of CPU each to build; build the likely ones while the first
    // round trip is in flight.
    for (const r of DEFAULT_REGIONS) {
      aws.client('ec2', r).catch(() => {});
      aws.client('emr', r).catch(() => {});
    }
    try {
      regions = await describeRegions(aws, home);
    } catch (e) {
      if (!(e instanceof Unavailable && /not allowed to call/.test(e.reason))) throw e;
      regions = DEFAULT_REGIONS; // an IAM user without ec2:DescribeRegions can still be guarded
      regionSource = 'builtin';
    }
  }
  const scans = await Promise.all(regions.map((r) => scanRegion(aws, r)));
  scans.sort((a, b) => a.region.localeCompare(b.region));
  return {
    regions: scans,
    regionSource,
    running: scans.reduce((n, s) => n + s.instances.length + s.clusters.length, 0),
    failed: scans.filter((s) => s.error).length,
    durationMs: Math.round(performance.now() - t0),
  };
}

async function describeRegions(aws: AwsAccess, home: string): Promise<string[]> {
  const { DescribeRegionsCommand } = await import('@aws-sdk/client-ec2');
  const out = await aws.send<'ec2', { Regions?: { RegionName?: string; OptInStatus?: string }[] }>(
    'ec2',
    home,
    new DescribeRegionsCommand({}),
    {
      action: 'DescribeRegions',
      permission: 'ec2:DescribeRegions',
    },
  );
  const names = (out.Regions ?? [])
    .filter((r) => r.OptInStatus !== 'not-opted-in')
    .map((r) => r.RegionName!)
    .filter(Boolean);
  return names.length ? names : DEFAULT_REGIONS;
}

async function scanRegion(aws: AwsAccess, region: string): Promise<RegionScan> {
  const scan: RegionScan = { region, instances: [], clusters: [] };
  const problems: { what: string; e: unknown }[] = [];
  await Promise.all([
    listInstances(aws, region).then(
      (x) => (scan.instances = x),
      (e) => problems.push({ what: 'EC2', e }),
    ),
    listClusters(aws, region).then(
      (x) => (scan.clusters = x),
      (e) => problems.push({ what: 'EMR', e }),
    ),
  ]);
  if (problems.length) {
    const first = problems[0].e;
    if (first instanceof Skip) throw first; // no credentials at all: nothing can be scanned
    const err = awsProblem(first, { service: problems[0].what.toLowerCase(), region, action: '', permission: '' });
    const reason = err instanceof Unavailable ? err.reason : err.message;
    scan.error = {
      reason: `${problems.map((p) => p.what).join(' and ')}: ${reason}`,
      hint: err instanceof Unavailable ? err.hint : undefined,
    };
  }
  return scan;
}

async function listInstances(aws: AwsAccess, region: string): Promise<RunningInstance[]> {
  const { DescribeInstancesCommand } = await import('@aws-sdk/client-ec2');
  type Out = import('@aws-sdk/client-ec2').DescribeInstancesCommandOutput;
  const found: RunningInstance[] = [];
  let token: string | undefined;
  do {
    const out = await aws.send<'ec2', Out>(
      'ec2',
      region,
      new DescribeInstancesCommand({
        Filters: [{ Name: 'instance-state-name', Values: INSTANCE_STATES }],
        MaxResults: 1000,
        NextToken: token,
      }),
      { action: 'DescribeInstances', permission: 'ec2:DescribeInstances' },
    );
    for (const r of out.Reservations ?? []) {
      for (const i of r.Instances ?? []) {
        found.push({
          id: i.InstanceId ?? '?',
          type: i.InstanceType ?? '?',
          state: i.State?.Name ?? '?',
          launchTime: i.LaunchTime,
          name: i.Tags?.find((t) => t.Key === 'Name')?.Value,
        });
      }
    }
    token = out.NextToken || undefined;
  } while (token);
  return found;
}

async function listClusters(aws: AwsAccess, region: string): Promise<RunningCluster[]> {
  const { ListClustersCommand } = await import('@aws-sdk/client-emr');
  type Out = import('@aws-sdk/client-emr').ListClustersCommandOutput;
  const found: RunningCluster[] = [];
  let marker: string | undefined;
  do {
    const out = await aws.send<'emr', Out>('emr', region, new ListClustersCommand({ ClusterStates: [...CLUSTER_STATES], Marker: marker }), {
      action: 'ListClusters',
      permission: 'elasticmapreduce:ListClusters',
    });
    for (const c of out.Clusters ?? []) {
      found.push({
        id: c.Id ?? '?',
        name: c.Name ?? '',
        state: c.Status?.State ?? '?',
        createdAt: c.Status?.Timeline?.CreationDateTime,
        normalizedInstanceHours: c.NormalizedInstanceHours,
      });
    }
    marker = out.Marker || undefined;
  } while (marker);
  return found;
}

/** "3 instances running in eu-west-1 (i-…, t2.large, since …)" per region with something running. */
export function runningLines(scan: CostScan, now = new Date()): string[] {
  const lines: string[] = [];
  for (const r of scan.regions) {
    if (r.instances.length) {
      const n = r.instances.length;
      lines.push(
        `${n} instance${n === 1 ? '' : 's'} running in ${r.region} (${r.instances.map((i) => `${i.id}, ${i.type}${i.name ? ` "${i.name}"` : ''}${since(i.launchTime, now)}`).join('; ')})`,
      );
    }
    if (r.clusters.length) {
      const n = r.clusters.length;
      lines.push(
        `${n} EMR cluster${n === 1 ? '' : 's'} up in ${r.region} (${r.clusters.map((c) => `${c.id} "${c.name}", ${c.state}${since(c.createdAt, now)}`).join('; ')})`,
      );
    }
  }
  return lines;
}

/** ", since 2017-01-12 14:03 UTC (3 days)" */
export function since(d: Date | undefined, now: Date): string {
  if (!d || Number.isNaN(d.getTime())) return '';
  const h = Math.max(0, (now.getTime() - d.getTime()) / 3_600_000);
  const age = h < 1 ? `${Math.round(h * 60)} min` : h < 48 ? `${Math.round(h)} h` : `${Math.round(h / 24)} days`;
  return `, since ${d.toISOString().slice(0, 16).replace('T', ' ')} UTC (${age})`;
}
