// The identity, key pair, instance and evidence checks, end to end: the engine, AwsAccess and the
// real SDK over HTTP against the AWS stand-in (one per file), with real keys from ssh-keygen.
import { describe, expect, it, beforeAll, afterAll, afterEach } from 'vitest';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startStandin, refusedUrl, type Standin, type World, type Fault, type KeyPair } from '../standin/index.js';
import { AwsAccess } from '../lib/aws/access.js';
import { runChecks } from '../lib/engine.js';
import { fetchIdentityDocument } from '../lib/aws/imds.js';
import { evidence } from '../cli/evidence.js';
import { pretty } from '../lib/report/pretty.js';
import { toJsonShape } from '../lib/report/json.js';
import { defineKind, type CheckKind } from '../lib/checks/kind.js';
import awsIdentity from '../lib/checks/aws-identity.js';
import awsKeyPair from '../lib/checks/aws-keypair.js';
import awsInstance from '../lib/checks/aws-instance.js';
import awsEvidence from '../lib/checks/aws-evidence.js';
import awsEvidenceExists from '../lib/checks/aws-evidence-exists.js';
import { tempDir, testCourse, testIdentity, writeFiles } from './helpers/fixture.js';
import { setAwsEnv } from './helpers/live-run.js';
import type { CheckResult, CheckSpec, Spec } from '../lib/types.js';

const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '444455556666';
// Shaped unlike AWS key ids on purpose: the repository's own secret scan must not trip on them.
const USER = { accessKeyId: 'TEST-USER-KEY', secretAccessKey: 'test-user-secret' };
const ROOT = { accessKeyId: 'TEST-ROOT-KEY', secretAccessKey: 'test-root-secret' };
const EXPIRED = { accessKeyId: 'TEST-EXPIRED-KEY', secretAccessKey: 'test-expired-secret' };
const STRANGER = { accessKeyId: 'TEST-OTHER-KEY', secretAccessKey: 'test-other-secret' };
const ROLE = { accessKeyId: 'TEST-ROLE-KEY', secretAccessKey: 'test-role-secret' };
const GOOD = 'i-0a1b2c3d4e5f60718';
const BIG = 'i-0b1b2c3d4e5f60718';
const STOPPED = 'i-0c1b2c3d4e5f60718';
const OTHER_KEY = 'i-0d1b2c3d4e5f60718';
const WEST = 'i-0e1b2c3d4e5f60718';

let standin: Standin;
let home: string; // the student's "home folder" with ~/.ssh
let work: string; // the assignment folder
let noCreds: Record<string, string>;
const fp: Record<string, string> = {};

