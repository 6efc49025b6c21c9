// The secret scan held to a corpus: realistic shapes a student's secret takes (code, config,
// notebooks, UTF-16, large and binary files) that must all be found, and look-alikes that must
// not be. The test counts misses and false positives and lists them. Every secret is made at run
// time (random, in its issuer's format), so this file holds nothing the scan would flag.
import { describe, it, expect } from 'vitest';
import { randomBytes, randomInt } from 'node:crypto';
import path from 'node:path';
import { scanBuffer, type SecretHit, type SecretType } from '../lib/secrets.js';
import { buildSubmission } from '../lib/pack/submit.js';
import { UserError } from '../lib/errors.js';
import type { Spec } from '../lib/types.js';
import { tempDir, testIdentity } from './helpers/fixture.js';

const pick = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join('');
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ALNUM = UPPER + UPPER.toLowerCase() + '0123456789';
const DASHES = '-'.repeat(5);

const keyId = (prefix = 'AK' + 'IA') => prefix + pick(UPPER + '234567', 16);
const secretKey = (): string => {
  for (;;) {
    const s = randomBytes(30).toString('base64');
    if (/[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s) && (s.match(/\//g)?.length ?? 0) <= 2) return s;
  }
};
const sessionToken = () => ['IQoJ', 'b3JpZ2luX2Vj'].join('') + randomBytes(300).toString('base64');
const b64lines = (bytes: number) =>
  randomBytes(bytes)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trim();
const pem = (label: string, headers = '') =>
  `${DASHES}BEGIN ${label}${DASHES}\n${headers}${b64lines(600)}\n${DASHES}END ${label}${DASHES}\n`;
const ghClassic = () => ['gh', 'p_'].join('') + pick(ALNUM, 36);
const ghFine = () => ['github', '_pat_'].join('') + pick(ALNUM, 22) + '_' + pick(ALNUM, 59);
const slackBot = () => ['xo', 'xb-'].join('') + pick('0123456789', 12) + '-' + pick('0123456789', 13) + '-' + pick(ALNUM, 24);
const slackHook = () => `https://${['hooks', 'slack', 'com'].join('.')}/services/T${pick(UPPER, 8)}/B${pick(UPPER, 8)}/${pick(ALNUM, 24)}`;
const googleKey = () => ['AI', 'za'].join('') + pick(ALNUM + '_-', 35);
const stripeKey = () => ['sk', 'live', ''].join('_') + pick(ALNUM, 24);
const npmToken = () => ['np', 'm_'].join('') + pick(ALNUM, 36);
const bitbucketPassword = () => ['AT', 'BB'].join('') + pick(ALNUM, 32);
const password = () => pick(ALNUM, 10) + '!' + pick('0123456789', 2);

const utf16be = (s: string) => Buffer.from(s, 'utf16le').swap16();
const notebook = (...cells: string[][]) =>
  JSON.stringify(
    {
      cells: cells.map((source) => ({ cell_type: 'code', metadata: {}, outputs: [], source })),
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    },
    null,
    1,
  );
/** Bytes that look like a binary file: NULs, high bytes, and some ASCII. */
const binary = (inside: string) =>
  Buffer.concat([
    Buffer.from([0x80, 0x04, 0x95, 0, 0, 0]),
    randomBytes(3000),
    Buffer.from(inside),
    Buffer.from([0, 0x94]),
    randomBytes(3000),
  ]);
const csvRows = (n: number) =>
  Array.from(
    { length: n },
    (_, i) => `${i},station-${i % 97},${(i * 7919) % 1000}.5,2024-01-${String((i % 28) + 1).padStart(2, '0')}`,
  ).join('\n') + '\n';

interface Shape {
  name: string;
  type: SecretType;
  make: () => { body: string | Buffer; secret?: string };
}

const S = (name: string, type: SecretType, make: () => string | Buffer | { body: string | Buffer; secret?: string }): Shape => ({
  name,
  type,
  make: () => {
    const r = make();
    return typeof r === 'string' || Buffer.isBuffer(r) ? { body: r } : r;
  },
});
const withSecret = (secret: string, body: (s: string) => string | Buffer) => ({ body: body(secret), secret });

const SHAPES: Shape[] = [
  S('python: key id assigned', 'aws-access-key-id', () => withSecret(keyId(), (k) => `import boto3\naws_access_key_id = "${k}"\n`)),
  S("python: os.environ['AWS_SECRET_ACCESS_KEY']='…'", 'aws-secret-key', () =>
    withSecret(secretKey(), (s) => `import os\nos.environ['AWS_SECRET_ACCESS_KEY']='${s}'\n`),
  ),
  S('python: os.environ["…"] = "…"', 'aws-secret-key', () =>
    withSecret(secretKey(), (s) => `os.environ["AWS_SECRET_ACCESS_KEY"] = "${s}"\n`),
  ),
  S('python: boto3.client(…, aws_secret_access_key=…)', 'aws-secret-key', () =>
    withSecret(secretKey(), (s) => `s3 = boto3.client('s3', aws_access_key_id=KEY, aws_secret_access_key='${s}')\n`),
  ),
  S('python: os.environ.setdefault("…", "…")', 'aws-secret-key', () =>
    withSecret(secretKey(), (s) => `os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "${s}")\n`),
  ),
  S('shell: export AWS_SECRET_ACCESS_KEY=…', 'aws-secret-key', () =>
    withSecret(secretKey(), (s) => `#!/bin/bash\nexport AWS_SECRET_ACCESS_KEY=${s}\naws s3 ls\n`),
  ),
  S('shell: aws configure set aws_secret_access_key …', 'aws-secret-key', () =>
    withSecret(secretKey(), (s) => `aws configure set aws_secret_access_key ${s}\n`),
  ),
  S('shell: export AWS_SESSION_TOKEN=…', 'aws-session-token', () => withSecret(sessionToken(), (t) => `export AWS_SESSION_TOKEN=${t}\n`)),
  S('yaml: secret_access_key:', 'aws-secret-key', () =>
    withSecret(secretKey(), (s) => `aws:\n  region: us-east-1\n  secret_access_key: ${s}\n`),
  ),
  S('json: sts get-session-token output', 'aws-session-token', () =>
    withSecret(sessionToken(), (t) =>
      JSON.stringify({ Credentials: { AccessKeyId: keyId('AS' + 'IA'), SecretAccessKey: secretKey(), SessionToken: t } }, null, 2),
    ),
  ),
  S('.env: AWS_SECRET_ACCESS_KEY=…', 'aws-secret-key', () =>
    withSecret(secretKey(), (s) => `REGION=us-east-1\nAWS_SECRET_ACCESS_KEY=${s}\n`),
  ),
  S('ini: a credentials file under another name', 'aws-access-key-id', () =>
    withSecret(keyId(), (k) => `[default]\naws_access_key_id = ${k}\naws_secret_access_key = ${secretKey()}\n`),
  ),
  S('properties: aws.secretKey=…', 'aws-secret-key', () =>
    withSecret(secretKey(), (s) => `aws.accessKey=${keyId()}\naws.secretKey=${s}\n`),
  ),
  S('spark-defaults.conf: fs.s3a.secret.key, space-separated', 'aws-secret-key', () =>
    withSecret(secretKey(), (s) => `spark.hadoop.fs.s3a.secret.key    ${s}\n`),
  ),
  S('hadoop core-site.xml: <value> after the name', 'aws-secret-key', () =>
    withSecret(secretKey(), (s) => `<property>\n  <name>fs.s3a.secret.key</name>\n  <value>${s}</value>\n</property>\n`),
  ),
  S('R: Sys.setenv("AWS_SECRET_ACCESS_KEY" = "…")', 'aws-secret-key', () =>
    withSecret(secretKey(), (s) => `Sys.setenv("AWS_SECRET_ACCESS_KEY" = "${s}")\n`),
  ),
  S("notebook: os.environ['…']='…' in a cell", 'aws-secret-key', () =>
    withSecret(secretKey(), (s) => notebook(['import os\n', `os.environ['AWS_SECRET_ACCESS_KEY']='${s}'\n`])),
  ),
  S('notebook: a cell holding only the secret, after import boto3', 'aws-secret-key', () =>
    withSecret(secretKey(), (s) => notebook(['import boto3\n'], [`'${s}'`])),
  ),
  S('notebook: a cell holding only the secret, the key id in another cell', 'aws-secret-key', () =>
    withSecret(secretKey(), (s) => notebook([`KEY = '${keyId()}'\n`, 'print(KEY)\n'], ['import pandas as pd\n'], [s])),
  ),
  S('notebook: a private key in a cell', 'private-key', () => notebook(['KEY = """', ...pem('RSA PRIVATE KEY').split(/(?<=\n)/), '"""\n'])),
  S('UTF-16 LE with BOM', 'aws-access-key-id', () =>
    withSecret(keyId(), (k) =>
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`[default]\r\naws_access_key_id = ${k}\r\n`, 'utf16le')]),
    ),
  ),
  S('UTF-16 LE without BOM (PowerShell > file)', 'aws-secret-key', () =>
    withSecret(secretKey(), (s) => Buffer.from(`$env:AWS_SECRET_ACCESS_KEY = "${s}"\r\n`, 'utf16le')),
  ),
  S('UTF-16 BE with BOM', 'aws-access-key-id', () =>
    withSecret(keyId(), (k) => Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(`key: ${k}\n`)])),
  ),
  S('UTF-16 BE without BOM', 'private-key', () => utf16be(pem('OPENSSH PRIVATE KEY'))),
  S('large file: a key id after the first 6 MB', 'aws-access-key-id', () => withSecret(keyId(), (k) => csvRows(200_000) + `oops,${k}\n`)),
  S('large file: a secret key with its context across a window edge', 'aws-secret-key', () =>
    withSecret(secretKey(), (s) => 'x,y\n'.repeat((1 << 20) / 4 - 10) + `aws_secret_access_key = ${s}\n` + csvRows(1000)),
  ),
  S('binary: a key id inside a pickle', 'aws-access-key-id', () => withSecret(keyId(), (k) => binary(`\x8c\x14${k}\x94`))),
  S('binary: a private key inside a binary', 'private-key', () => binary(pem('EC PRIVATE KEY'))),
  S('PEM: RSA', 'private-key', () => `# my key\n${pem('RSA PRIVATE KEY')}`),
  S('PEM: EC', 'private-key', () => pem('EC PRIVATE KEY')),
  S('PEM: OPENSSH', 'private-key', () => pem('OPENSSH PRIVATE KEY')),
  S('PEM: PKCS#8', 'private-key', () => pem('PRIVATE KEY')),
  S('PEM: encrypted PKCS#8', 'private-key', () => pem('ENCRYPTED PRIVATE KEY')),
  S('PEM: legacy encrypted RSA with headers', 'private-key', () =>
    pem('RSA PRIVATE KEY', 'Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n'),
  ),
  S('PEM: a service-account JSON', 'private-key', () => JSON.stringify({ type: 'service_account', private_key: pem('PRIVATE KEY') })),
  S(
    'PuTTY .ppk text in a .txt file',
    'private-key',
    () =>
      `PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: imported-openssh-key\nPublic-Lines: 6\n${b64lines(270)}\nPrivate-Lines: 14\n${b64lines(600)}\nPrivate-MAC: ${randomBytes(20).toString('hex')}\n`,
  ),
  S('GitHub classic token in a remote URL', 'github-token', () =>
    withSecret(ghClassic(), (t) => `git remote add origin https://${t}@github.com/ada/course.git\n`),
  ),
  S('GitHub fine-grained token in .env', 'github-token', () => withSecret(ghFine(), (t) => `GITHUB_TOKEN=${t}\n`)),
  S('Slack bot token in python', 'slack-token', () => withSecret(slackBot(), (t) => `client = WebClient(token="${t}")\n`)),
  S('Slack webhook URL', 'slack-webhook', () => `requests.post("${slackHook()}", json={"text": "job done"})\n`),
  S('Google API key in JavaScript', 'google-api-key', () =>
    withSecret(googleKey(), (k) => `const url = \`https://maps.example/api?key=${k}\`;\n`),
  ),
  S('Stripe live key', 'stripe-key', () => withSecret(stripeKey(), (k) => `stripe.api_key = "${k}"\n`)),
  S('npm token in .npmrc', 'npm-token', () => withSecret(npmToken(), (t) => `//registry.example/:_authToken=${t}\n`)),
  S('Bitbucket app password in a clone URL', 'atlassian-token', () =>
    withSecret(bitbucketPassword(), (p) => `git clone https://lw641:${p}@bitbucket.org/lw641/anly502.git\n`),
  ),
  S('old-style Bitbucket app password in a remote URL', 'url-password', () =>
    withSecret(pick(ALNUM, 20), (p) => `url = https://lw641:${p}@bitbucket.org/lw641/anly502.git\n`),
  ),
  S('generic password = "…" in python', 'password', () =>
    withSecret(password(), (p) => `conn = connect(host="db", user="admin")\npassword = "${p}"\n`),
  ),
  S('generic "password": "…" in JSON', 'password', () =>
    withSecret(password(), (p) => JSON.stringify({ db: { user: 'admin', password: p } })),
  ),
];

