// A scanner for things that must never be handed in or committed: cloud and service credentials,
// private keys, and credentials files (by name). The rules are in secret-rules.ts; this file reads
// bytes of any encoding and size. No I/O except scanFile; the secrets.scan check and `submit`
// call these, and a scan of git history can feed blobs to scanBuffer or createScanner.
//
// Bytes, not text: UTF-16 (LE or BE, with or without a byte-order mark) is decoded as such; any
// other file, UTF-8 text and binaries alike, is read one byte per character (latin1), which keeps
// every ASCII secret intact, never splits a character at a chunk edge, and finds keys embedded in
// a binary (a pickle, a .pyc, a database file). The whole file is scanned, in windows of
// WINDOW_CHARS with CONTEXT_CHARS of overlap on each side: memory stays flat however large it is.
//
// This file must not itself look like a secret to the scan.
import { open } from 'node:fs/promises';
import path from 'node:path';
import { ANCHORS, CONTEXT_CHARS, RULES, type SecretType } from './secret-rules.js';

export type { SecretType } from './secret-rules.js';

export interface SecretHit {
  /** The name the caller passed (a path relative to the assignment folder or the repository). */
  file: string;
  /** 1-based line; 0 when the whole file is the problem (a credentials file by its name). */
  line: number;
  type: SecretType;
  /** Safe to print: never holds the whole secret. */
  masked: string;
}

/**
 * @deprecated scanBuffer, createScanner and scanFile scan everything they are given. Kept (as
 * "no limit") so that a caller that capped its reads at it now reads whole files.
 */
export const MAX_SCAN_BYTES = Number.MAX_SAFE_INTEGER;
/** Leading bytes looked at to tell UTF-16 and binaries from other text. */
export const BINARY_SNIFF_BYTES = 8192;
/** Characters scanned at once; a window holds this plus twice CONTEXT_CHARS. */
export const WINDOW_CHARS = 1 << 20;
/** Bytes read from a file at once. */
const READ_BYTES = 1 << 20;

/**
 * Safe to print: all stars up to 8 characters, the first 2 up to 19 (a password), else the first 4
 * and last 2: `AKIA**************Q7`.
 */
export function mask(secret: string): string {
  if (secret.length <= 8) return '*'.repeat(secret.length);
  if (secret.length < 20) return secret.slice(0, 2) + '*'.repeat(secret.length - 2);
  return secret.slice(0, 4) + '*'.repeat(secret.length - 6) + secret.slice(-2);
}
export { mask as maskSecret };

/** A NUL byte among the first BINARY_SNIFF_BYTES (UTF-16 text has them too: see encodingOf). */
export function isBinary(buf: Uint8Array): boolean {
  return buf.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}

type Encoding = 'utf16le' | 'utf16be' | 'bytes';

/** UTF-16 by its byte-order mark, or by NULs in every other byte of mostly-ASCII text; else bytes. */
export function encodingOf(head: Uint8Array): { encoding: Encoding; skip: number } {
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf16le', skip: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf16be', skip: 2 };
  const n = Math.min(head.length, BINARY_SNIFF_BYTES) & ~1;
  if (n >= 8) {
    let even = 0;
    let odd = 0;
    for (let i = 0; i < n; i += 2) {
      if (head[i] === 0) even++;
      if (head[i + 1] === 0) odd++;
    }
    const pairs = n / 2;
    if (odd > pairs * 0.6 && even < pairs * 0.05) return { encoding: 'utf16le', skip: 0 };
    if (even > pairs * 0.6 && odd < pairs * 0.05) return { encoding: 'utf16be', skip: 0 };
  }
  return { encoding: 'bytes', skip: 0 };
}

export interface Scanner {
  /** Feeds the next bytes of the file. */
  write(chunk: Uint8Array): void;
  /** Ends the file; returns every hit, in file order. */
  end(): SecretHit[];
}

