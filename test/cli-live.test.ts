// The built CLI, as a child process, running A1 with every live check against the AWS stand-in:
// a world where everything is right, and one where most things are wrong.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startStandin, type Standin, type World } from '../standin/index.js';
import { studentRepo, harnessAsync as harness, REPO } from './helpers/student.js';
import { tempDir } from './helpers/fixture.js';

const KEY = { accessKeyId: 'STANDIN-EX123-KEY', secretAccessKey: 'standin-ex123-secret' };
const ROOT = { accessKeyId: 'STANDIN-EX123-ROOT', secretAccessKey: 'standin-ex123-root-secret' };
const q6 = readFileSync(path.join(REPO, 'examples/A1-student/q6-malfunctions.txt'), 'utf8');

let standin: Standin;
let gitServer: http.Server;
let home: string;
let pubKey: string;
let otherPub: string;

function world(over: { publicBucket?: boolean; keyPub?: string; extraInstance?: boolean } = {}): World {
  return {
    accounts: [
      {
        id: '123456789012',
        credentials: [
          { ...KEY, user: 'ex123-admin' },
          { ...ROOT, root: true },
        ],
        keyPairs: [{ region: 'us-east-1', name: 'ex123-key', keyType: 'ed25519', publicKey: over.keyPub ?? pubKey }],
        instances: [
          { instanceId: 'i-0a1b2c3d4e5f60718', region: 'us-east-1', instanceType: 't2.micro', state: 'stopped', keyName: 'ex123-key' },
          ...(over.extraInstance
            ? [{ instanceId: 'i-0eeeeeeeeeeeeeee1', region: 'eu-west-1', instanceType: 't2.large', state: 'running' as const }]
            : []),
        ],
        buckets: [
          {
            name: 'ex123-example-a1',
            region: 'us-east-1',
            public: over.publicBucket ?? true,
            website: { indexDocument: 'index.html' },
            objects: [{ key: 'q6-malfunctions.txt', body: q6 }],
          },
        ],
        alarms: [
          {
            name: 'billing',
            region: 'us-east-1',
            namespace: 'AWS/Billing',
            metricName: 'EstimatedCharges',
            threshold: 10,
            actions: ['arn:aws:sns:us-east-1:123456789012:billing'],
          },
        ],
        emrClusters: [],
        dynamoTables: [],
      },
    ],
  } as World;
}

beforeAll(async () => {
  home = await tempDir({}, 'harness-home-');
  mkdirSync(path.join(home, '.ssh'));
  const key = path.join(home, '.ssh', 'ex123-key.pem');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'a passphrase', '-C', 'ex123', '-f', key]);
  chmodSync(key, 0o600);
  pubKey = readFileSync(`${key}.pub`, 'utf8').trim();
  const other = path.join(home, 'other');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
  otherPub = readFileSync(`${other}.pub`, 'utf8').trim();
  standin = await startStandin(world());
  // A git host that refuses anonymous reads, as Bitbucket does for a private repository.
  gitServer = http.createServer((_req, res) => res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="Bitbucket"' }).end());
  await new Promise<void>((r) => gitServer.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await standin?.stop();
  gitServer?.close();
});

async function fork() {
  const { port } = gitServer.address() as AddressInfo;
  return studentRepo({ edit: { 'q1.txt': `http://127.0.0.1:${port}/ex123/anly502-example.git\n` } });
}
const env = (creds: { accessKeyId: string; secretAccessKey: string }) => ({
  ...standin.env,
  AWS_ACCESS_KEY_ID: creds.accessKeyId,
  AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
  AWS_MAX_ATTEMPTS: '1',
  HOME: home,
  // The local git host is allowed, as an instructor allows one (git.private contacts public hosts only).
  HARNESS_GIT_HOSTS: '127.0.0.1',
  AWS_CONFIG_FILE: path.join(home, 'none'),
  AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none'),
});
const statuses = (stdout: string) =>
  Object.fromEntries((JSON.parse(stdout).results as { id: string; status: string }[]).map((r) => [r.id, r.status]));

