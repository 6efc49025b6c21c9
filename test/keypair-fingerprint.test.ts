// EC2's key pair fingerprints, computed by lib/aws/keyfp.ts from real keys made with ssh-keygen and
// openssl, and checked against what those tools compute independently.
import { describe, expect, it, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './helpers/fixture.js';
import {
  readLocalKey,
  KeyProblem,
  sameFingerprint,
  normalizeFingerprint,
  samePublicKey,
  comparableFingerprint,
  matchingFingerprint,
  type LocalKey,
} from '../lib/aws/keyfp.js';

let dir: string;
const file = (name: string) => path.join(dir, name);
const sh = (cmd: string, args: string[], input?: Buffer) => execFileSync(cmd, args, { cwd: dir, input, stdio: ['pipe', 'pipe', 'pipe'] });
const keygen = (name: string, ...args: string[]) => sh('ssh-keygen', ['-q', '-C', 'test@example', '-f', file(name), ...args]);
/** "SHA1(stdin)= ab:cd:…" → "ab:cd:…" */
const opensslDigest = (out: Buffer) => out.toString().trim().split('= ').pop()!;

/** What EC2 shows for an RSA key pair it created: SHA-1 of the PKCS#8 DER private key. */
function awsCreatedRsa(pemFile: string): string {
  const der = sh('openssl', ['pkcs8', '-topk8', '-nocrypt', '-outform', 'DER', '-in', pemFile]);
  return opensslDigest(sh('openssl', ['sha1', '-c'], der));
}
/** MD5 of the DER public key: EC2's documented command for imported RSA keys. */
function awsImportedRsa(pemFile: string): string {
  const der = sh('openssl', ['pkey', '-pubout', '-outform', 'DER', '-in', pemFile]);
  return opensslDigest(sh('openssl', ['md5', '-c'], der));
}
/** `ssh-keygen -E md5 -l`: the RFC 4716 MD5 fingerprint of the public key. */
function sshKeygenFp(pubFile: string, hash: 'md5' | 'sha256'): string {
  return sh('ssh-keygen', ['-E', hash, '-l', '-f', pubFile])
    .toString()
    .split(' ')[1]
    .replace(/^(MD5|SHA256):/, '');
}
/** A PEM copy of an OpenSSH-format key, for openssl (ssh-keygen -p rewrites it in PEM). */
function pemCopy(name: string): string {
  copyFileSync(file(name), file(`${name}.pem-copy`));
  sh('ssh-keygen', ['-q', '-p', '-N', '', '-m', 'PEM', '-f', file(`${name}.pem-copy`)]);
  return file(`${name}.pem-copy`);
}
const load = async (name: string, withPub = false): Promise<LocalKey> =>
  readLocalKey(readFileSync(file(name)), name, withPub ? readFileSync(file(`${name}.pub`)) : undefined);
const fp = (k: LocalKey, source: string) => k.fingerprints.find((f) => f.source === source)?.value;

beforeAll(async () => {
  dir = await tempDir({}, 'harness-keyfp-');
  keygen('rsa-pem', '-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', '');
  keygen('rsa-openssh', '-t', 'rsa', '-b', '2048', '-N', '');
  keygen('ed', '-t', 'ed25519', '-N', '');
  keygen('rsa-enc', '-t', 'rsa', '-b', '2048', '-N', 'secret passphrase');
  keygen('rsa-pem-enc', '-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', 'secret passphrase');
  keygen('ed-enc', '-t', 'ed25519', '-N', 'secret passphrase');
  // A PKCS#8 key as openssl writes it ("BEGIN PRIVATE KEY"), with its public half from ssh-keygen.
  sh('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', file('rsa-pkcs8')]);
  writeFileSync(file('rsa-pkcs8.pub'), sh('ssh-keygen', ['-y', '-f', file('rsa-pkcs8')]));
}, 60_000);

describe('RSA fingerprints agree with openssl and ssh-keygen', () => {
  it.each(['rsa-pem', 'rsa-openssh', 'rsa-pkcs8'])('%s', async (name) => {
    const key = await load(name);
    const pem = name === 'rsa-openssh' ? pemCopy(name) : file(name);
    expect(key.type).toBe('rsa');
    expect(key.encrypted).toBe(false);
    expect(key.publicFrom).toBe('private');
    expect(fp(key, 'created-rsa')).toBe(awsCreatedRsa(pem));
    expect(fp(key, 'imported-rsa')).toBe(awsImportedRsa(pem));
    expect(fp(key, 'imported-rsa-ssh')).toBe(sshKeygenFp(file(`${name}.pub`), 'md5'));
    // The two MD5 variants really differ, so accepting both is not accepting anything.
    expect(fp(key, 'imported-rsa')).not.toBe(fp(key, 'imported-rsa-ssh'));
    expect(key.sshPublic).toBe(
      readFileSync(file(`${name}.pub`), 'utf8')
        .trim()
        .split(' ')
        .slice(0, 2)
        .join(' '),
    );
  });

  it('a key from the same file in another format has the same fingerprints', async () => {
    const a = await load('rsa-openssh');
    const b = await readLocalKey(readFileSync(pemCopy('rsa-openssh')), 'copy');
    expect(b.fingerprints).toEqual(a.fingerprints);
  });
});