/** A streaming scan of one file's bytes: write chunks of any size, then end(). */
export function createScanner(name: string): Scanner {
  let head: Buffer[] | undefined = []; // bytes held until the encoding is known
  let headBytes = 0;
  let encoding: Encoding = 'bytes';
  let odd: Buffer | undefined; // a UTF-16 byte left over from the last chunk
  let text = ''; // the window: text[0] is at file offset `base`
  let linesBefore = 0; // newlines before `base`
  let settled = 0; // offset in `text` before which every match has been judged
  const hits: { at: number; hit: SecretHit }[] = [];
  const seen = new Set<string>();

  const decode = (buf: Buffer): string => {
    if (encoding === 'bytes') return buf.toString('latin1');
    if (odd) {
      buf = Buffer.concat([odd, buf]);
      odd = undefined;
    }
    if (buf.length & 1) {
      odd = buf.subarray(buf.length - 1);
      buf = buf.subarray(0, buf.length - 1);
    }
    if (encoding === 'utf16be') buf = Buffer.from(buf).swap16();
    return buf.toString('utf16le');
  };

  /** Judges matches that start before `limit` (all of them at the end of the file). */
  const scan = (limit: number) => {
    const found: { at: number; type: SecretType; masked: string }[] = [];
    for (const rule of RULES) {
      if (rule.gate && !rule.gate(text)) continue;
      for (const m of text.matchAll(rule.re)) {
        let secret = (rule.group !== undefined ? m[rule.group] : undefined) ?? m[0];
        let at = m.index! + (secret === m[0] ? 0 : m[0].lastIndexOf(secret));
        if (rule.token) {
          // The letter of an escape (\n in a JSON string or a notebook cell) is not part of a token.
          if (text[at - 1] === '\\' && 'nrt'.includes(secret[0]) && rule.token.test(secret[0])) {
            secret = secret.slice(1);
            at++;
          }
          const prev = text[at - 1];
          if (prev !== undefined && rule.token.test(prev) && !(text[at - 2] === '\\' && 'nrt'.includes(prev))) continue;
        }
        if (at < settled || at >= limit) continue;
        if (rule.accept && !rule.accept(secret, text, at)) continue;
        found.push({ at, type: rule.type, masked: rule.show ? rule.show(secret, m as RegExpExecArray) : mask(secret) });
      }
    }
    found.sort((a, b) => a.at - b.at);
    // Line numbers in one pass over the window.
    let line = linesBefore + 1;
    let pos = 0;
    for (const f of found) {
      for (let i = text.indexOf('\n', pos); i !== -1 && i < f.at; i = text.indexOf('\n', i + 1)) {
        line++;
        pos = i + 1;
      }
      const key = `${f.type}\0${line}\0${f.masked}`;
      if (seen.has(key)) continue; // two rules, one secret
      seen.add(key);
      hits.push({ at: f.at, hit: { file: name, line, type: f.type, masked: f.masked } });
    }
    settled = limit;
  };

  const push = (s: string) => {
    text += s;
    if (text.length < WINDOW_CHARS + 2 * CONTEXT_CHARS) return;
    scan(text.length - CONTEXT_CHARS);
    // Keep CONTEXT_CHARS before the unsettled part, for rules that look behind.
    const cut = settled - CONTEXT_CHARS;
    for (let i = text.indexOf('\n'); i !== -1 && i < cut; i = text.indexOf('\n', i + 1)) linesBefore++;
    text = text.slice(cut);
    settled -= cut;
  };

  // Files read a byte per character (all but UTF-16) are windowed as bytes, and a window is
  // decoded and judged only when it holds one of the rules' anchors (ANCHORS): a committed data
  // set of 100 MB is searched at the speed of memchr, not decoded and run through every rule.
  let raw: Buffer = Buffer.alloc(0); // the window's bytes: raw[0] is at the same offset as text[0]
  const judgeBytes = (limit: number) => {
    if (interesting(raw)) {
      text = raw.toString('latin1');
      scan(limit);
      text = '';
    } else settled = limit;
  };
  const pushBytes = (b: Buffer) => {
    raw = raw.length ? Buffer.concat([raw, b]) : Buffer.from(b);
    if (raw.length < WINDOW_CHARS + 2 * CONTEXT_CHARS) return;
    judgeBytes(raw.length - CONTEXT_CHARS);
    const cut = settled - CONTEXT_CHARS;
    for (let i = raw.indexOf(10); i !== -1 && i < cut; i = raw.indexOf(10, i + 1)) linesBefore++;
    raw = raw.subarray(cut);
    settled -= cut;
  };

  const start = () => {
    const all = Buffer.concat(head!);
    head = undefined;
    const e = encodingOf(all);
    encoding = e.encoding;
    if (encoding === 'bytes') pushBytes(all.subarray(e.skip));
    else push(decode(all.subarray(e.skip)));
  };

  return {
    write(chunk) {
      const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (head) {
        head.push(Buffer.from(buf)); // a copy: the caller may reuse its buffer
        headBytes += buf.length;
        if (headBytes >= BINARY_SNIFF_BYTES) start();
        return;
      }
      if (encoding === 'bytes') pushBytes(buf);
      else push(decode(buf));
    },
    end() {
      if (head) start();
      if (encoding === 'bytes') judgeBytes(raw.length);
      else scan(text.length);
      text = '';
      raw = Buffer.alloc(0);
      return hits.map((h) => h.hit);
    },
  };
}

