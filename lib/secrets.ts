// A pure scanner for things that must never be handed in or committed: AWS access key ids, AWS
// secret access keys, private key blocks, and credentials files (by name). No I/O here; the
// secrets.scan check and `submit` read the files and call these.
//
// This file must not itself look like a secret to the scan: no literal key, and no private key
// header followed by key data.
import path from 'node:path';

export type SecretType = 'aws-access-key-id' | 'aws-secret-key' | 'private-key' | 'credentials-file';

export interface SecretHit {
  /** The name the caller passed (a path relative to the assignment folder or the repository). */
  file: string;
  /** 1-based line; 0 when the whole file is the problem (a credentials file by its name). */
  line: number;
  type: SecretType;
  /** Safe to print: never holds the whole secret. */
  masked: string;
}

/** Only this much of a file is scanned; keys sit near the top of the files that hold them. */
export const MAX_SCAN_BYTES = 4 * 1024 * 1024;
/** A NUL byte in this many leading bytes means a binary file, which is not scanned. */
export const BINARY_SNIFF_BYTES = 8192;

const KEY_ID = /(?<![A-Za-z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|AKPA)[A-Z0-9]{16}(?![A-Za-z0-9])/g;
// A 40-character base64 token counts only next to a name that says "secret": key = value,
// key: value, "Key": "value", with optional quotes and `=>`. The match starts at "secret" itself
// (aws_secret_access_key, SecretAccessKey, client_secret): a leading [\w]* would make the regex
// quadratic on a long run of word characters.
const SECRET_KEY = /secret[A-Za-z0-9_.-]*["']?\s*(?:=>|[:=])\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi;
// The header of a PEM private key (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP, or plain PKCS#8),
// counted only when key data follows (directly, after headers such as Proc-Type, or after a
// literal \n inside a JSON string), so that prose mentioning the header is left alone.
const PRIVATE_KEY = /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----/g;
const KEY_BODY = /^(?:\s|\\n|\\r)*(?:[A-Za-z-]+: [^\n]*\n|\s)*[A-Za-z0-9+/=]{16}/;

/**
 * AWS's documented placeholders (the ones its docs and the AWS CLI's examples quote), built in
 * pieces so that this file does not hold them: any key id ending in EXAMPLE and any secret ending
 * in EXAMPLEKEY is ignored, which covers both of AWS's published example pairs.
 */
const EXAMPLE_ID_SUFFIX = 'EXAM' + 'PLE';
const EXAMPLE_SECRET_SUFFIX = EXAMPLE_ID_SUFFIX + 'KEY';

/** Keeps the first 4 and last 2 characters: `AKIA**************Q7`. */
export function mask(secret: string): string {
  if (secret.length <= 8) return '*'.repeat(secret.length);
  return secret.slice(0, 4) + '*'.repeat(secret.length - 6) + secret.slice(-2);
}

export function isBinary(buf: Uint8Array): boolean {
  return buf.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}

/** Every secret in `buf` (up to MAX_SCAN_BYTES), in order; nothing for a binary file. */
export function scanBuffer(buf: Buffer, name: string): SecretHit[] {
  if (isBinary(buf)) return [];
  const text = buf.subarray(0, MAX_SCAN_BYTES).toString('utf8');
  const hits: SecretHit[] = [];
  const lineOf = lineCounter(text);
  for (const m of text.matchAll(KEY_ID)) {
    if (m[0].endsWith(EXAMPLE_ID_SUFFIX)) continue;
    hits.push({ file: name, line: lineOf(m.index!), type: 'aws-access-key-id', masked: mask(m[0]) });
  }
  for (const m of text.matchAll(SECRET_KEY)) {
    const token = m[1];
    if (token.endsWith(EXAMPLE_SECRET_SUFFIX)) continue;
    // A word, a path or a hex digest is not a key: real secret keys mix upper and lower case.
    if (!/[A-Z]/.test(token) || !/[a-z]/.test(token)) continue;
    const at = m.index! + m[0].length - token.length;
    hits.push({ file: name, line: lineOf(at), type: 'aws-secret-key', masked: mask(token) });
  }
  for (const m of text.matchAll(PRIVATE_KEY)) {
    const after = text.slice(m.index! + m[0].length, m.index! + m[0].length + 400);
    if (!KEY_BODY.test(after)) continue;
    hits.push({ file: name, line: lineOf(m.index!), type: 'private-key', masked: `-----BEGIN ${m[1]}----- (masked)` });
  }
  return hits.sort((a, b) => a.line - b.line);
}

/** Names that are credentials whatever they hold (compared without regard to case). */
const CREDENTIAL_NAMES = new Set(['.boto', 'credentials', 'id_rsa', 'id_dsa', 'id_ecdsa', 'id_ed25519', 'rootkey.csv', 'accesskeys.csv', 'credentials.csv']);
const CREDENTIAL_EXTS = new Set(['.pem', '.ppk']);

/**
 * A hit when the file's name alone marks it as credentials: `*.pem`, `*.ppk`, `.boto`,
 * `credentials` in any folder (as in ~/.aws/credentials), SSH private keys `id_rsa` and friends
 * (their `.pub` halves are fine), and the CSV files the IAM console downloads
 * (`rootkey.csv`, `credentials.csv`, `<user>_accessKeys.csv`, `<user>_credentials.csv`).
 * `.env` is not on the list: many hold no secret, and its contents are scanned like any file.
 */
export function scanName(file: string): SecretHit | undefined {
  const base = path.posix.basename(file.replace(/\\/g, '/')).toLowerCase();
  const csv = /(?:^|_)(?:accesskeys|credentials)\.csv$/.test(base);
  if (CREDENTIAL_NAMES.has(base) || CREDENTIAL_EXTS.has(path.posix.extname(base)) || csv) {
    return { file, line: 0, type: 'credentials-file', masked: path.posix.basename(file.replace(/\\/g, '/')) };
  }
  return undefined;
}

/** "an AWS access key id", for sentences. */
export function describeSecret(type: SecretType): string {
  switch (type) {
    case 'aws-access-key-id':
      return 'an AWS access key id';
    case 'aws-secret-key':
      return 'an AWS secret access key';
    case 'private-key':
      return 'a private key';
    default:
      return 'a credentials file';
  }
}

/** Maps a string offset to a 1-based line number; finds the line starts only once there is a hit. */
function lineCounter(text: string): (offset: number) => number {
  let starts: number[] | undefined;
  return (offset) => {
    if (!starts) {
      starts = [0];
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    }
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
