// SSH key fingerprints the way EC2 computes them, from a key file on the student's computer.
// EC2 shows a different fingerprint depending on how the key pair was made (docs: "Verify the
// fingerprint of your key pair"; API: KeyPairInfo.keyFingerprint):
//   - RSA, created by EC2: SHA-1 of the DER-encoded PKCS#8 private key, colon hex;
//   - RSA, imported: MD5, colon hex. The API reference says "RFC 4716 section 4" (MD5 of the SSH
//     wire-format public key, `ssh-keygen -E md5`), while EC2's own verification commands, and what
//     people observe, hash the DER SubjectPublicKeyInfo (`openssl pkey -pubout -outform DER |
//     openssl md5 -c`). We compute both and accept either;
//   - ED25519 (created or imported): SHA-256 of the SSH wire-format public key, base64, with the
//     `=` padding EC2 adds and ssh-keygen leaves off.
// Parsing is sshpk's (PEM, PKCS#1, PKCS#8, OpenSSH, PuTTY); the PKCS#8 DER is re-encoded by
// OpenSSL through node:crypto, so it is byte-for-byte what `openssl pkcs8 -topk8` hashes.
import { createHash, createPrivateKey } from 'node:crypto';
import type * as Sshpk from 'sshpk';

export interface Fingerprint {
  /** How EC2 would have computed it: created-rsa (SHA-1), imported-rsa (MD5, two variants), ed25519. */
  source: 'created-rsa' | 'imported-rsa' | 'imported-rsa-ssh' | 'ed25519';
  value: string;
}

export interface LocalKey {
  /** `rsa`, `ed25519`, `ecdsa`, … as sshpk names it. */
  type: string;
  /** The public key in OpenSSH form (`ssh-rsa AAAA…`), without comment. */
  sshPublic: string;
  fingerprints: Fingerprint[];
  /** The private key needs a passphrase (or the PuTTY file is encrypted). */
  encrypted: boolean;
  /** Where the public half came from: the private key itself, the `.pub` beside it, or a PuTTY file's public lines. */
  publicFrom: 'private' | 'pub' | 'ppk';
}

/** Why a key file could not be used; the check turns these into Failure or Skip. */
export class KeyProblem extends Error {
  override name = 'KeyProblem';
  constructor(
    readonly code: 'public-key' | 'not-a-key' | 'encrypted-no-public',
    message: string,
  ) {
    super(message);
  }
}

type SshpkModule = typeof Sshpk;
let sshpkModule: Promise<SshpkModule> | undefined;
/** sshpk is loaded only when a key is checked (it is CommonJS; the namespace is its default export). */
export function loadSshpk(): Promise<SshpkModule> {
  sshpkModule ??= import('sshpk').then((m) => ((m as unknown as { default?: SshpkModule }).default ?? m) as SshpkModule);
  return sshpkModule;
}

const colonHex = (b: Buffer) => (b.toString('hex').match(/../g) ?? []).join(':');
const digest = (algo: string, data: Buffer) => createHash(algo).update(data).digest();

/** Fingerprints compare case-insensitively, without a `SHA256:`/`MD5:` prefix or `=` padding. */
export function normalizeFingerprint(fp: string): string {
  const s = fp
    .trim()
    .replace(/^(SHA256|SHA1|MD5):/i, '')
    .replace(/=+$/, '');
  return /^[0-9a-f]{2}(:[0-9a-f]{2})+$/i.test(s) ? s.toLowerCase() : s;
}

export function sameFingerprint(a: string, b: string): boolean {
  return normalizeFingerprint(a) === normalizeFingerprint(b);
}

/**
 * Reads a private key file (`text`); `pub` is the `.pub` file beside it, if any, used when the
 * private key is encrypted. Throws KeyProblem for anything that is not a usable private key.
 */
export async function readLocalKey(text: Buffer, name: string, pub?: Buffer): Promise<LocalKey> {
  const sshpk = await loadSshpk();
  const head = text.subarray(0, 200).toString('latin1');
  if (/^\s*(ssh-(rsa|ed25519|dss)|ecdsa-sha2-\S+|sk-\S+)\s+AAAA/.test(head) || /-----BEGIN (RSA |SSH2 )?PUBLIC KEY-----/.test(head)) {
    throw new KeyProblem('public-key', `${name} holds a public key, not a private key`);
  }
  if (head.startsWith('PuTTY-User-Key-File-')) return fromPutty(sshpk, text, name);
  let priv: Sshpk.PrivateKey;
  try {
    priv = sshpk.parsePrivateKey(text, 'auto', { filename: name });
  } catch (e) {
    if ((e as Error).name !== 'KeyEncryptedError') throw new KeyProblem('not-a-key', `${name} is not a private key that ssh can read`);
    return fromEncrypted(sshpk, name, pub);
  }
  const key = priv.toPublic();
  const fps = publicFingerprints(key);
  if (priv.type === 'rsa') fps.unshift({ source: 'created-rsa', value: colonHex(digest('sha1', rsaPkcs8Der(priv))) });
  return {
    type: priv.type,
    sshPublic: key.toString('ssh').split(' ').slice(0, 2).join(' '),
    fingerprints: fps,
    encrypted: false,
    publicFrom: 'private',
  };
}

