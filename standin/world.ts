// The stand-in's world: plain data describing what one or more AWS accounts hold. Tests build it in
// code (sampleWorld() or their own), instructors write it as YAML (examples/worlds/sample.yaml).
// Optional fields get their defaults when a request is answered, not at load time, so a test can
// push a bare object into `standin.world` between calls.
import { readFile } from 'node:fs/promises';
import { UserError } from '../lib/errors.js';
import { loadYaml } from '../lib/util/yaml.js';
import { validateWorld } from './validate.js';

export type InstanceState = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';
export type ClusterState = 'STARTING' | 'BOOTSTRAPPING' | 'RUNNING' | 'WAITING' | 'TERMINATING' | 'TERMINATED' | 'TERMINATED_WITH_ERRORS';

export interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
  /** An IAM user's name; the caller's Arn is `arn:aws:iam::<account>:user/<user>`. */
  user?: string;
  /** Root credentials: the Arn ends in `:root`. */
  root?: boolean;
  /** Temporary credentials of an assumed role (for example an instance profile). */
  role?: string;
  sessionToken?: string;
  /** Every service answers with its "expired token" error. */
  expired?: boolean;
}

export interface KeyPair {
  region: string;
  name: string;
  keyPairId?: string;
  keyType: 'rsa' | 'ed25519';
  /** AWS's fingerprint; computed from publicKey when omitted. */
  keyFingerprint?: string;
  /** OpenSSH format (`ssh-ed25519 AAAA... comment`). */
  publicKey?: string;
  createTime?: string;
}

export interface Instance {
  instanceId: string;
  region: string;
  instanceType: string;
  state: InstanceState;
  keyName?: string;
  tags?: Record<string, string>;
  launchTime?: string;
  imageId?: string;
  availabilityZone?: string;
  privateIpAddress?: string;
  publicIpAddress?: string;
}

export interface S3Object {
  key: string;
  body: string;
  contentType?: string;
}

export interface Bucket {
  name: string;
  region: string;
  objects?: S3Object[];
  /** true: every object is world-readable (a public-read bucket policy); a list: only those keys. */
  public?: boolean | string[];
  /**
   * The public may also list the bucket (s3:ListBucket for everyone). Without it, as with the
   * policy the harness recommends, a stranger asking for a missing key gets 403, not 404 (the
   * GetObject API reference, "Permissions"). Default false.
   */
  publicList?: boolean;
  website?: { indexDocument?: string; errorDocument?: string };
}

export interface Alarm {
  name: string;
  region: string;
  namespace: string;
  metricName: string;
  dimensions?: Record<string, string>;
  threshold?: number;
  comparisonOperator?: string;
  statistic?: string;
  period?: number;
  evaluationPeriods?: number;
  state?: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  actions: string[];
  /** false: the alarm's actions are disabled (DisableAlarmActions); default true. */
  actionsEnabled?: boolean;
  /** Described as a metric query (`Metrics[]`), as the CloudWatch console now creates alarms, not by MetricName. */
  metricQuery?: boolean;
}

export interface EmrCluster {
  id: string;
  name: string;
  region: string;
  state: ClusterState;
  createdAt?: string;
  normalizedInstanceHours?: number;
}

export interface DynamoTable {
  name: string;
  region: string;
  status?: 'CREATING' | 'UPDATING' | 'DELETING' | 'ACTIVE' | 'ARCHIVING' | 'ARCHIVED';
  itemCount?: number;
}

export interface Account {
  id: string;
  alias?: string;
  credentials: Credential[];
  keyPairs?: KeyPair[];
  instances?: Instance[];
  buckets?: Bucket[];
  alarms?: Alarm[];
  emrClusters?: EmrCluster[];
  dynamoTables?: DynamoTable[];
}

/** The instance identity document (docs/reference/formats.md) plus the role IMDS hands credentials for. */
export interface Imds {
  accountId: string;
  instanceId: string;
  region: string;
  availabilityZone?: string;
  instanceType?: string;
  imageId?: string;
  privateIp?: string;
  architecture?: string;
  pendingTime?: string;
  version?: string;
  /** `role.accessKeyId` must name a credential in the world; IMDS serves it as the role's keys. */
  role?: { name: string; accessKeyId: string };
}

export type FaultKind = 'latency' | 'throttle' | '500' | 'auth' | 'expired' | 'denied' | 'hang';

export interface Fault {
  kind: FaultKind;
  /** ec2, sts, monitoring (or cloudwatch), elasticmapreduce (or emr), dynamodb, s3, s3-website, imds. */
  service?: string;
  action?: string;
  region?: string;
  /** Only the first `times` matching calls; every matching call when omitted. */
  times?: number;
  /** For latency: milliseconds added. */
  ms?: number;
}

export interface World {
  accounts: Account[];
  /** Enabled regions; the 17 standard commercial regions when omitted. */
  regions?: string[];
  imds?: Imds;
  faults?: Fault[];
}

export const STANDARD_REGIONS = [
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
/** Shown by DescribeRegions with AllRegions=true when not enabled. */
export const OPT_IN_REGIONS = [
  'af-south-1',
  'ap-east-1',
  'ap-south-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ca-west-1',
  'eu-central-2',
  'eu-south-1',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
];

export function enabledRegions(world: World): string[] {
  return world.regions ?? STANDARD_REGIONS;
}

/** The account and credential an access key id belongs to. */
export function findCredential(world: World, accessKeyId: string): { account: Account; credential: Credential } | undefined {
  for (const account of world.accounts) {
    const credential = account.credentials.find((c) => c.accessKeyId === accessKeyId);
    if (credential) return { account, credential };
  }
  return undefined;
}

export function findBucket(world: World, name: string): { account: Account; bucket: Bucket } | undefined {
  for (const account of world.accounts) {
    const bucket = (account.buckets ?? []).find((b) => b.name === name);
    if (bucket) return { account, bucket };
  }
  return undefined;
}

export function isPublicKey(bucket: Bucket, key: string): boolean {
  return bucket.public === true || (Array.isArray(bucket.public) && bucket.public.includes(key));
}

/** Parses YAML or JSON (JSON is YAML) and validates; every problem is reported at once. */
export async function parseWorld(text: string, name = 'world'): Promise<World> {
  const { parse } = await loadYaml();
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new UserError(`${name} is not valid YAML: ${(e as Error).message.split('\n')[0]}`, 'Fix the syntax and try again.');
  }
  return checkWorld(raw, name);
}

export async function loadWorld(file: string): Promise<World> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UserError(`Cannot read the world file ${file}.`, 'Check the path, or leave it out to use the sample world.');
  }
  return parseWorld(text, file);
}

/** Throws a UserError listing every problem, or returns the value typed as a World. */
export function checkWorld(raw: unknown, name = 'world'): World {
  const problems = validateWorld(raw);
  if (problems.length) {
    throw new UserError(
      `${name} is not a valid stand-in world (${problems.length} problem${problems.length > 1 ? 's' : ''}).`,
      'See docs/standin.md for the world format.',
      problems,
    );
  }
  return raw as World;
}