const sh = (cmd: string, args: string[], input?: Buffer) => execFileSync(cmd, args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
const keygen = (name: string, ...args: string[]) =>
  sh('ssh-keygen', ['-q', '-C', 'ab123@laptop', '-f', path.join(home, '.ssh', name), ...args]);
const pub = (name: string) => readFileSync(path.join(home, '.ssh', `${name}.pub`), 'utf8').trim();
const opensslDigest = (out: Buffer) => out.toString().trim().split('= ').pop()!;

function world(): World {
  const kp = (name: string, rest: Omit<KeyPair, 'region' | 'name'>): KeyPair => ({ region: 'us-east-1', name, ...rest });
  return {
    accounts: [
      {
        id: ACCOUNT,
        credentials: [
          { ...USER, user: 'ab123-admin' },
          { ...ROOT, root: true },
          { ...EXPIRED, user: 'ab123-admin', expired: true },
          { ...ROLE, role: 'course-role', sessionToken: 'test-session' },
        ],
        keyPairs: [
          // Imported, so AWS knows the public key; the key file is passphrase-protected.
          kp('anly502', { keyType: 'rsa', publicKey: pub('enc_rsa') }),
          // Created by EC2 (SHA-1 of the private key), public key not on record: only the fingerprint can match.
          kp('created', { keyType: 'rsa', keyFingerprint: fp.created }),
          kp('created-enc', { keyType: 'rsa', keyFingerprint: '0f:'.repeat(19) + '0f', publicKey: pub('enc_rsa') }),
          kp('imported-md5', { keyType: 'rsa', keyFingerprint: fp.importedSsh }),
          kp('ed', { keyType: 'ed25519', keyFingerprint: fp.ed }),
          kp('someone-else', { keyType: 'rsa', publicKey: pub('stranger') }),
          kp('ab123-key', { keyType: 'ed25519', publicKey: pub('ed') }),
          kp('Anly502-old', { keyType: 'ed25519', publicKey: pub('ed') }),
          { region: 'eu-west-1', name: 'far-away', keyType: 'ed25519', publicKey: pub('ed') },
          { region: 'us-west-2', name: 'anly502', keyType: 'rsa', publicKey: pub('enc_rsa') },
        ],
        instances: [
          {
            instanceId: GOOD,
            region: 'us-east-1',
            instanceType: 't2.micro',
            state: 'running',
            keyName: 'anly502',
            tags: { Name: 'ab123-a1' },
            launchTime: '2025-01-15T09:30:00.000Z',
          },
          { instanceId: BIG, region: 'us-east-1', instanceType: 't2.large', state: 'running', keyName: 'anly502', tags: { Name: 'big' } },
          {
            instanceId: STOPPED,
            region: 'us-east-1',
            instanceType: 't2.nano',
            state: 'stopped',
            keyName: 'anly502',
            tags: { Name: 'stopped' },
          },
          {
            instanceId: OTHER_KEY,
            region: 'us-east-1',
            instanceType: 't2.micro',
            state: 'running',
            keyName: 'someone-else',
            tags: { Name: 'other-key' },
          },
          { instanceId: WEST, region: 'us-west-2', instanceType: 't2.micro', state: 'terminated', keyName: 'anly502' },
        ],
      },
      { id: OTHER_ACCOUNT, credentials: [{ ...STRANGER, user: 'someone' }], instances: [] },
    ],
    imds: { accountId: ACCOUNT, instanceId: GOOD, region: 'us-east-1', availabilityZone: 'us-east-1c', imageId: 'ami-0123456789abcdef0' },
  };
}

beforeAll(async () => {
  home = await tempDir({ '.ssh/README': 'keys\n' }, 'harness-home-');
  chmodSync(path.join(home, '.ssh'), 0o700);
  keygen('enc_rsa', '-t', 'rsa', '-b', '2048', '-N', 'secret passphrase');
  keygen('enc_nopub', '-t', 'ed25519', '-N', 'secret passphrase');
  sh('rm', [path.join(home, '.ssh', 'enc_nopub.pub')]);
  keygen('created.pem', '-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', '');
  keygen('imported', '-t', 'rsa', '-b', '2048', '-N', '');
  keygen('ed', '-t', 'ed25519', '-N', '');
  keygen('stranger', '-t', 'rsa', '-b', '2048', '-N', '');
  // The fingerprints as AWS would show them, computed with openssl and ssh-keygen, not our code.
  const der = sh('openssl', ['pkcs8', '-topk8', '-nocrypt', '-outform', 'DER', '-in', path.join(home, '.ssh', 'created.pem')]);
  fp.created = opensslDigest(sh('openssl', ['sha1', '-c'], der));
  fp.importedSsh = sh('ssh-keygen', ['-E', 'md5', '-l', '-f', path.join(home, '.ssh', 'imported.pub')])
    .toString()
    .split(' ')[1]
    .replace(/^MD5:/, '');
  fp.ed =
    sh('ssh-keygen', ['-l', '-f', path.join(home, '.ssh', 'ed.pub')])
      .toString()
      .split(' ')[1]
      .replace(/^SHA256:/, '') + '=';
  copyFileSync(path.join(home, '.ssh', 'ed'), path.join(home, '.ssh', 'loose'));
  chmodSync(path.join(home, '.ssh', 'loose'), 0o644);
  writeFileSync(path.join(home, '.ssh', 'text'), 'this is not a key\n', { mode: 0o600 });

  standin = await startStandin(world());
  work = await tempDir({}, 'harness-a1-');
  const empty = await tempDir({ config: '', credentials: '' }, 'harness-aws-');
  noCreds = {
    AWS_CONFIG_FILE: path.join(empty, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(empty, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}, 60_000);

afterAll(async () => {
  await standin?.stop();
});

afterEach(() => {
  standin.world.faults = [];
});

/** The process environment without anything AWS, plus the stand-in and these credentials. */
function env(creds?: { accessKeyId: string; secretAccessKey: string }, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  return {
    ...base,
    ...noCreds,
    ...standin.env,
    HOME: home,
    AWS_MAX_ATTEMPTS: '1',
    ...(creds ? { AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey } : {}),
    ...extra,
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- kinds of any params, as the registry holds them
const KINDS = new Map<string, CheckKind<any>>(
  [awsIdentity, awsKeyPair, awsInstance, awsEvidence, awsEvidenceExists].map((k) => [k.kind, k]),
);

interface RunOpts {
  creds?: { accessKeyId: string; secretAccessKey: string } | null;
  env?: Record<string, string>;
  requestTimeout?: number;
  timeout?: number;
  optional?: string[];
  kinds?: Map<string, CheckKind<any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  offline?: boolean;
}

/** Runs one check of `kind` through the engine, with its own AwsAccess. */
async function run(kind: string, params: Record<string, unknown>, o: RunOpts = {}): Promise<CheckResult> {
  const check: CheckSpec = {
    id: 'c',
    kind,
    points: 1,
    dependsOn: [],
    severity: 'error',
    timeout: o.timeout ?? 10,
    extraCredit: false,
    params,
  };
  const spec: Spec = {
    id: 'A1',
    title: 'A1',
    timezone: 'America/New_York',
    points: 1,
    files: { required: [], optional: o.optional ?? [] },
    checks: [check],
    dir: work,
    file: path.join(work, 'assignment.yaml'),
    hash: '0',
  };
  const aws = new AwsAccess({
    env: env(o.creds === null ? undefined : (o.creds ?? USER), o.env),
    requestTimeout: o.requestTimeout,
    connectTimeout: 1,
  });
  try {
    const [r] = await runChecks(spec, { course: testCourse(), identity: testIdentity(), aws, offline: o.offline, kinds: o.kinds ?? KINDS });
    return r;
  } finally {
    aws.destroy();
  }
}

const key = (name: string) => `~/.ssh/${name}`;

describe('aws.identity', () => {
  it('passes for an IAM user and notes the account and the user', async () => {
    const r = await run('aws.identity', {});
    expect([r.status, r.points]).toEqual(['pass', 1]);
    expect(r.note).toBe('account 1111…3333, IAM user ab123-admin');
  });

  it('fails for root keys, unless the spec allows them', async () => {
    const r = await run('aws.identity', {}, { creds: ROOT });
    expect(r.status).toBe('fail');
    expect(r.rationale).toMatch(/root account/);
    expect(r.hint).toMatch(/IAM user/);
    expect(r.actual).toBe(`arn:aws:iam::${ACCOUNT}:root`);
    expect((await run('aws.identity', { allowRoot: true }, { creds: ROOT })).status).toBe('pass');
  });

  it('an SSO profile that is not logged in is told `aws sso login`, not `aws configure`', async () => {
    // AWS CLI User Guide, "Configuring IAM Identity Center authentication": an SSO profile's
    // credentials exist only after `aws sso login`, which caches a token under ~/.aws/sso/cache.
    const dir = await tempDir(
      {
        config:
          '[profile course]\nsso_start_url = https://standin-never-logged-in.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = Student\nregion = us-east-1\n',
      },
      'harness-sso-',
    );
    // The CLI's path: process.env and the SDK's whole credential chain (its SSO provider reads only
    // the process's own AWS_CONFIG_FILE).
    const back = setAwsEnv({ ...noCreds, ...standin.env, AWS_CONFIG_FILE: path.join(dir, 'config'), AWS_PROFILE: 'course' });
    const aws = new AwsAccess();
    try {
      const spec: Spec = {
        id: 'A1',
        title: 'A1',
        timezone: 'UTC',
        points: 1,
        files: { required: [], optional: [] },
        dir: work,
        file: '',
        hash: '0',
        checks: [
          { id: 'c', kind: 'aws.identity', points: 1, dependsOn: [], severity: 'error', timeout: 10, extraCredit: false, params: {} },
        ],
      };
      const [r] = await runChecks(spec, { course: testCourse(), identity: testIdentity(), aws, kinds: KINDS });
      expect([r.status, r.reason, r.hint]).toEqual([
        'error',
        'your AWS SSO session for profile "course" is not logged in, or has expired',
        'run `aws sso login --profile course`, then run check again',
      ]);
    } finally {
      aws.destroy();
      back();
    }
  });

  it('notes an assumed role', async () => {
    const r = await run('aws.identity', {}, { creds: ROLE, env: { AWS_SESSION_TOKEN: 'test-session' } });
    expect(r.status).toBe('pass');
    expect(r.note).toMatch(/^account 1111…3333, role course-role \(session /);
  });
});

describe('aws.ec2.keypair', () => {
  it('passes for a passphrase-protected key whose public key AWS holds', async () => {
    const r = await run('aws.ec2.keypair', { name: 'anly502', keyFile: key('enc_rsa') });
    expect(r.status).toBe('pass');
    expect(r.note).toMatch(/^key pair "anly502" in us-east-1 matches ~\/\.ssh\/enc_rsa \(fingerprint ([0-9a-f]{2}:){15}[0-9a-f]{2}\)$/);
  });

  it('an EC2-created key (SHA-1 of the private key) behind a passphrase matches by its public key', async () => {
    const r = await run('aws.ec2.keypair', { name: 'created-enc', keyFile: key('enc_rsa') });
    expect([r.status, r.note]).toEqual(['pass', 'key pair "created-enc" in us-east-1 matches ~/.ssh/enc_rsa (same public key)']);
    // Without the public key on record it cannot be judged here.
    const blind = await run('aws.ec2.keypair', { name: 'created', keyFile: key('enc_rsa') });
    expect(blind.status).toBe('skip');
    expect(blind.reason).toMatch(/computed from the private key, which is protected by a passphrase/);
  });

  it.each([
    ['created', 'created.pem', 'created-rsa (SHA-1 of the private key)'],
    ['imported-md5', 'imported', 'imported RSA (MD5)'],
    ['ed', 'ed', 'ED25519 (SHA-256)'],
  ])('matches an EC2 fingerprint: %s (%s, %s); no passphrase is a warning', async (name, file) => {
    const r = await run('aws.ec2.keypair', { name, keyFile: key(file) });
    expect(r.status).toBe('warn');
    expect(r.points).toBe(1);
    expect(r.rationale).toMatch(/not protected by a passphrase/);
    expect(r.hint).toContain(`ssh-keygen -p -f ${key(file)}`);
  });

  it('fails when the key pair is a different key, showing both fingerprints', async () => {
    const r = await run('aws.ec2.keypair', { name: 'created', keyFile: key('imported') });
    expect(r.status).toBe('fail');
    expect(r.rationale).toBe(`The key pair "created" in us-east-1 is a different key from ${key('imported')}.`);
    expect(r.expected).toBe(`${fp.created} (fingerprint in AWS)`);
    expect(r.actual).toMatch(/^([0-9a-f]{2}:){19}[0-9a-f]{2} \(fingerprint of ~\/\.ssh\/imported\)$/);
    const ed = await run('aws.ec2.keypair', { name: 'someone-else', keyFile: key('ed') });
    expect(ed.status).toBe('fail');
    expect(ed.rationale).toMatch(/AWS has an rsa key, ~\/\.ssh\/ed is ed25519/);
  });

  it('fails when no key pair has the name, listing up to 5 that do exist in the region', async () => {
    const r = await run('aws.ec2.keypair', { name: 'nope', keyFile: key('ed') });
    expect(r.status).toBe('fail');
    expect(r.rationale).toBe('There is no EC2 key pair named "nope" in us-east-1.');
    expect(r.actual).toBe('Anly502-old, ab123-key, anly502, created, created-enc (and 3 more)');
    const west = await run('aws.ec2.keypair', { name: 'nope', keyFile: key('ed'), region: 'ap-south-1' });
    expect(west.actual).toBe('no key pairs in ap-south-1');
  });

  it('replaces {netid}; a name differing only in case gets its own hint', async () => {
    expect((await run('aws.ec2.keypair', { name: '{netid}-key', keyFile: key('ed') })).status).toBe('warn');
    const r = await run('aws.ec2.keypair', { name: 'anly502-old', keyFile: key('ed') });
    expect(r.hint).toMatch(/case-sensitive: "Anly502-old"/);
  });

  it.each([
    ['missing', 'does not exist', /^The private key file ~\/\.ssh\/missing does not exist\.$/],
    ['loose', 'readable by others', /can be read by other users of this computer \(mode 644\)/],
    ['ed.pub', 'a public key', /holds a public key/],
    ['text', 'not a key', /is not an SSH private key/],
  ])('fails locally, before asking AWS: %s (%s)', async (file, _what, re) => {
    const before = standin.calls.length;
    const r = await run('aws.ec2.keypair', { name: 'ed', keyFile: key(file) });
    expect(r.status).toBe('fail');
    expect(r.rationale).toMatch(re);
    expect(standin.calls.length).toBe(before);
    if (file === 'loose') expect(r.hint).toBe('Run `chmod 600 ~/.ssh/loose`.');
  });

  it('a relative key file is relative to the assignment folder', async () => {
    await writeFiles(work, { 'keys/ed': readFileSync(path.join(home, '.ssh', 'ed')) });
    chmodSync(path.join(work, 'keys/ed'), 0o600);
    expect((await run('aws.ec2.keypair', { name: 'ed', keyFile: 'keys/ed' })).status).toBe('warn');
  });

  it('skips an encrypted key with no .pub beside it', async () => {
    const r = await run('aws.ec2.keypair', { name: 'ed', keyFile: key('enc_nopub') });
    expect(r.status).toBe('skip');
    expect(r.reason).toMatch(/protected by a passphrase.*ssh-keygen -y -f ~\/\.ssh\/enc_nopub > ~\/\.ssh\/enc_nopub\.pub/);
  });
});

describe('aws.ec2.instance', () => {
  it('passes when any instance satisfies everything, and notes which', async () => {
    const r = await run('aws.ec2.instance', { keyName: 'anly502' });
    expect(r.status).toBe('pass');
    expect(r.note).toBe(`${GOOD} (t2.micro, running, key pair anly502) in us-east-1`);
  });

  it('filters by tag and key name', async () => {
    const r = await run('aws.ec2.instance', { filters: { tag: { Name: 'big' } } });
    expect(r.status).toBe('fail');
    expect(r.rationale).toBe(`Instance ${BIG} is a t2.large; this assignment uses a t2.nano or t2.micro.`);
    expect(r.hint).toMatch(/Change instance type/);
    expect(r.expected).toBe('t2.nano or t2.micro, running');
    const byKey = await run('aws.ec2.instance', { filters: { keyName: 'someone-else' }, keyName: 'anly502' });
    expect(byKey.rationale).toBe(`Instance ${OTHER_KEY} was launched with key pair "someone-else", not "anly502".`);
    expect(byKey.hint).toMatch(/fixed at launch/);
  });

  it('a stopped instance: the state failure says how to start it', async () => {
    const r = await run('aws.ec2.instance', { filters: { tag: { Name: 'stopped' } } });
    expect(r.rationale).toBe(`Instance ${STOPPED} is stopped, not running.`);
    expect(r.hint).toContain(`aws ec2 start-instances --instance-ids ${STOPPED}`);
    expect((await run('aws.ec2.instance', { filters: { tag: { Name: 'stopped' } }, states: ['running', 'stopped'] })).status).toBe('pass');
  });

  it('several instances, none right: reports the closest, with the other problems', async () => {
    const r = await run('aws.ec2.instance', { keyName: 'ab123-key' });
    expect(r.status).toBe('fail');
    // Every us-east-1 instance has the wrong key; GOOD has no other problem, so it is the closest.
    expect(r.rationale).toBe(`Instance ${GOOD} was launched with key pair "anly502", not "ab123-key".`);
    expect(r.actual).toBe(`${GOOD} (t2.micro, running, key pair anly502) (closest of 4 instances)`);
    const two = await run('aws.ec2.instance', { keyName: 'ab123-key', filters: { tag: { Name: 'big' } } });
    expect(two.hint).toMatch(/Also: Instance i-0b1b2c3d4e5f60718 was launched with key pair "anly502", not "ab123-key"\.$/);
  });

  it('no instances in the region; a terminated one elsewhere', async () => {
    const none = await run('aws.ec2.instance', { region: 'eu-west-1' });
    expect([none.status, none.rationale]).toEqual(['fail', 'You have no EC2 instances in eu-west-1.']);
    const west = await run('aws.ec2.instance', { region: 'us-west-2' });
    expect(west.rationale).toBe(`Instance ${WEST} is terminated, not running.`);
    expect(west.hint).toMatch(/cannot be started again/);
  });

  it('reads the id from an evidence file (JSON pointer), an answer file (pattern) or the first i-…', async () => {
    await writeFiles(work, {
      'ev.json': JSON.stringify({ instanceId: BIG }),
      'q2.txt': `ran on instance: ${STOPPED}\n`,
      'plain.txt': `see ${GOOD} and ${BIG}\n`,
      'none.txt': 'no id here\n',
    });
    const ev = await run('aws.ec2.instance', { instanceIdFrom: { file: 'ev.json', json: '/instanceId' } });
    expect([ev.status, ev.file]).toEqual(['fail', 'ev.json']);
    expect(ev.rationale).toMatch(/t2\.large/);
    const q2 = await run('aws.ec2.instance', { instanceIdFrom: { file: 'q2.txt', pattern: 'instance: (i-[0-9a-f]+)' } });
    expect(q2.rationale).toMatch(/is stopped/);
    expect((await run('aws.ec2.instance', { instanceIdFrom: { file: 'plain.txt' } })).status).toBe('pass');
    const none = await run('aws.ec2.instance', { instanceIdFrom: { file: 'none.txt' } });
    expect(none.rationale).toBe('none.txt does not name an EC2 instance id (i-0123456789abcdef0).');
    await writeFiles(work, { 'bad.json': '{ "instanceId": ' });
    const bad = await run('aws.ec2.instance', { instanceIdFrom: { file: 'bad.json', json: '/instanceId' } });
    expect([bad.status, bad.rationale, bad.hint]).toEqual([
      'fail',
      'bad.json is not valid JSON.',
      'Write it again with `npm run harness -- evidence A1` (on the instance), or fix the syntax.',
    ]);
  });

  it('an id AWS does not know is a failure naming the file', async () => {
    await writeFiles(work, { 'gone.txt': 'i-0123456789abcdef0\n' });
    const r = await run('aws.ec2.instance', { instanceIdFrom: { file: 'gone.txt' } });
    expect(r.status).toBe('fail');
    expect(r.rationale).toBe('AWS has no instance i-0123456789abcdef0 in us-east-1 in your account.');
    expect(r.file).toBe('gone.txt');
  });

  it('follows every page of DescribeInstances', async () => {
    const many = Array.from({ length: 230 }, (_, n) => ({
      instanceId: `i-${(0x10000000 + n).toString(16)}`,
      region: 'sa-east-1',
      instanceType: 't2.large',
      state: 'running' as const,
    }));
    many[225] = { ...many[225], instanceType: 't2.micro' };
    standin.world.accounts[0].instances!.push(...many);
    try {
      const before = standin.calls.length;
      const r = await run('aws.ec2.instance', { region: 'sa-east-1' });
      expect(r.status).toBe('pass');
      expect(standin.calls.slice(before).filter((c) => c.action === 'DescribeInstances').length).toBe(3);
    } finally {
      standin.world.accounts[0].instances!.splice(-230);
    }
  });

  it('validate: a pattern needs one group; json and pattern exclude each other', () => {
    expect(awsInstance.validate!({ instanceIdFrom: { file: 'x', pattern: 'i-[0-9a-f]+' } })).toEqual([
      'instanceIdFrom.pattern needs one capturing group: the id',
    ]);
    expect(awsInstance.validate!({ instanceIdFrom: { file: 'x', pattern: '(' } })[0]).toMatch(/not a valid regular expression/);
    expect(awsInstance.validate!({ instanceIdFrom: { file: 'x', json: '/a', pattern: '(x)' } })).toEqual([
      'instanceIdFrom: give `json` or `pattern`, not both',
    ]);
  });
});

describe('evidence from the instance', () => {
  const imdsEnv = () => {
    const e = env();
    delete e.AWS_EC2_METADATA_DISABLED;
    return e;
  };
  it('fetchIdentityDocument speaks IMDSv2 (token, then document)', async () => {
    const before = standin.calls.length;
    const doc = await fetchIdentityDocument(imdsEnv());
    expect(doc).toMatchObject({
      accountId: ACCOUNT,
      instanceId: GOOD,
      instanceType: 't2.micro',
      region: 'us-east-1',
      availabilityZone: 'us-east-1c',
    });
    expect(standin.calls.slice(before).map((c) => c.service)).toEqual(['imds', 'imds']);
  });

  it('clear errors off EC2, when the token is refused, and when IMDS hangs', async () => {
    await expect(fetchIdentityDocument({ ...imdsEnv(), AWS_EC2_METADATA_SERVICE_ENDPOINT: await refusedUrl() })).rejects.toThrow(
      /^not on an EC2 instance \(no metadata service answered at 127\.0\.0\.1:\d+: ECONNREFUSED\)$/,
    );
    standin.world.faults = [{ kind: 'auth', service: 'imds' }];
    await expect(fetchIdentityDocument(imdsEnv())).rejects.toThrow(/^IMDSv2 token refused \(HTTP 401/);
    standin.world.faults = [];
    // Off EC2, something else may answer the metadata address (another cloud's metadata service, a
    // router). EC2's own answers every request, refusals too, with `Server: EC2ws` (what the stand-in
    // sends; the EC2 User Guide's "Use the Instance Metadata Service" pages show the token exchange
    // it follows), so a 403 from anything else is "not on EC2", not "token refused".
    const impostor = http.createServer((req, res) => {
      req.resume();
      res.writeHead(403, { server: 'Metadata Server for VM' }).end('Forbidden');
    });
    await new Promise<void>((r) => impostor.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(impostor.address() as { port: number }).port}`;
      await expect(fetchIdentityDocument({ ...imdsEnv(), AWS_EC2_METADATA_SERVICE_ENDPOINT: url })).rejects.toThrow(
        /^not on an EC2 instance: something at 127\.0\.0\.1:\d+ answered HTTP 403, but it is not EC2's metadata service \(it calls itself "Metadata Server for VM"\)$/,
      );
    } finally {
      impostor.close();
    }
    standin.world.faults = [{ kind: 'hang', service: 'imds' }];
    const t0 = Date.now();
    await expect(fetchIdentityDocument(imdsEnv(), { connectTimeoutMs: 200, timeoutMs: 300 })).rejects.toThrow(
      /not on an EC2 instance .*no answer within 0\.5 s/,
    );
    expect(Date.now() - t0).toBeLessThan(3000);
    await expect(fetchIdentityDocument({ ...imdsEnv(), AWS_EC2_METADATA_DISABLED: 'true' })).rejects.toThrow(/switched off/);
  });

  it('never leaves the machine in tests: the real IMDS address is refused', async () => {
    const e = imdsEnv();
    delete e.AWS_EC2_METADATA_SERVICE_ENDPOINT;
    await expect(fetchIdentityDocument(e)).rejects.toThrow(
      /HARNESS_LOOPBACK_ONLY is set, but the instance metadata client would reach 169\.254\.169\.254/,
    );
  });

  it("`harness evidence` writes the document where the spec's evidence check looks", async () => {
    const root = await tempDir({
      'course.yaml': readFileSync(path.resolve('course.yaml')),
      'assignments/T1/assignment.yaml': [
        'id: T1',
        'title: T',
        'points: 0',
        'files: { required: [], optional: [proof/vm.json] }',
        'checks:',
        '  - { id: ev, kind: aws.evidence.instance, file: proof/vm.json, points: 0 }',
        '',
      ].join('\n'),
    });
    const out: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => out.push(s) > 0) as unknown as typeof process.stdout.write;
    try {
      expect(await evidence(['T1'], {}, { cwd: root, debug: false, color: false, argv: [] }, imdsEnv())).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    const file = path.join(root, 'assignments/T1/proof/vm.json');
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved.instanceId).toBe(GOOD);
    expect(readFileSync(file, 'utf8')).toMatch(/^\{\n {2}"accountId"/);
    expect(out.join('')).toContain(`wrote assignments/T1/proof/vm.json: instance ${GOOD} (t2.micro) in us-east-1c`);
    // And the offline check accepts what it wrote.
    const t1 = path.join(root, 'assignments/T1');
    const check: CheckSpec = {
      id: 'ev',
      kind: 'aws.evidence.instance',
      points: 1,
      dependsOn: [],
      severity: 'error',
      timeout: 5,
      extraCredit: false,
      params: { file: 'proof/vm.json', types: ['t2.micro'] },
    };
    const [r] = await runChecks(
      {
        id: 'T1',
        title: 'T',
        timezone: 'UTC',
        points: 1,
        files: { required: [], optional: [] },
        checks: [check],
        dir: t1,
        file: '',
        hash: '',
      },
      { course: testCourse(), offline: true, kinds: KINDS },
    );
    expect([r.status, r.note]).toEqual(['pass', `instance ${GOOD} (t2.micro) in us-east-1c, started 2025-01-15T09:30:00.000Z`]);
  });
});

describe('aws.evidence.instance (offline)', () => {
  const doc = {
    accountId: ACCOUNT,
    architecture: 'x86_64',
    availabilityZone: 'us-east-1a',
    imageId: 'ami-0123456789abcdef0',
    instanceId: GOOD,
    instanceType: 't2.micro',
    pendingTime: '2017-01-15T09:30:00Z',
    privateIp: '172.31.0.10',
    region: 'us-east-1',
    version: '2017-09-30',
  };
  const evidenceRun = async (body: unknown, params: Record<string, unknown> = {}) => {
    await writeFiles(work, { 'instance-identity.json': typeof body === 'string' ? body : JSON.stringify(body, null, 2) });
    return run('aws.evidence.instance', { file: 'instance-identity.json', ...params }, { offline: true });
  };

  it('passes without network or credentials', async () => {
    const r = await evidenceRun(doc, { types: ['t2.nano', 't2.micro'], region: 'us-east-1' });
    expect([r.status, r.note]).toEqual(['pass', `instance ${GOOD} (t2.micro) in us-east-1a, started 2017-01-15T09:30:00Z`]);
  });

  it.each([
    ['accountId', '1234', /"accountId" is not a 12-digit AWS account id/],
    ['instanceId', 'i-xyz', /"instanceId" is not an instance id/],
    ['instanceType', 'big', /"instanceType" is not an instance type/],
    ['region', 'Virginia', /"region" is not a region/],
    ['availabilityZone', 'us-west-2a', /zone us-west-2a is not in the region us-east-1/],
    ['imageId', 'ubuntu', /"imageId" is not an image id/],
    ['pendingTime', 'yesterday', /"pendingTime" is not a UTC time/],
    ['pendingTime', '2017-02-31T99:00:00Z', /"pendingTime" is not a real time/],
    ['version', 3, /"version" is not a date/],
    ['instanceId', undefined, /has no "instanceId"/],
  ])('names the bad key: %s = %j', async (k, v, re) => {
    const r = await evidenceRun({ ...doc, [k]: v });
    expect(r.status).toBe('fail');
    expect(r.rationale).toMatch(re);
    expect(r.hint).toMatch(/`npm run harness -- evidence A1`/);
    expect(r.file).toBe('instance-identity.json');
  });

  it('not JSON, not an object; wrong type or region', async () => {
    expect((await evidenceRun('{ nope')).rationale).toMatch(/is not valid JSON/);
    expect((await evidenceRun('[1]')).rationale).toMatch(/not an instance identity document/);
    const big = await evidenceRun({ ...doc, instanceType: 't2.large' }, { types: ['t2.micro'] });
    expect([big.rationale, big.expected, big.actual]).toEqual([
      'instance-identity.json comes from a t2.large instance; this assignment uses a t2.micro.',
      't2.micro',
      't2.large',
    ]);
    expect((await evidenceRun(doc, { region: 'eu-west-1' })).rationale).toMatch(
      /comes from an instance in us-east-1; this assignment uses eu-west-1/,
    );
  });

  it('an optional evidence file not handed in is skipped', async () => {
    const r = await run('aws.evidence.instance', { file: 'absent.json' }, { offline: true, optional: ['absent.json'] });
    expect([r.status, r.reason]).toEqual(['skip', 'optional file not handed in']);
  });
});

describe('aws.evidence.exists', () => {
  const doc = (over: object = {}) => ({
    accountId: ACCOUNT,
    availabilityZone: 'us-east-1a',
    imageId: 'ami-0123456789abcdef0',
    instanceId: GOOD,
    instanceType: 't2.micro',
    pendingTime: '2025-01-15T09:30:00Z',
    region: 'us-east-1',
    version: '2017-09-30',
    ...over,
  });
  const existsRun = async (body: object, o: RunOpts = {}) => {
    await writeFiles(work, { 'vm.json': JSON.stringify(body) });
    return run('aws.evidence.exists', { file: 'vm.json' }, o);
  };

  it("passes when the instance is in the caller's account", async () => {
    const r = await existsRun(doc());
    expect([r.status, r.note]).toEqual(['pass', `${GOOD} (t2.micro, running) in us-east-1, account 1111…3333`]);
  });

  it("fails for another account's instance, or a type that changed since", async () => {
    const other = await existsRun(doc(), { creds: STRANGER });
    expect(other.status).toBe('fail');
    expect(other.rationale).toBe(
      'vm.json comes from an instance in AWS account 1111…3333, but your credentials are for account 4444…6666.',
    );
    const changed = await existsRun(doc({ instanceId: BIG }));
    expect(changed.rationale).toBe(`vm.json says ${BIG} is a t2.micro, but AWS says it is now a t2.large.`);
  });

  it('an instance AWS has forgotten cannot be confirmed: skip, not fail', async () => {
    const r = await existsRun(doc({ instanceId: 'i-0fffffffffffffff0' }));
    expect(r.status).toBe('skip');
    expect(r.reason).toMatch(/no longer lists it in us-east-1.*expected if you terminated it/);
  });
});

describe('every live kind: no credentials, offline, faults', () => {
  const cases: [kind: string, params: Record<string, unknown>, service: string][] = [
    ['aws.identity', {}, 'sts'],
    ['aws.ec2.keypair', { name: 'anly502', keyFile: key('enc_rsa') }, 'ec2'],
    ['aws.ec2.instance', { keyName: 'anly502' }, 'ec2'],
    ['aws.ec2.instance', { instanceIdFrom: { file: 'id.txt' } }, 'ec2'],
    ['aws.evidence.exists', { file: 'ok.json' }, 'sts'],
    ['aws.evidence.exists', { file: 'ok.json' }, 'ec2'],
  ];
  beforeAll(async () => {
    await writeFiles(work, {
      'id.txt': `${GOOD}\n`,
      'ok.json': JSON.stringify({
        accountId: ACCOUNT,
        availabilityZone: 'us-east-1a',
        imageId: 'ami-0123456789abcdef0',
        instanceId: GOOD,
        instanceType: 't2.micro',
        pendingTime: '2025-01-15T09:30:00Z',
        region: 'us-east-1',
        version: '2017-09-30',
      }),
    });
  });

  it.each(cases)('%s %j: passes as a baseline, and with latency within the timeout (%s)', async (kind, params, service) => {
    expect((await run(kind, params)).status).toBe('pass');
    standin.world.faults = [{ kind: 'latency', service, ms: 300 }];
    expect((await run(kind, params, { requestTimeout: 3 })).status).toBe('pass');
  });

  it.each(cases)('%s %j: skipped without credentials, and offline', async (kind, params) => {
    const before = standin.calls.length;
    const r = await run(kind, params, { creds: null });
    expect([r.status, r.points]).toEqual(['skip', 0]);
    expect(r.reason).toMatch(/^no AWS credentials found; run `aws configure`/);
    const off = await run(kind, params, { offline: true });
    expect(off.reason).toMatch(/^offline:/);
    expect(standin.calls.length).toBe(before);
  });

  const faults: [Fault['kind'], RegExp][] = [
    ['throttle', /throttling/],
    ['500', /server error/],
    ['auth', /rejected your credentials/],
    ['expired', /expired/],
  ];
  for (const [fault, re] of faults) {
    it.each(cases)(`%s %j: ${fault} on %s is an error with a reason and a hint`, async (kind, params, service) => {
      standin.world.faults = [{ kind: fault, service }];
      const r = await run(kind, params);
      expect(r.status).toBe('error');
      expect(r.points).toBe(0);
      expect(r.reason).toMatch(re);
      expect(r.hint).toBeTruthy();
      expect(r.stack).toBeUndefined();
    });
  }

  it.each(cases)('%s %j: a hang on %s ends at the request timeout, as an error', async (kind, params, service) => {
    standin.world.faults = [{ kind: 'hang', service }];
    const t0 = Date.now();
    const r = await run(kind, params, { requestTimeout: 0.4 });
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(/^AWS (sts|ec2) in us-east-1 did not answer \w+ in time$/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it.each(cases)(
    "%s %j: a hang longer than the check's own timeout ends before it, with the real reason",
    async (kind, params, service) => {
      standin.world.faults = [{ kind: 'hang', service }];
      const r = await run(kind, params, { timeout: 0.5 });
      expect([r.status, r.reason]).toEqual([
        'error',
        expect.stringMatching(/^AWS (sts|ec2) in us-east-1 did not answer \w+ in time \(this check may take 0\.5 s\)$/),
      ]);
    },
  );

  it.each(cases)('%s %j: connection refused is an error saying AWS cannot be reached', async (kind, params) => {
    const r = await run(kind, params, { env: { AWS_ENDPOINT_URL: await refusedUrl() } });
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(/cannot reach AWS .*ECONNREFUSED/);
  });
});

describe('notes in results and reports', () => {
  it('the engine masks key ids in a note; pretty prints it dimmed under the pass; JSON keeps it', async () => {
    const leaky = defineKind({
      kind: 'test.note',
      title: () => 'a check with a note',
      params: {},
      run: async () => ({ note: `key ${'AKIA' + 'Q'.repeat(16)} works` }),
    });
    const r = await run('test.note', {}, { kinds: new Map([[leaky.kind, leaky]]) });
    expect(r.note).toBe('key AKIA…QQQQ works');
    const report = {
      harness: { version: 'x' },
      assignment: { id: 'A1', title: 'A1', specHash: '0' },
      results: [r],
      summary: { pass: 1, fail: 0, warn: 0, skip: 0, error: 0, points: 1, maxPoints: 1, extraCreditPoints: 0 },
      durationMs: 1,
    };
    const text = pretty(report, { color: false, debug: false });
    expect(text).toContain('✓ pass    a check with a note');
    expect(text).toMatch(/\n {12}key AKIA…QQQQ works\n/);
    expect(Object.keys((toJsonShape(report).results as object[])[0])).toContain('note');
    const plain = defineKind({ kind: 'test.plain', title: () => 'plain', params: {}, run: async () => undefined });
    expect((await run('test.plain', {}, { kinds: new Map([[plain.kind, plain]]) })).note).toBeUndefined();
  });
});
