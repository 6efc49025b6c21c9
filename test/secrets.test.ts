// The secrets scanner and the secrets.scan kind. Every key-like string is built at run time, so
// this file holds nothing the scan itself would flag (the last test checks that).
import { describe, it, expect } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { randomBytes, randomInt } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Failure } from '../lib/errors.js';
import { CloneGit } from '../lib/git.js';
import { createScanner, mask, scanBuffer, scanName } from '../lib/secrets.js';
import secretsScan from '../lib/checks/secrets.js';
import { makeCtx, tempDir } from './helpers/fixture.js';
import { commit, makeRepo, write } from './helpers/git.js';

const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const randomFrom = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join('');
/** A fresh access key id with the given prefix. */
const keyId = (prefix = 'AKIA') => prefix + randomFrom(UPPER_DIGITS, 16);
/** A fresh 40-character secret access key (base64 of 30 random bytes, as AWS makes them). */
const secretKey = () => {
  for (;;) {
    const s = randomBytes(30).toString('base64');
    if (/[A-Z]/.test(s) && /[a-z]/.test(s)) return s;
  }
};
const DASHES = '-'.repeat(5);
const pemBlock = (label: string) =>
  `${DASHES}BEGIN ${label}${DASHES}\n${randomBytes(48).toString('base64')}\n${randomBytes(48).toString('base64')}\n${DASHES}END ${label}${DASHES}\n`;
const buf = (s: string) => Buffer.from(s);