interface LookAlike {
  name: string;
  body: () => string | Buffer;
}
const exampleId = ['AKIA', 'IOSFODNN7', 'EXAM', 'PLE'].join('');
const exampleSecret = ['wJalrXUtnFEMI/K7MDENG/bPxRfiCY', 'EXAM', 'PLEKEY'].join('');

const LOOK_ALIKES: LookAlike[] = [
  { name: "AWS's documented example key pair", body: () => `aws_access_key_id = ${exampleId}\naws_secret_access_key = ${exampleSecret}\n` },
  {
    name: 'a git commit id next to aws words',
    body: () => `aws s3 sync: fixed in commit ${randomBytes(20).toString('hex')} (secret handling)\n`,
  },
  { name: 'secret = forty lower-case letters', body: () => `secret = ${'abcdefghij'.repeat(4)}\n` },
  { name: 'a random 40-character token with no AWS context', body: () => `token = ${secretKey()}\nretries = 3\n` },
  {
    name: 'an SSH public key and its fingerprint',
    body: () =>
      `ssh-rsa ${randomBytes(279).toString('base64')} ada@aws-vm\nSHA256:${randomBytes(32).toString('base64').replace(/=+$/, '')}\n`,
  },
  {
    name: 'a private key header in prose, a public key and a certificate',
    body: () =>
      `A key file starts with ${DASHES}BEGIN RSA PRIVATE KEY${DASHES}; never commit one.\n${pem('PUBLIC KEY')}${pem('CERTIFICATE')}`,
  },
  { name: 'a 40-character path near aws', body: () => 'aws s3 cp home/hadoop/Spark/Jobs/Output/Results/ab s3://bucket/\n' },
  {
    name: 'a notebook with a base64 PNG output after import boto3',
    body: () =>
      JSON.stringify({
        cells: [
          {
            cell_type: 'code',
            source: ['import boto3\n'],
            outputs: [{ data: { 'image/png': randomBytes(3000).toString('base64') + '\n' } }],
          },
        ],
      }),
  },
  {
    name: 'password placeholders, references and templates',
    body: () =>
      [
        'password = "<your password>"',
        'password = os.environ["DB_PASSWORD"]',
        'password: ${DB_PASSWORD}',
        '"password": "********"',
        'password = "changeme"',
        "password = f'{prefix}{n}'",
        'password="${{ secrets.DB_PASSWORD }}"',
        "password = 'hunter'",
        'password_file = "conf/db.pw"',
      ].join('\n'),
  },
  {
    name: 'token placeholders',
    body: () =>
      `GITHUB_TOKEN=${['gh', 'p_'].join('')}${'x'.repeat(36)}\nSTRIPE=${['sk', 'test', ''].join('_')}${'x'.repeat(24)}\nNPM_TOKEN=${['np', 'm_'].join('')}${'0'.repeat(36)}\n`,
  },
  {
    name: 'ARNs, account ids, instance and cluster ids',
    body: () => 'arn:aws:iam::123456789012:role/EMR_DefaultRole\ni-0abcd1234ef567890 j-2AXXXXXXGAPLF s-1A2B3C4D5E6F7\n',
  },
  {
    name: 'UUIDs and digests next to secret words',
    body: () => `client_secret_id = 123e4567-e89b-12d3-a456-426614174000\nsecret_sha256 = ${randomBytes(32).toString('hex')}\n`,
  },
  {
    name: 'URLs with a user and no password, or a template',
    body: () =>
      'https://lw641@bitbucket.org/lw641/anly502.git\nhttps://x-token-auth:${TOKEN}@bitbucket.org/x.git\nhttps://user:password@example.com/\n',
  },
  { name: 'a random binary file', body: () => randomBytes(1 << 20) },
  { name: 'a 5 MB CSV of data', body: () => csvRows(150_000) },
];

