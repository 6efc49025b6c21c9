// The live-check plumbing that does not need a server: error classification, masking, the
// loopback guard, and how the engine treats live kinds offline and without credentials.
import { describe, expect, it } from 'vitest';
import { awsProblem } from '../lib/aws/errors.js';
import { maskKeyId, maskKeyIds } from '../lib/aws/mask.js';
import { assertLoopback, isLoopbackHost } from '../lib/aws/loopback.js';
import { AwsAccess } from '../lib/aws/access.js';
import { Skip, Unavailable } from '../lib/errors.js';
import { runChecks } from '../lib/engine.js';
import { defineKind, type CheckKind } from '../lib/checks/kind.js';
import { tempDir, testCourse } from './helpers/fixture.js';
import type { Spec } from '../lib/types.js';

const op = { service: 'ec2', region: 'us-east-1', action: 'DescribeKeyPairs', permission: 'ec2:DescribeKeyPairs' };
const sdkError = (name: string, extra: object = {}) => Object.assign(new Error(`${name} happened`), { name, $metadata: {}, ...extra });

describe('AWS errors become results a student can act on', () => {
  it.each([
    ['ExpiredToken', /expired/],
    ['RequestExpired', /expired/],
    ['AuthFailure', /rejected your credentials/],
    ['InvalidClientTokenId', /rejected your credentials/],
    ['UnauthorizedOperation', /not allowed to call DescribeKeyPairs/],
    ['AccessDenied', /not allowed to call/],
    ['RequestLimitExceeded', /throttling/],
    ['ThrottlingException', /throttling/],
  ])('%s', (name, re) => {
    const e = awsProblem(sdkError(name), op);
    expect(e).toBeInstanceOf(Unavailable);
    expect((e as Unavailable).reason).toMatch(re);
    expect((e as Unavailable).hint).toBeTruthy();
  });

  it('names the missing IAM permission', () => {
    expect((awsProblem(sdkError('UnauthorizedOperation'), op) as Unavailable).hint).toContain('ec2:DescribeKeyPairs');
  });

  it('network failures and server faults are errors, never passes', () => {
    expect(awsProblem(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), op)).toBeInstanceOf(
      Unavailable,
    );
    expect(awsProblem(sdkError('TimeoutError'), op)).toBeInstanceOf(Unavailable);
    expect(awsProblem(sdkError('InternalError', { $fault: 'server', $metadata: { httpStatusCode: 500 } }), op)).toBeInstanceOf(Unavailable);
  });

  it('no credentials is a skip; unknown errors stay errors (bugs keep their stack)', () => {
    expect(awsProblem(sdkError('CredentialsProviderError'), op)).toBeInstanceOf(Skip);
    const odd = new TypeError('x is undefined');
    expect(awsProblem(odd, op)).toBe(odd);
  });

  it('masks key ids in messages', () => {
    const key = 'AKIA' + 'ABCDEFGHIJKLMNOP';
    const e = awsProblem(sdkError('AuthFailure', { message: `The key ${key} is not valid` }), op) as Unavailable;
    expect(e.reason).not.toContain(key);
    expect(maskKeyId(key)).toBe('AKIA…MNOP');
    expect(maskKeyIds(`id=${key}.`)).toBe('id=AKIA…MNOP.');
  });
});

describe('loopback guard', () => {
  it('knows loopback hosts', () => {
    expect(['127.0.0.1', '127.5.5.5', 'localhost', '[::1]', '::1'].every(isLoopbackHost)).toBe(true);
    expect(['10.0.0.1', 'bitbucket.org', '169.254.169.254', '192.168.1.1'].some(isLoopbackHost)).toBe(false);
  });

  it('refuses to leave the machine when HARNESS_LOOPBACK_ONLY is set', () => {
    expect(() => assertLoopback('https://s3.amazonaws.com/x', 'a GET', { HARNESS_LOOPBACK_ONLY: '1' })).toThrow(
      /would reach s3\.amazonaws\.com/,
    );
    expect(() => assertLoopback('http://127.0.0.1:9/x', 'a GET', { HARNESS_LOOPBACK_ONLY: '1' })).not.toThrow();
    expect(() => assertLoopback('https://s3.amazonaws.com/x', 'a GET', {})).not.toThrow();
  });

  it('an SDK client with no stand-in endpoint is refused in loopback-only mode', async () => {
    const aws = new AwsAccess({ env: { HARNESS_LOOPBACK_ONLY: '1' } });
    await expect(aws.client('sts', 'us-east-1')).rejects.toThrow(/would reach real AWS/);
  });
});

describe('engine and live kinds', () => {
  const calls: string[] = [];
  const live = (
    kind: string,
    mode: 'account' | 'internet',
    run: CheckKind['run'] = async () => {
      calls.push(kind);
    },
  ) => defineKind({ kind, title: () => kind, params: {}, needs: mode, run });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- kinds of any params, as the registry holds them
  const kinds = new Map<string, CheckKind<any>>([
    ['cred', live('cred', 'account')],
    ['anon', live('anon', 'internet')],
    [
      'down',
      live('down', 'internet', async () => {
        throw new Unavailable('cannot reach AWS s3 in us-east-1 (ECONNREFUSED)', 'check your network');
      }),
    ],
  ]);
  const spec = (dir: string): Spec => ({
    id: 'T1',
    title: 'T',
    timezone: 'UTC',
    points: 0,
    files: { required: [], optional: [] },
    dir,
    file: `${dir}/assignment.yaml`,
    hash: 'h',
    checks: ['cred', 'anon', 'down'].map((k) => ({
      id: k,
      kind: k,
      points: 1,
      dependsOn: [],
      severity: 'error' as const,
      timeout: 5,
      extraCredit: false,
      params: {},
    })),
  });

  it('--offline skips every live check', async () => {
    const rs = await runChecks(spec(await tempDir()), { course: testCourse(), kinds, offline: true });
    expect(rs.map((r) => [r.id, r.status])).toEqual([
      ['cred', 'skip'],
      ['anon', 'skip'],
      ['down', 'skip'],
    ]);
    expect(rs[0].reason).toMatch(/--offline/);
  });

  it('without credentials: credential checks skip with how to configure them; anonymous ones run', async () => {
    const empty = await tempDir({ config: '', credentials: '' });
    const aws = new AwsAccess({
      env: {
        AWS_CONFIG_FILE: `${empty}/config`,
        AWS_SHARED_CREDENTIALS_FILE: `${empty}/credentials`,
        AWS_EC2_METADATA_DISABLED: 'true',
        HARNESS_LOOPBACK_ONLY: '1',
      },
    });
    calls.length = 0;
    const rs = await runChecks(spec(await tempDir()), { course: testCourse(), kinds, aws });
    expect(rs.map((r) => [r.id, r.status])).toEqual([
      ['cred', 'skip'],
      ['anon', 'pass'],
      ['down', 'error'],
    ]);
    expect(rs[0].reason).toMatch(/aws configure/);
    expect(rs[2]).toMatchObject({ reason: expect.stringMatching(/cannot reach AWS/), hint: 'check your network' });
    expect(rs[2].stack).toBeUndefined();
    expect(calls).toEqual(['anon']);
  });
});