describe('scanBuffer', () => {
  it('finds access key ids of every prefix, with the line, masked', () => {
    for (const prefix of ['AKIA', 'ASIA', 'AGPA', 'AIDA', 'AROA', 'AIPA', 'ANPA', 'ANVA', 'AKPA']) {
      const id = keyId(prefix);
      const hits = scanBuffer(buf(`first line\n\nkey = ${id}\n`), 'q1.txt');
      expect(hits).toEqual([{ file: 'q1.txt', line: 3, type: 'aws-access-key-id', masked: mask(id) }]);
      expect(hits[0].masked).toBe(`${prefix}${'*'.repeat(14)}${id.slice(-2)}`);
      expect(hits[0].masked).not.toContain(id);
    }
  });

  it('finds ids in quotes, CSV and JSON but not inside a longer token', () => {
    const id = keyId();
    expect(scanBuffer(buf(`"${id}"`), 'f')).toHaveLength(1);
    expect(scanBuffer(buf(`user,${id},x`), 'f')).toHaveLength(1);
    expect(scanBuffer(buf(`{"AccessKeyId":"${id}"}`), 'f')).toHaveLength(1);
    expect(scanBuffer(buf(`X${id}`), 'f')).toEqual([]);
    expect(scanBuffer(buf(`${id}Q`), 'f')).toEqual([]);
    expect(scanBuffer(buf(`AKIA${randomFrom(UPPER_DIGITS, 15)}`), 'f')).toEqual([]);
    expect(scanBuffer(buf(id.toLowerCase()), 'f')).toEqual([]);
  });

  it('finds secret keys next to a name that says secret, in the usual syntaxes', () => {
    const forms = [
      (s: string) => `[default]\naws_secret_access_key = ${s}\n`,
      (s: string) => `export AWS_SECRET_ACCESS_KEY="${s}"\n`,
      (s: string) => `{\n  "SecretAccessKey": "${s}"\n}\n`,
      (s: string) => `aws:\n  secret: ${s}\n`,
      (s: string) => `boto3.client('s3', aws_secret_access_key='${s}')\n`,
    ];
    for (const form of forms) {
      const s = secretKey();
      const text = form(s);
      const hits = scanBuffer(buf(text), 'cfg');
      expect(hits.map((h) => h.type)).toEqual(['aws-secret-key']);
      expect(hits[0].line).toBe(text.slice(0, text.indexOf(s)).split('\n').length);
      expect(hits[0].masked).toBe(s.slice(0, 4) + '*'.repeat(34) + s.slice(-2));
    }
  });

  it('leaves 40-character tokens alone without a secret name, and words or digests with one', () => {
    expect(scanBuffer(buf(`token = ${secretKey()}\n`), 'f')).toEqual([]);
    expect(scanBuffer(buf(`commit ${randomBytes(20).toString('hex')}\n`), 'f')).toEqual([]);
    expect(scanBuffer(buf(`secret: ${randomBytes(20).toString('hex')}\n`), 'f')).toEqual([]);
    expect(scanBuffer(buf(`secret = ${'abcdefghij'.repeat(4)}\n`), 'f')).toEqual([]);
  });

  it('finds private key blocks of every flavour, masked as the header only', () => {
    for (const label of [
      'RSA PRIVATE KEY',
      'EC PRIVATE KEY',
      'DSA PRIVATE KEY',
      'OPENSSH PRIVATE KEY',
      'ENCRYPTED PRIVATE KEY',
      'PRIVATE KEY',
    ]) {
      const block = pemBlock(label);
      const hits = scanBuffer(buf(`# my key\n${block}`), 'key.txt');
      expect(hits).toEqual([{ file: 'key.txt', line: 2, type: 'private-key', masked: `${DASHES}BEGIN ${label}${DASHES} (masked)` }]);
      expect(hits[0].masked).not.toContain(block.split('\n')[1]);
    }
  });

  it('finds a key inside a JSON string and one with PEM headers, but not a header in prose', () => {
    const json = JSON.stringify({ private_key: pemBlock('PRIVATE KEY') });
    expect(scanBuffer(buf(json), 'sa.json').map((h) => h.type)).toEqual(['private-key']);
    const legacy = `${DASHES}BEGIN RSA PRIVATE KEY${DASHES}\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00FF\n\n${randomBytes(48).toString('base64')}\n`;
    expect(scanBuffer(buf(legacy), 'k').map((h) => h.type)).toEqual(['private-key']);
    expect(scanBuffer(buf(`A key starts with ${DASHES}BEGIN RSA PRIVATE KEY${DASHES} (masked here).\n`), 'notes.md')).toEqual([]);
  });

  it("ignores AWS's documented example keys", () => {
    const exampleId = ['AKIA', 'IOSFODNN7', 'EXAM', 'PLE'].join('');
    const exampleSecret = ['wJalrXUtnFEMI/K7MDENG/bPxRfiCY', 'EXAM', 'PLEKEY'].join('');
    const text = `aws_access_key_id = ${exampleId}\naws_secret_access_key = ${exampleSecret}\n`;
    expect(scanBuffer(buf(text), 'README.md')).toEqual([]);
    // Only the placeholders: a real key on the next line is still found.
    expect(scanBuffer(buf(`${text}${keyId()}\n`), 'README.md').map((h) => h.line)).toEqual([3]);
  });

  it('scans binary files too, as bytes', () => {
    const id = keyId();
    const b = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00]), buf(`\n${id}\n`)]);
    expect(scanBuffer(b, 'plot.png')).toEqual([{ file: 'plot.png', line: 2, type: 'aws-access-key-id', masked: mask(id) }]);
    const late = Buffer.concat([buf(`${keyId()}\n`), Buffer.alloc(9000, 0x61), Buffer.from([0])]);
    expect(scanBuffer(late, 'log.txt')).toHaveLength(1);
  });

  it('scans a huge file to its end quickly, with the right line numbers', () => {
    const head = `${keyId()}\n`;
    const tail = `\n${keyId()}\n`;
    const big = Buffer.concat([buf(head), Buffer.alloc(9 * 1024 * 1024, 'a'), buf(tail)]);
    const t = performance.now();
    const hits = scanBuffer(big, 'data.csv');
    expect(hits.map((h) => h.line)).toEqual([1, 3]);
    // One long line of word characters with names that say "secret" must not go quadratic.
    const nasty = buf(('secret_' + 'x'.repeat(200) + ' ').repeat(15_000) + 'a'.repeat(1_000_000));
    expect(scanBuffer(nasty, 'nasty.txt')).toEqual([]);
    expect(performance.now() - t).toBeLessThan(3000);
  });

  it('finds the same hits whatever the chunk size of a streamed scan', () => {
    const text = buf(
      Array.from({ length: 3000 }, (_, i) => (i % 700 === 0 ? `k${i} = ${keyId()}` : `row ${i}, ${'z'.repeat(i % 90)}`)).join('\n'),
    );
    const whole = scanBuffer(text, 'f');
    expect(whole.map((h) => h.line)).toEqual([1, 701, 1401, 2101, 2801]);
    for (const size of [1, 7, 4096, 100_000]) {
      const s = createScanner('f');
      for (let i = 0; i < text.length; i += size) s.write(text.subarray(i, i + size));
      expect(s.end()).toEqual(whole);
    }
  });
});