describe('the secret corpus', () => {
  it(`finds every one of ${SHAPES.length} realistic shapes and none of ${LOOK_ALIKES.length} look-alikes, masking every secret`, () => {
    expect(SHAPES.length).toBeGreaterThanOrEqual(30);
    expect(LOOK_ALIKES.length).toBeGreaterThanOrEqual(10);
    const misses: string[] = [];
    const leaks: string[] = [];
    for (const shape of SHAPES) {
      const { body, secret } = shape.make();
      const hits = scanBuffer(typeof body === 'string' ? Buffer.from(body) : body, 'f');
      if (!hits.some((h) => h.type === shape.type)) misses.push(`${shape.name}: ${JSON.stringify(hits.map((h) => h.type))}`);
      if (secret && hits.some((h) => h.masked.includes(secret))) leaks.push(shape.name);
    }
    const falsePositives: string[] = [];
    for (const l of LOOK_ALIKES) {
      const body = l.body();
      const hits = scanBuffer(typeof body === 'string' ? Buffer.from(body) : body, 'f');
      if (hits.length) falsePositives.push(`${l.name}: ${hits.map((h: SecretHit) => `${h.type} line ${h.line} (${h.masked})`).join(', ')}`);
    }
    expect({ misses, falsePositives, leaks }).toEqual({ misses: [], falsePositives: [], leaks: [] });
  });

  it('submit refuses to pack every shape', async () => {
    const refused: string[] = [];
    const packed: string[] = [];
    const dir = await tempDir();
    const files = SHAPES.map((_, i) => `f${i}.txt`);
    const { writeFile } = await import('node:fs/promises');
    for (const [i, shape] of SHAPES.entries()) await writeFile(path.join(dir, files[i]), shape.make().body);
    for (const [i, shape] of SHAPES.entries()) {
      const spec: Spec = {
        id: 'T1',
        title: 't',
        timezone: 'UTC',
        points: 0,
        files: { required: [files[i]], optional: [] },
        checks: [],
        dir,
        file: path.join(dir, 'assignment.yaml'),
        hash: '0',
      };
      try {
        await buildSubmission({
          spec,
          identity: testIdentity(),
          results: [],
          summary: { passed: 0, failed: 0, warned: 0, skipped: 0, errored: 0, points: 0, maxPoints: 0 } as never,
          version: 'test',
        });
        packed.push(shape.name);
      } catch (e) {
        if (!(e instanceof UserError) || !/no zip was written/.test(e.message)) throw e;
        refused.push(shape.name);
      }
    }
    expect(packed).toEqual([]);
    expect(refused).toHaveLength(SHAPES.length);
  });

  it('stays linear on hostile input: long runs of every rule prefix', () => {
    const hostile = [
      'secret'.repeat(200_000),
      'password = "'.repeat(100_000),
      'AKIA'.repeat(200_000),
      'https://a:'.repeat(100_000),
      `${DASHES}BEGIN PRIVATE KEY${DASHES}`.repeat(30_000),
      ['xo', 'xb-1-'].join('').repeat(100_000),
      'A'.repeat(1 << 20),
      '\\n'.repeat(500_000),
    ];
    for (const h of hostile) {
      const t = performance.now();
      scanBuffer(Buffer.from(h), 'hostile');
      expect([h.slice(0, 12), performance.now() - t]).toEqual([h.slice(0, 12), expect.any(Number)]);
      expect(performance.now() - t).toBeLessThan(2000);
    }
  });
});