describe('ED25519', () => {
  it('is the base64 SHA-256 of the public key, padded as EC2 shows it', async () => {
    const key = await load('ed');
    const value = fp(key, 'ed25519')!;
    expect(value).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(value.replace(/=$/, '')).toBe(sshKeygenFp(file('ed.pub'), 'sha256'));
    expect(key.fingerprints.map((f) => f.source)).toEqual(['ed25519']);
  });
});

describe('encrypted keys', () => {
  it.each(['rsa-enc', 'rsa-pem-enc', 'ed-enc'])('%s: the public half comes from the .pub beside it', async (name) => {
    const key = await load(name, true);
    expect(key.encrypted).toBe(true);
    expect(key.publicFrom).toBe('pub');
    expect(key.fingerprints.some((f) => f.source === 'created-rsa')).toBe(false);
    if (name.startsWith('ed')) expect(fp(key, 'ed25519')!.replace(/=$/, '')).toBe(sshKeygenFp(file(`${name}.pub`), 'sha256'));
    else expect(fp(key, 'imported-rsa-ssh')).toBe(sshKeygenFp(file(`${name}.pub`), 'md5'));
  });

  it('without a .pub it is a KeyProblem', async () => {
    await expect(load('rsa-enc')).rejects.toMatchObject({ name: 'KeyProblem', code: 'encrypted-no-public' });
    await expect(readLocalKey(readFileSync(file('ed-enc')), 'ed-enc', Buffer.from('not a key'))).rejects.toMatchObject({
      code: 'encrypted-no-public',
    });
  });
});

describe('files that are not private keys', () => {
  it('a public key', async () => {
    await expect(readLocalKey(readFileSync(file('ed.pub')), 'ed.pub')).rejects.toMatchObject({ code: 'public-key' });
    const pemPub = sh('openssl', ['pkey', '-pubout', '-in', file('rsa-pkcs8')]);
    await expect(readLocalKey(pemPub, 'pub.pem')).rejects.toMatchObject({ code: 'public-key' });
  });
  it('text, an empty file, a certificate request', async () => {
    for (const body of ['hello\n', '', '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n']) {
      const e = await readLocalKey(Buffer.from(body), 'x').catch((x) => x);
      expect(e).toBeInstanceOf(KeyProblem);
      expect(e.code).toBe('not-a-key');
    }
  });
});

describe('PuTTY key files', () => {
  it('reads the public lines (the private lines may be encrypted)', async () => {
    const blob = readFileSync(file('ed.pub'), 'utf8').split(' ')[1];
    const lines = blob.match(/.{1,64}/g)!;
    const ppk = (enc: string) =>
      `PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: ${enc}\nComment: test\nPublic-Lines: ${lines.length}\n${lines.join('\n')}\nPrivate-Lines: 1\nAAAAIGZha2U=\nPrivate-MAC: 00\n`;
    const plain = await readLocalKey(Buffer.from(ppk('none')), 'k.ppk');
    expect(plain).toMatchObject({ type: 'ed25519', publicFrom: 'ppk', encrypted: false });
    expect(fp(plain, 'ed25519')!.replace(/=$/, '')).toBe(sshKeygenFp(file('ed.pub'), 'sha256'));
    expect((await readLocalKey(Buffer.from(ppk('aes256-cbc')), 'k.ppk')).encrypted).toBe(true);
  });
});

describe('comparing with what AWS returns', () => {
  it('normalizes case, prefixes and padding', () => {
    expect(normalizeFingerprint('AB:CD:EF:01')).toBe('ab:cd:ef:01');
    expect(sameFingerprint('SHA256:abcDEF=', 'abcDEF')).toBe(true);
    expect(sameFingerprint('abcDEF', 'abcdef')).toBe(false); // base64 is case-sensitive
    expect(sameFingerprint('MD5:AA:BB', 'aa:bb')).toBe(true);
  });

  it('matches a fingerprint of any origin, and picks the comparable one for messages', async () => {
    const key = await load('rsa-pem');
    const created = awsCreatedRsa(file('rsa-pem')).toUpperCase();
    expect(matchingFingerprint(created, key)?.source).toBe('created-rsa');
    expect(matchingFingerprint(awsImportedRsa(file('rsa-pem')), key)?.source).toBe('imported-rsa');
    const other = await load('rsa-openssh');
    expect(matchingFingerprint(fp(other, 'created-rsa')!, key)).toBeUndefined();
    expect(comparableFingerprint(fp(other, 'created-rsa')!, key)?.source).toBe('created-rsa');
    expect(comparableFingerprint(fp(other, 'imported-rsa')!, key)?.source).toBe('imported-rsa');
    expect(comparableFingerprint('NRwCuEd3VWLTTbveQWRTo8sAzXDEKZca1FiwfBqShy8=', await load('ed'))?.source).toBe('ed25519');
  });

  it('compares public key material', async () => {
    const key = await load('rsa-pem');
    expect(await samePublicKey(readFileSync(file('rsa-pem.pub'), 'utf8'), key)).toBe(true);
    expect(await samePublicKey(readFileSync(file('rsa-openssh.pub'), 'utf8'), key)).toBe(false);
    expect(await samePublicKey('garbage', key)).toBe(false);
  });
});