describe('scanName', () => {
  it('flags credentials files by name, in any folder', () => {
    for (const name of [
      'key.pem',
      'keys/Server.PEM',
      'putty.ppk',
      '.boto',
      'credentials',
      '.aws/credentials',
      'home/id_rsa',
      'id_ed25519',
      'id_ecdsa',
      'rootkey.csv',
      'ada_accessKeys.csv',
      'ada_credentials.csv',
    ]) {
      expect([name, scanName(name)]).toEqual([name, { file: name, line: 0, type: 'credentials-file', masked: path.posix.basename(name) }]);
    }
  });

  it('leaves public keys, .env and look-alikes alone', () => {
    for (const name of ['id_rsa.pub', '.env', 'credentials.txt', 'my-credentials', 'pem.txt', 'q1.txt', 'credentials/notes.md']) {
      expect([name, scanName(name)]).toEqual([name, undefined]);
    }
  });
});

/** Runs secrets.scan on `dir`; returns the Failure, or undefined on a pass. */
async function scan(
  dir: string,
  params: Record<string, unknown> = {},
  files: { required: string[]; optional?: string[] } = { required: ['q1.txt'] },
): Promise<Failure | undefined> {
  const ctx = makeCtx(dir, params);
  ctx.spec.files = { required: files.required, optional: files.optional ?? [] };
  try {
    await secretsScan.run(ctx, params);
    return undefined;
  } catch (e) {
    if (e instanceof Failure) return e;
    throw e;
  }
}
const everything = (f: Failure) => [f.rationale, f.hint, f.actual, f.message].join('\n');

