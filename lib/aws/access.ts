// AWS access for live checks. The SDK is imported only here, only when a live check runs, and only
// the clients that check needs. Endpoints come from the SDK's own variables (AWS_ENDPOINT_URL,
// AWS_ENDPOINT_URL_<SERVICE>), so the same code talks to AWS, to our stand-in, LocalStack or moto.
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { STSClient } from '@aws-sdk/client-sts';
import type { S3Client } from '@aws-sdk/client-s3';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { EMRClient } from '@aws-sdk/client-emr';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { Skip, Unavailable } from '../errors.js';
import { assertLoopback, loopbackOnly } from './loopback.js';
import { awsProblem, type Operation } from './errors.js';
import { callSignal } from './budget.js';

export interface Clients {
  ec2: EC2Client;
  sts: STSClient;
  s3: S3Client;
  cloudwatch: CloudWatchClient;
  emr: EMRClient;
  dynamodb: DynamoDBClient;
}
export type Service = keyof Clients;

/** The suffix of AWS_ENDPOINT_URL_<SERVICE> for each client (the SDK's own names). */
export const ENDPOINT_VARS: Record<Service, string> = {
  ec2: 'AWS_ENDPOINT_URL_EC2',
  sts: 'AWS_ENDPOINT_URL_STS',
  s3: 'AWS_ENDPOINT_URL_S3',
  cloudwatch: 'AWS_ENDPOINT_URL_CLOUDWATCH',
  emr: 'AWS_ENDPOINT_URL_EMR',
  dynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
};

const LOADERS: { [K in Service]: () => Promise<new (config: object) => Clients[K]> } = {
  ec2: async () => (await import('@aws-sdk/client-ec2')).EC2Client,
  sts: async () => (await import('@aws-sdk/client-sts')).STSClient,
  s3: async () => (await import('@aws-sdk/client-s3')).S3Client,
  cloudwatch: async () => (await import('@aws-sdk/client-cloudwatch')).CloudWatchClient,
  emr: async () => (await import('@aws-sdk/client-emr')).EMRClient,
  dynamodb: async () => (await import('@aws-sdk/client-dynamodb')).DynamoDBClient,
};

export interface AwsOptions {
  /** --profile: a named profile from ~/.aws/config and ~/.aws/credentials. */
  profile?: string;
  /** --region: overrides every other source. */
  region?: string;
  /**
   * The environment the harness reads (endpoints, keys, region, AWS_MAX_ATTEMPTS). The CLI passes
   * process.env and gets the SDK's full credential chain; tests and the grader pass their own.
   */
  env?: NodeJS.ProcessEnv;
  /** Seconds to wait for a connection (unreachable endpoints fail fast); default 3. */
  connectTimeout?: number;
  /** Seconds a request may take in all, once sent; default 6. */
  requestTimeout?: number;
}

/**
 * Per attempt: 3 s to connect, 6 s for the request (@smithy/node-http-handler's requestTimeout
 * times the whole request). AWS's control-plane calls answer in well under a second. The SDK makes
 * up to 3 attempts, so a hung endpoint ends after about 18 s, at worst 27 s, with the SDK's own
 * TimeoutError, inside the default 30 s check limit less its margin; for shorter limits each call
 * also carries the check's deadline (budget.ts).
 */
export const CONNECT_TIMEOUT_S = 3;
export const REQUEST_TIMEOUT_S = 6;

/** One per run: shared credentials, clients cached per service and region. */
export class AwsAccess {
  private clients = new Map<string, Promise<unknown>>();
  private creds?: Promise<AwsCredentialIdentity>;
  private provider?: Promise<AwsCredentialIdentityProvider>;
  private defaultRegion?: Promise<string>;
  readonly env: NodeJS.ProcessEnv;

  constructor(readonly opts: AwsOptions = {}) {
    this.env = opts.env ?? process.env;
    quietSdk(this.env);
    // With no instance metadata endpoint of our own, a test must not let the credential chain
    // probe the real one.
    if (loopbackOnly(this.env) && !this.env.AWS_EC2_METADATA_SERVICE_ENDPOINT) this.env.AWS_EC2_METADATA_DISABLED = 'true';
  }

  /** The region to use: --region, else the spec's, else the SDK's (AWS_REGION, the profile), else us-east-1. */
  region(specRegion?: string): Promise<string> {
    if (this.opts.region) return Promise.resolve(this.opts.region);
    if (specRegion) return Promise.resolve(specRegion);
    this.defaultRegion ??= (async () => {
      const e = this.env;
      if (e.AWS_REGION || e.AWS_DEFAULT_REGION) return (e.AWS_REGION || e.AWS_DEFAULT_REGION)!;
      try {
        // The SDK's own resolution (AWS_REGION, the profile's region in ~/.aws/config).
        const { STSClient: Sts } = await import('@aws-sdk/client-sts');
        const probe = new Sts({ profile: this.opts.profile });
        const r = await probe.config.region();
        probe.destroy();
        if (r) return r;
      } catch {
        /* no region configured */
      }
      return 'us-east-1';
    })();
    return this.defaultRegion;
  }

