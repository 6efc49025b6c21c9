// A rehearsal of A1's live checks with no AWS account: the example student's fork, a local AWS
// stand-in whose world matches the fork's answers (an IAM user, the key pair of a freshly made
// local key, a public website bucket holding q6-malfunctions.txt, a billing alarm), and a local git
// host that refuses anonymous reads. Shared by `npm run example:live` and bench/live.mjs.
import { build } from 'esbuild';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeExampleFork, REPO } from './fork.mjs';

export const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'STANDIN-EXAMPLE-KEY', AWS_SECRET_ACCESS_KEY: 'standin-example-secret' };

/**
 * Starts the stand-in and the git host in a child process; returns the fork and the environment.
 * `latencyMs` delays every answer of both (the live benchmark's slow network).
 */
export async function startLiveExample(work, { latencyMs = 0 } = {}) {
  const standinJs = path.join(REPO, 'dist', '.standin', 'live-example-standin.mjs');
  await build({
    entryPoints: [path.join(REPO, 'standin', 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: standinJs,
    packages: 'external',
    logLevel: 'error',
  });
  const home = path.join(work, 'home');
  mkdirSync(path.join(home, '.ssh'), { recursive: true });
  const keyFile = path.join(home, '.ssh', 'ex123-key.pem');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'example passphrase', '-C', 'ex123 (example)', '-f', keyFile]);
  chmodSync(keyFile, 0o600);
  const q6 = readFileSync(path.join(REPO, 'examples/A1-student/q6-malfunctions.txt'), 'utf8');
  const world = {
    accounts: [
      {
        id: '123456789012',
        credentials: [
          { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY, user: 'ex123-admin' },
        ],
        keyPairs: [
          { region: 'us-east-1', name: 'ex123-key', keyType: 'ed25519', publicKey: readFileSync(`${keyFile}.pub`, 'utf8').trim() },
        ],
        instances: [
          { instanceId: 'i-0a1b2c3d4e5f60718', region: 'us-east-1', instanceType: 't2.micro', state: 'stopped', keyName: 'ex123-key' },
        ],
        buckets: [
          {
            name: 'ex123-example-a1',
            region: 'us-east-1',
            public: true,
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
    ...(latencyMs ? { faults: [{ kind: 'latency', ms: latencyMs }] } : {}),
  };
  const serverJs = path.join(work, 'live-example-server.mjs');
  await writeFile(
    serverJs,
    `
import http from 'node:http';
import { startStandin } from ${JSON.stringify(standinJs)};
const s = await startStandin(${JSON.stringify(world)});
const git = http.createServer((_q, r) => setTimeout(() => r.writeHead(401, { 'WWW-Authenticate': 'Basic realm="example"' }).end(), ${latencyMs}));
await new Promise((r) => git.listen(0, '127.0.0.1', r));
process.stdout.write(JSON.stringify({ env: s.env, git: git.address().port }) + '\\n');
`,
  );
  const server = spawn(process.execPath, [serverJs], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  const info = await new Promise((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`the stand-in exited (${code})`)));
    server.stdout.once('data', (d) => resolve(JSON.parse(String(d))));
  });
  const { fork } = await makeExampleFork(work, {
    // The example's repository URL points at the local git host, which refuses anonymous reads.
    beforeCommit: async (dir) => writeFileSync(path.join(dir, 'q1.txt'), `http://127.0.0.1:${info.git}/ex123/anly502-example.git\n`),
  });
  const env = {
    ...process.env,
    ...info.env,
    ...CREDENTIALS,
    NO_COLOR: process.env.NO_COLOR ?? '',
    INIT_CWD: '',
    GIT_CONFIG_GLOBAL: '/dev/null',
    HOME: home,
    AWS_CONFIG_FILE: path.join(home, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none'),
    HARNESS_LOOPBACK_ONLY: '1',
    // git.private contacts only public hosts unless one is allowed: the local git host is.
    HARNESS_GIT_HOSTS: `127.0.0.1:${info.git}`,
  };
  return { fork, env, stop: () => server.kill() };
}