describe('secrets.scan', () => {
  it('fails on a key in a submitted file, naming file and line, never showing the key', async () => {
    const id = keyId();
    const secret = secretKey();
    const dir = await tempDir({ 'q1.txt': `answer\n${id}\naws_secret_access_key=${secret}\n`, 'q2.txt': 'fine\n' });
    const f = (await scan(dir, {}, { required: ['q1.txt', 'q2.txt'] }))!;
    expect(f).toBeInstanceOf(Failure);
    expect(f.rationale).toContain('2 things look like keys, tokens, passwords or credentials files');
    expect(f.code).toBe('aws-key'); // the kind of secret, so an instructor can count AWS keys apart
    expect(f.actual).toBe(`q1.txt:2: an AWS access key id (${mask(id)})\nq1.txt:3: an AWS secret access key (${mask(secret)})`);
    expect([f.file, f.line]).toEqual(['q1.txt', 2]);
    expect(f.hint).toContain('IAM console NOW');
    expect(f.hint).toContain('git filter-repo');
    expect(everything(f)).not.toContain(id);
    expect(everything(f)).not.toContain(secret);
    expect(everything(f)).not.toContain(id.slice(4, 18));
  });

  it('says one hit in one sentence, and flags a credentials file by name', async () => {
    const dir = await tempDir({ 'q1.txt': 'ok\n', 'server.pem': 'not even a key\n' });
    const f = (await scan(dir, {}, { required: ['q1.txt'], optional: ['server.pem', 'absent.txt'] }))!;
    expect(f.rationale).toBe('server.pem looks like a credentials file (server.pem), which must never be handed in or committed.');
    expect(f.line).toBeUndefined();
  });

  it('lists ten hits, then counts the rest', async () => {
    const dir = await tempDir({ 'q1.txt': Array.from({ length: 12 }, () => keyId()).join('\n') });
    const f = (await scan(dir))!;
    const lines = f.actual!.split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[9]).toMatch(/^q1\.txt:10: /);
    expect(lines[10]).toBe('and 2 more');
  });

  it('passes clean files, binary files, and the example keys; fails a key inside a binary', async () => {
    const example = ['AKIA', 'IOSFODNN7', 'EXAM', 'PLE'].join('');
    const dir = await tempDir({
      'q1.txt': `use ${example} in examples\n`,
      'plot.png': Buffer.concat([Buffer.from([0x89, 0, 0]), randomBytes(5000)]),
    });
    expect(await scan(dir, {}, { required: ['q1.txt'], optional: ['plot.png'] })).toBeUndefined();
    const id = keyId();
    await writeFile(path.join(dir, 'model.pkl'), Buffer.concat([Buffer.from([0x80, 4, 0]), buf(id), Buffer.from([0])]));
    const f = (await scan(dir, {}, { required: ['q1.txt'], optional: ['model.pkl'] }))!;
    expect(f.rationale).toBe(`model.pkl:1 looks like an AWS access key id (${mask(id)}), which must never be handed in or committed.`);
  });

  it('scans every tracked file in the repository, and only tracked ones', async () => {
    const id = keyId();
    const repo = await makeRepo({ files: { 'A1/q1.txt': 'ok\n', 'lib/config.py': `KEY = "${id}"\n`, 'A0/.boto': '[Credentials]\n' } });
    await write(repo, { 'scratch/untracked.txt': keyId() });
    const a1 = path.join(repo.dir, 'A1');
    const f = (await scan(a1))!;
    expect(f.actual).toBe(`../A0/.boto: a credentials file (.boto)\n../lib/config.py:1: an AWS access key id (${mask(id)})`);
    expect(f.file).toBeUndefined(); // not in the assignment folder
    expect(everything(f)).not.toContain(id);
    expect(await scan(a1, { scope: 'submission' })).toBeUndefined();
  });

  it("scope 'repository' leaves out untracked answer files, 'both' includes them", async () => {
    const repo = await makeRepo({ files: { 'A1/q1.txt': 'ok\n' } });
    await write(repo, { 'A1/q2.txt': keyId() });
    const a1 = path.join(repo.dir, 'A1');
    const files = { required: ['q1.txt', 'q2.txt'] };
    expect(await scan(a1, { scope: 'repository' }, files)).toBeUndefined();
    expect((await scan(a1, { scope: 'both' }, files))!.file).toBe('q2.txt');
    await commit(repo, { 'A1/q2.txt': keyId() });
    expect((await scan(a1, { scope: 'repository' }, files))!.file).toBe('q2.txt');
  });

  it("outside git, scope 'repository' scans the submission", async () => {
    const dir = await tempDir({ 'q1.txt': pemBlock('OPENSSH PRIVATE KEY') });
    const f = (await scan(dir, { scope: 'repository' }))!;
    expect(f.rationale).toBe(
      `q1.txt:1 looks like a private key (${DASHES}BEGIN OPENSSH PRIVATE KEY${DASHES} (masked)), which must never be handed in or committed.`,
    );
    expect(f.actual).toBeUndefined(); // one hit: the sentence says it all
  });
});

describe('this repository', () => {
  it('holds nothing the scan would flag in its tracked files and in these files', async () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
    const mine = [
      'lib/git.ts',
      'lib/secrets.ts',
      'lib/checks/secrets.ts',
      'test/secrets.test.ts',
      'test/git.test.ts',
      'test/helpers/git.ts',
    ].concat(['git.repo', 'git.committed', 'git.clean', 'git.pushed', 'git.author', 'secrets.scan'].map((k) => `docs/checks/${k}.md`));
    const files = [...new Set([...(await new CloneGit(root).tracked()), ...mine])];
    const hits = [];
    for (const rel of files) {
      const body = await readFile(path.join(root, rel)).catch(() => undefined);
      if (body) hits.push(...scanBuffer(body, rel));
      const byName = scanName(rel);
      if (byName) hits.push(byName);
    }
    expect(hits).toEqual([]);
  });
});