/**
 * Whether a window of bytes may hold a match of some rule: it holds one of ANCHORS. Found with
 * Buffer.indexOf (memchr speed); a window with none is not decoded or matched at all.
 */
function interesting(buf: Buffer): boolean {
  for (const a of ANCHORS) if (buf.indexOf(a) !== -1) return true;
  return false;
}

/** Every secret in `buf`, of any size, in file order. */
export function scanBuffer(buf: Uint8Array, name: string): SecretHit[] {
  const s = createScanner(name);
  for (let i = 0; i < buf.length; i += READ_BYTES) s.write(buf.subarray(i, i + READ_BYTES));
  return s.end();
}

/**
 * Every secret in a file, read in chunks. `onChunk` sees the same bytes (submit hashes them in the
 * same pass). Returns the file's size too.
 */
export async function scanFile(
  abs: string,
  name: string,
  onChunk?: (chunk: Buffer) => void,
): Promise<{ hits: SecretHit[]; bytes: number }> {
  const s = createScanner(name);
  const fh = await open(abs, 'r');
  try {
    const chunk = Buffer.allocUnsafe(READ_BYTES);
    let bytes = 0;
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, bytes);
      if (bytesRead === 0) break;
      const part = chunk.subarray(0, bytesRead);
      onChunk?.(part);
      s.write(part);
      bytes += bytesRead;
    }
    return { hits: s.end(), bytes };
  } finally {
    await fh.close();
  }
}

/** Names that are credentials whatever they hold (compared without regard to case). */
const CREDENTIAL_NAMES = new Set([
  '.boto',
  'credentials',
  'id_rsa',
  'id_dsa',
  'id_ecdsa',
  'id_ed25519',
  'rootkey.csv',
  'accesskeys.csv',
  'credentials.csv',
]);
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

const DESCRIBED: Record<SecretType, string> = {
  'aws-access-key-id': 'an AWS access key id',
  'aws-secret-key': 'an AWS secret access key',
  'aws-session-token': 'an AWS session token',
  'private-key': 'a private key',
  'credentials-file': 'a credentials file',
  'github-token': 'a GitHub token',
  'slack-token': 'a Slack token',
  'slack-webhook': 'a Slack webhook URL',
  'google-api-key': 'a Google API key',
  'stripe-key': 'a Stripe key',
  'npm-token': 'an npm token',
  'atlassian-token': 'a Bitbucket app password or Atlassian token',
  'url-password': 'a password in a URL',
  password: 'a password',
};

/** "an AWS access key id", for sentences. */
export function describeSecret(type: SecretType): string {
  return DESCRIBED[type] ?? 'a secret';
}