  /**
   * The credentials from the SDK's default chain (environment, profiles, SSO, instance metadata).
   * None found: Skip, with one line saying how to configure them.
   */
  credentials(): Promise<AwsCredentialIdentity> {
    this.creds ??= (async () => {
      const provider = await this.credentialProvider();
      try {
        return await provider();
      } catch (e) {
        const msg = (e as Error).message ?? '';
        // An SSO profile whose session was never started, or has run out: `aws configure` would not help.
        if (/SSO session|sso login/i.test(msg)) {
          const profile = this.opts.profile ?? this.env.AWS_PROFILE;
          throw new Unavailable(
            `your AWS SSO session${profile ? ` for profile "${profile}"` : ''} is not logged in, or has expired`,
            `run \`aws sso login${profile ? ` --profile ${profile}` : ''}\`, then run check again`,
          );
        }
        if ((e as Error).name === 'CredentialsProviderError' || /Could not load credentials|credential/i.test(msg)) {
          throw new Skip(
            this.opts.profile
              ? `no AWS credentials for profile "${this.opts.profile}"; run \`aws configure --profile ${this.opts.profile}\``
              : "no AWS credentials found; run `aws configure` with your IAM user's access key (or set AWS_PROFILE) to check your AWS work",
          );
        }
        throw awsProblem(e, { service: 'sts', action: 'credentials', permission: '' });
      }
    })();
    return this.creds;
  }

  private credentialProvider(): Promise<AwsCredentialIdentityProvider> {
    this.provider ??= (async () => {
      const e = this.env;
      const providers = await import('@aws-sdk/credential-providers');
      if (e === process.env) {
        // The real CLI: the SDK's whole default chain.
        return providers.fromNodeProviderChain({ profile: this.opts.profile, timeout: 1000, maxRetries: 0 });
      }
      // An explicit environment (tests, the grader): only what that environment holds, so nothing
      // leaks in from the process or the machine's ~/.aws.
      if (e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY) {
        const creds = { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY, sessionToken: e.AWS_SESSION_TOKEN };
        return async () => creds;
      }
      return providers.fromIni({
        profile: this.opts.profile ?? e.AWS_PROFILE,
        filepath: e.AWS_SHARED_CREDENTIALS_FILE ?? '/nonexistent',
        configFilepath: e.AWS_CONFIG_FILE ?? '/nonexistent',
      });
    })();
    return this.provider;
  }

  /** A client for `service` in `region`, created on first use. */
  client<K extends Service>(service: K, region: string): Promise<Clients[K]> {
    const key = `${service}:${region}`;
    let c = this.clients.get(key) as Promise<Clients[K]> | undefined;
    if (!c) {
      c = (async () => {
        const endpoint = this.env[ENDPOINT_VARS[service]] || this.env.AWS_ENDPOINT_URL;
        if (loopbackOnly(this.env)) {
          if (!endpoint || this.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true') {
            throw new Error(`HARNESS_LOOPBACK_ONLY is set, but ${service} has no AWS_ENDPOINT_URL; a test would reach real AWS`);
          }
          assertLoopback(endpoint, `the ${service} client`, this.env);
        }
        const [Ctor, { NodeHttpHandler }] = await Promise.all([LOADERS[service](), import('@smithy/node-http-handler')]);
        const provider = await this.credentialProvider();
        const ignore = this.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true';
        return new Ctor({
          region,
          credentials: provider,
          // Explicit, so an explicit `env` (tests, grader) is honoured even when process.env differs.
          ...(endpoint && !ignore ? { endpoint } : {}),
          ...(Number(this.env.AWS_MAX_ATTEMPTS) > 0 ? { maxAttempts: Number(this.env.AWS_MAX_ATTEMPTS) } : {}),
          requestHandler: new NodeHttpHandler({
            connectionTimeout: (this.opts.connectTimeout ?? CONNECT_TIMEOUT_S) * 1000,
            requestTimeout: (this.opts.requestTimeout ?? REQUEST_TIMEOUT_S) * 1000,
            // Without this, @smithy/node-http-handler 4.x only prints a warning when requestTimeout passes
            // and keeps waiting: a hung endpoint would hold the check until its own time limit.
            throwOnRequestTimeout: true,
          }),
          // The stand-in and other local peers serve path-style buckets only.
          ...(service === 's3'
            ? {
                forcePathStyle: Boolean(endpoint),
                requestChecksumCalculation: 'WHEN_REQUIRED',
                responseChecksumValidation: 'WHEN_REQUIRED',
                followRegionRedirects: true,
              }
            : {}),
        });
      })();
      this.clients.set(key, c);
    }
    return c;
  }

  /**
   * Sends one command, turning AWS errors into results a student can act on (see errors.ts). Inside
   * a check it ends by the check's deadline (budget.ts).
   */
  async send<K extends Service, Out>(service: K, region: string, command: unknown, op: Omit<Operation, 'service'>): Promise<Out> {
    const client = (await this.client(service, region)) as unknown as { send(c: unknown, o?: object): Promise<Out> };
    try {
      return await client.send(command, { abortSignal: callSignal() });
    } catch (e) {
      throw awsProblem(e, { service, region, ...op });
    }
  }

  destroy(): void {
    for (const c of this.clients.values())
      c.then(
        (x) => (x as { destroy?: () => void }).destroy?.(),
        () => {},
      );
  }
}

/**
 * The SDK prints a multi-line NodeVersionSupportWarning on every Node 20 process that creates a
 * client. Students cannot act on it mid-check, and it buries the results, so it is switched off
 * with the SDK's own variable (unless the user set it); `harness --version` and the docs say which
 * Node versions the AWS SDK supports.
 */
function quietSdk(env: NodeJS.ProcessEnv): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
