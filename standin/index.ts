// A protocol-level AWS stand-in: one loopback HTTP server speaking EC2, STS, CloudWatch, EMR,
// DynamoDB, S3 (through s3rver), the S3 website endpoint and IMDSv2, answering from a world that
// tests can change between calls. The harness reaches it only through the SDK's standard endpoint
// variables (`env`). See docs/standin.md.
import { S3Backend } from './s3.js';
import { StandinServer, type Call } from './server.js';
import { checkWorld, type World } from './world.js';

export type {
  World,
  Account,
  Credential,
  Instance,
  KeyPair,
  Bucket,
  Alarm,
  EmrCluster,
  DynamoTable,
  Imds,
  Fault,
  FaultKind,
} from './world.js';
export type { Call } from './server.js';
export { loadWorld, parseWorld, checkWorld } from './world.js';
export { refusedUrl } from './faults.js';
export { sampleWorld, SAMPLE } from './sample.js';

export interface StandinOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Called as each request finishes (for a log); `calls` holds them all anyway. */
  onCall?: (call: Call) => void;
}

export interface Standin {
  url: string;
  port: number;
  /** The variables that point an SDK v3 process (and the harness) at this stand-in. No credentials. */
  env: Record<string, string>;
  /** The live world: change it (or replace it) between calls. */
  world: World;
  /** Every request answered, in arrival order. */
  calls: Call[];
  stop(): Promise<void>;
}

export async function startStandin(world: World, opts: StandinOptions = {}): Promise<Standin> {
  // Validate and copy, so the caller's object is not changed behind its back.
  const live = structuredClone(checkWorld(world));
  const s3 = await S3Backend.start();
  const server = new StandinServer(live, s3);
  server.onCall = opts.onCall;
  let port: number;
  try {
    port = await server.listen(opts.port ?? 0, '127.0.0.1');
  } catch (e) {
    await s3.stop();
    throw e;
  }
  const url = `http://127.0.0.1:${port}`;
  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    env: {
      AWS_ENDPOINT_URL: url,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: url,
      HARNESS_S3_WEBSITE_ENDPOINT: url,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1', // the AWS CLI v1 reads only this one
      // s3rver mishandles the SDK's default streaming checksums (docs/reference/aws-peers.md).
      AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
    },
    get world() {
      return server.world;
    },
    set world(w: World) {
      server.world = w;
    },
    calls: server.calls,
    stop() {
      stopped ??= server.close().then(() => s3.stop());
      return stopped;
    },
  };
}