function fromEncrypted(sshpk: SshpkModule, name: string, pub?: Buffer): LocalKey {
  if (!pub) throw new KeyProblem('encrypted-no-public', `${name} is protected by a passphrase and there is no ${name}.pub beside it`);
  let key: Sshpk.Key;
  try {
    key = sshpk.parseKey(pub, 'auto', { filename: `${name}.pub` });
  } catch {
    throw new KeyProblem('encrypted-no-public', `${name} is protected by a passphrase and ${name}.pub is not a public key`);
  }
  return {
    type: key.type,
    sshPublic: key.toString('ssh').split(' ').slice(0, 2).join(' '),
    fingerprints: publicFingerprints(key),
    encrypted: true,
    publicFrom: 'pub',
  };
}

/** A PuTTY .ppk file carries its public key in clear; the private half may be encrypted. */
function fromPutty(sshpk: SshpkModule, text: Buffer, name: string): LocalKey {
  let key: Sshpk.Key;
  try {
    // Only the header and the public lines: the private lines are not needed (and may be encrypted).
    const lines = text.toString('latin1').split(/\r?\n/);
    const at = lines.findIndex((l) => /^Public-Lines:/i.test(l));
    const count = Number(/^Public-Lines:\s*(\d+)/i.exec(lines[at] ?? '')?.[1] ?? NaN);
    if (at < 0 || !Number.isInteger(count)) throw new Error('no public lines');
    key = sshpk.parseKey(lines.slice(0, at + 1 + count).join('\n') + '\n', 'putty', { filename: name });
  } catch {
    throw new KeyProblem('not-a-key', `${name} looks like a PuTTY key file but cannot be read`);
  }
  const encrypted = !/^Encryption:\s*none\s*$/m.test(text.toString('latin1'));
  return {
    type: key.type,
    sshPublic: key.toString('ssh').split(' ').slice(0, 2).join(' '),
    fingerprints: publicFingerprints(key),
    encrypted,
    publicFrom: 'ppk',
  };
}

/** The fingerprints EC2 may show that need only the public key. */
export function publicFingerprints(key: Sshpk.Key): Fingerprint[] {
  if (key.type === 'rsa') {
    return [
      { source: 'imported-rsa', value: colonHex(key.hash('md5', 'spki')) },
      { source: 'imported-rsa-ssh', value: colonHex(key.hash('md5', 'ssh')) },
    ];
  }
  // EC2 pads the base64 ("…=") where ssh-keygen does not; comparisons ignore the padding.
  return [{ source: 'ed25519', value: key.hash('sha256', 'ssh').toString('base64') }];
}

/**
 * The PKCS#8 DER of an RSA private key, as OpenSSL writes it. sshpk leaves the CRT exponents at
 * zero for keys read from OpenSSH's format (which does not store them), so they are recomputed
 * here and the key handed to OpenSSL as a JWK.
 */
function rsaPkcs8Der(priv: Sshpk.PrivateKey): Buffer {
  const parts = priv.part as unknown as Record<string, { data: Buffer }>;
  const big = (name: string) => BigInt('0x' + (parts[name].data.toString('hex') || '0'));
  const b64u = (n: bigint) => {
    let hex = n.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    return Buffer.from(hex, 'hex').toString('base64url');
  };
  const [n, e, d, p, q] = ['n', 'e', 'd', 'p', 'q'].map(big);
  const qi = big('iqmp');
  const jwk = {
    kty: 'RSA',
    n: b64u(n),
    e: b64u(e),
    d: b64u(d),
    p: b64u(p),
    q: b64u(q),
    dp: b64u(d % (p - 1n)),
    dq: b64u(d % (q - 1n)),
    qi: b64u(qi),
  };
  return createPrivateKey({ key: jwk, format: 'jwk' }).export({ type: 'pkcs8', format: 'der' });
}

/** True when AWS's public key material (OpenSSH form) is the same key as `local`. */
export async function samePublicKey(awsPublic: string, local: LocalKey): Promise<boolean> {
  const sshpk = await loadSshpk();
  try {
    const theirs = sshpk.parseKey(awsPublic, 'auto');
    const ours = sshpk.parseKey(local.sshPublic, 'ssh');
    return theirs.hash('sha256', 'ssh').equals(ours.hash('sha256', 'ssh'));
  } catch {
    return false;
  }
}

/** The local fingerprint in the same form as AWS's (for "expected/actual" in a failure). */
export function comparableFingerprint(awsFp: string, local: LocalKey): Fingerprint | undefined {
  const n = normalizeFingerprint(awsFp);
  const hexLen = /^[0-9a-f]{2}(:[0-9a-f]{2})+$/.test(n) ? (n.length + 1) / 3 : 0;
  if (hexLen === 20) return local.fingerprints.find((f) => f.source === 'created-rsa');
  if (hexLen === 16) return local.fingerprints.find((f) => f.source === 'imported-rsa');
  return local.fingerprints.find((f) => f.source === 'ed25519');
}

/** Does AWS's fingerprint match any fingerprint EC2 could have computed for this key? */
export function matchingFingerprint(awsFp: string, local: LocalKey): Fingerprint | undefined {
  return local.fingerprints.find((f) => sameFingerprint(f.value, awsFp));
}