describe('check A1 with live checks (CLI against the stand-in)', () => {
  it('everything right: every check passes, 20/20, exit 0', async () => {
    standin.world = world();
    const s = await fork();
    const r = await harness(s.root, ['check', 'A1', '--reporter', 'json'], env(KEY));
    const st = statuses(r.stdout);
    const notPass = Object.entries(st).filter(([, v]) => v !== 'pass');
    expect(notPass).toEqual([]);
    expect(JSON.parse(r.stdout).summary).toMatchObject({ points: 20, maxPoints: 20, extraCreditPoints: 1 });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(''); // no SDK warnings on the student's screen
  });

  it('private bucket, wrong key pair, root keys, an instance left running elsewhere: each reported, exit 1', async () => {
    standin.world = world({ publicBucket: false, keyPub: otherPub, extraInstance: true });
    const s = await fork();
    const r = await harness(s.root, ['check', 'A1', '--reporter', 'json'], env(ROOT));
    const st = statuses(r.stdout);
    expect(st).toMatchObject({
      'aws-identity': 'fail', // root credentials
      'q7-public': 'fail', // the bucket is private
      'q7-website': 'fail',
      'q1-private': 'pass',
    });
    // Root keys fail aws-identity, but the money checks still run: that is when they matter most.
    expect(st['cost-guard']).toBe('warn');
    const rootResults = JSON.parse(r.stdout).results as { id: string; rationale?: string }[];
    expect(rootResults.find((x) => x.id === 'cost-guard')?.rationale).toMatch(
      /1 instance running in eu-west-1 \(i-0eeeeeeeeeeeeeee1, t2\.large/,
    );
    // The key pair check depends on aws-identity: skipped with the reason. With IAM keys it runs:
    expect(st['q2-keypair']).toBe('skip');
    const r2 = await harness(s.root, ['check', 'A1', '--reporter', 'json'], env(KEY));
    const st2 = statuses(r2.stdout);
    expect(st2).toMatchObject({ 'q2-keypair': 'warn', 'cost-guard': 'warn', 'aws-identity': 'pass', 'q7-public': 'fail' });
    const results = JSON.parse(r2.stdout).results as { id: string; rationale?: string }[];
    expect(results.find((x) => x.id === 'cost-guard')?.rationale).toMatch(/eu-west-1/);
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).not.toContain(ROOT.secretAccessKey);
  });

  it('no credentials: credential checks skip with one line on how to configure them; exit 0', async () => {
    standin.world = world();
    const s = await fork();
    const { AWS_ACCESS_KEY_ID: _a, AWS_SECRET_ACCESS_KEY: _b, ...noKeys } = env(KEY);
    const r = await harness(s.root, ['check', 'A1', '--reporter', 'json'], {
      ...noKeys,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    const rep = JSON.parse(r.stdout) as { results: { id: string; status: string; reason?: string }[] };
    const identity = rep.results.find((x) => x.id === 'aws-identity')!;
    expect(identity.status).toBe('skip');
    expect(identity.reason).toMatch(/aws configure/);
    expect(statuses(r.stdout)['q7-public']).toBe('pass'); // anonymous checks still run
    expect(r.status).toBe(0);
  });

  it('an unreachable endpoint is an error with a hint, quickly, never a pass', async () => {
    const s = await fork();
    const { refusedUrl } = await import('../standin/index.js');
    const dead = await refusedUrl();
    const t0 = Date.now();
    const r = await harness(s.root, ['check', 'A1', '--reporter', 'json'], {
      ...env(KEY),
      AWS_ENDPOINT_URL: dead,
      HARNESS_S3_WEBSITE_ENDPOINT: dead,
    });
    const rep = JSON.parse(r.stdout) as { results: { id: string; status: string; reason?: string; hint?: string }[] };
    const identity = rep.results.find((x) => x.id === 'aws-identity')!;
    expect(identity).toMatchObject({ status: 'error', reason: expect.stringMatching(/cannot reach AWS/) });
    expect(rep.results.find((x) => x.id === 'q7-public')!.status).toBe('error');
    expect(r.status).toBe(1);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});

describe('npm run example:live', () => {
  it('rehearses A1 with every live check against the stand-in: 20/20, exit 0', async () => {
    const { spawn } = await import('node:child_process');
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const c = spawn(process.execPath, [path.join(REPO, 'scripts', 'example-live.mjs')], {
        cwd: REPO,
        env: { ...process.env, NO_COLOR: '1' },
      });
      let out = '';
      c.stdout.on('data', (d) => (out += d));
      c.stderr.on('data', (d) => (out += d));
      c.on('close', (code) => resolve({ code, out }));
    });
    expect(r.out).toMatch(/Score: 20\/20 \(\+1 extra credit\)/);
    expect(r.out).toMatch(/0 failed · 0 warnings · 0 skipped · 0 errors/);
    expect(r.code).toBe(0);
  }, 60_000);
});
