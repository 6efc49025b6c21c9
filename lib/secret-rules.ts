// What the secret scan looks for: one rule per credential format, as data. Each format is the one
// its issuer documents (a fixed prefix, an alphabet, a length); the rule ids follow gitleaks' rule
// set (MIT), which was the reference for the formats. Why these rules are written here and not
// vendored from gitleaks: docs/decisions/0008-secret-scan.md.
//
// Every pattern runs with V8's backtracking engine over hostile files of any size, so each one
// starts with a literal or a fixed character class and has bounded or unambiguous repetition:
// the scan stays linear in the file's length (test/secrets-corpus.test.ts times a hostile input).
//
// This file must not itself look like a secret to the scan: every prefix is written so that no
// rule matches its own source (the repository scan in test/secrets.test.ts checks it).

export type SecretType =
  | 'aws-access-key-id'
  | 'aws-secret-key'
  | 'aws-session-token'
  | 'private-key'
  | 'credentials-file'
  | 'github-token'
  | 'slack-token'
  | 'slack-webhook'
  | 'google-api-key'
  | 'stripe-key'
  | 'npm-token'
  | 'atlassian-token'
  | 'url-password'
  | 'password';

export interface SecretRule {
  /** Stable id (gitleaks' where it has one), for tests and for the decision record. */
  id: string;
  type: SecretType;
  /** Global. The secret is group `group` (default: the whole match). */
  re: RegExp;
  group?: number;
  /**
   * Characters of the token's alphabet: a match right after one is part of a longer token and
   * is skipped (checked by the scanner, not by a lookbehind, so that V8 can search for the
   * pattern's literal prefix; an escape such as \n in a JSON string counts as a boundary).
   */
  token?: RegExp;
  /**
   * Whether a match is a secret: `text` is the scan window (the match with at least
   * CONTEXT_CHARS around it), `at` where the secret starts in it.
   */
  accept?: (secret: string, text: string, at: number) => boolean;
  /** What a hit shows; default: mask(secret). */
  show?: (secret: string, match: RegExpExecArray) => string;
  /**
   * A cheap test a window must pass before `re` runs over it (not global): a rule whose `accept`
   * needs context nearby skips windows without it. Large files of data (a committed CSV) are
   * scanned at the speed of the rules with a literal prefix.
   */
  gate?: (text: string) => boolean;
}

/** Characters of context a rule may look at on each side of a match (the scan keeps this much overlap). */
export const CONTEXT_CHARS = 2048;

const ALNUM = 'A-Za-z0-9';
const B64 = 'A-Za-z0-9/+=';

/** Shannon entropy in bits per character: placeholders (xxxx, 0000, abcabc) score low. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}
const random = (min: number) => (s: string) => entropy(s) >= min;

// AWS's documented placeholders end in these; built in pieces so that this file holds neither.
const EXAMPLE = 'EXAM' + 'PLE';
const EXAMPLE_SECRET = EXAMPLE + 'KEY';

/** An access key id: the key-pair rule below looks for one near a bare 40-character secret. */
export const KEY_ID_RE = new RegExp(
  `(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|AKPA|A3T[A-Z0-9])[A-Z0-9]{16}(?![${ALNUM}])`,
  'g',
);

/** KEY_ID_RE for a yes-or-no test (not global: no lastIndex to keep). */
const KEY_ID_GATE = new RegExp(KEY_ID_RE.source);

// Words that put a 40-character token in an AWS context. Deliberately not "s3" or "aws" alone:
// in this course almost every answer mentions both.
const AWS_CONTEXT = /secret|boto|credential|access.?key|aws_|aws\.|AWS[A-Z_]|awscli|aws configure/i;
const keyIdNear = (text: string, at: number) => {
  const around = text.slice(Math.max(0, at - 1000), at + 1040);
  KEY_ID_RE.lastIndex = 0;
  for (const m of around.matchAll(KEY_ID_RE)) if (!m[0].endsWith(EXAMPLE)) return true;
  return false;
};

/**
 * A bare 40-character base64 token is an AWS secret key only when it looks random (upper, lower
 * and a digit; few slashes, unlike a path), and sits near an AWS context word (300 characters
 * before it, 100 after) or near an access key id (a pair, as in a notebook that sets both).
 */
function awsSecret(secret: string, text: string, at: number): boolean {
  if (secret.length !== 40 || secret.endsWith(EXAMPLE_SECRET)) return false;
  if (!/[A-Z]/.test(secret) || !/[a-z]/.test(secret) || !/[0-9]/.test(secret)) return false;
  if ((secret.match(/\//g)?.length ?? 0) > 3 || !random(4)(secret)) return false;
  const context = text.slice(Math.max(0, at - 300), at) + ' ' + text.slice(at + 40, at + 140);
  return AWS_CONTEXT.test(context) || keyIdNear(text, at);
}

// Values that stand for a password rather than being one.
const PLACEHOLDER =
  /^(?:x+|\*+|\.+|-+|_+)$|your|example|changeme|change_me|placeholder|password|passwd|secret|redacted|dummy|sample|[<>{}]|%\(|\$[A-Za-z_]/i;
const PATH = /^[\w.~-]*\/[\w./~-]*$/;
const realPassword = (v: string) => !PLACEHOLDER.test(v) && !PATH.test(v) && /[A-Za-z]/.test(v) && /[^A-Za-z]/.test(v) && entropy(v) >= 2.5;

export const RULES: SecretRule[] = [
  {
    id: 'aws-access-token',
    type: 'aws-access-key-id',
    re: KEY_ID_RE,
    token: /[A-Za-z0-9]/,
    accept: (s) => !s.endsWith(EXAMPLE),
  },
  {
    // Any 40-character token straight after a name that says "secret" (aws_secret_access_key,
    // SecretAccessKey, client_secret), with =, :, => and optional quotes, escaped ones included.
    id: 'aws-secret-key-assigned',
    type: 'aws-secret-key',
    re: new RegExp(String.raw`secret[\w.-]{0,40}?(?:\\?["'])?\]?\s*(?:=>|[:=,])\s*(?:\\?["'])?([A-Za-z0-9/+]{40})(?![${B64}])`, 'gi'),
    group: 1,
    accept: (s) => !s.endsWith(EXAMPLE_SECRET) && /[A-Z]/.test(s) && /[a-z]/.test(s),
  },
  {
    id: 'aws-secret-key-near',
    type: 'aws-secret-key',
    // Whole runs of the alphabet, each looked at once (a run starts after a character outside
    // it); only a run of exactly 40 can be a key.
    re: new RegExp(`(?:^|[^${B64}])([${B64}]{40,})`, 'g'),
    group: 1,
    token: /[A-Za-z0-9/+=]/,
    accept: awsSecret,
    // awsSecret needs an AWS word or a key id within 1 KB; the window holds 2 KB around its part.
    gate: (text) => AWS_CONTEXT.test(text) || KEY_ID_GATE.test(text),
  },
  {
    // STS session tokens start with the base64 of their fixed header (IQoJb3JpZ2luX2Vj for
    // today's tokens, FwoGZXIvYXdz for older ones), or follow a name that says so.
    id: 'aws-session-token',
    type: 'aws-session-token',
    re: new RegExp(
      String.raw`(?:(?:IQoJ|FwoG)[${B64}]{100,}|(?:session|security)_?token[\w.-]{0,10}?(?:\\?["'])?\]?\s*(?:=>|[:=,])\s*(?:\\?["'])?([${B64}]{100,}))`,
      'gi',
    ),
    group: 1,
    accept: (s, text, at) => /^(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdz)/.test(s) || /token/i.test(text.slice(Math.max(0, at - 40), at)),
  },
  {
    // A PEM private key (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP, plain PKCS#8), counted only when key
    // data follows (after headers such as Proc-Type, or after an escaped \n in a JSON string), so
    // that prose mentioning the header is left alone. PuTTY's .ppk text format too.
    id: 'private-key',
    type: 'private-key',
    re: /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----|PuTTY-User-Key-File-[23]: /g,
    accept: (header, text, at) => {
      const after = text.slice(at + header.length, at + header.length + 1000);
      if (header.startsWith('PuTTY')) return /Private-Lines: [0-9]+(?:\r?\n|\\r?\\n)[A-Za-z0-9+/=]{40}/.test(after);
      // Escaped newlines, and the quotes and commas between the strings of a notebook cell's lines.
      return /^(?:\s|\\[nr]|["',]|[A-Za-z-]+: [^\n\\]*(?:\\[nr]|\n))*[A-Za-z0-9+/=]{16}/.test(after.slice(0, 600));
    },
    show: (_s, m) => (m[1] ? `-----BEGIN ${m[1]}----- (masked)` : 'PuTTY private key (masked)'),
  },
  {
    id: 'github-pat',
    type: 'github-token',
    re: new RegExp(`gh[pousr]_[${ALNUM}]{36}(?![${ALNUM}])`, 'g'),
    token: /[A-Za-z0-9_]/,
    accept: (s) => random(3.5)(s.slice(4)),
  },
  {
    id: 'github-fine-grained-pat',
    type: 'github-token',
    re: new RegExp(`github_pat_[${ALNUM}_]{82}(?![${ALNUM}_])`, 'g'),
    token: /[A-Za-z0-9_]/,
    accept: (s) => random(3.5)(s.slice(11)),
  },
  {
    // Bot, user, app, refresh and config tokens: xox?- then numeric ids and a random tail.
    id: 'slack-token',
    type: 'slack-token',
    re: new RegExp(`(?:xox[abeoprs]|xapp)-[0-9]{1,13}-[${ALNUM}-]{10,250}`, 'g'),
    token: /[A-Za-z0-9]/,
    accept: (s) => /[0-9]{8}/.test(s) && random(3.5)(s),
  },
  {
    id: 'slack-webhook-url',
    type: 'slack-webhook',
    re: /hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/_-]{30,}/g,
    show: () => 'hooks.slack.com/… (masked)',
  },
  {
    id: 'gcp-api-key',
    type: 'google-api-key',
    re: new RegExp(`AIza[${ALNUM}_-]{35}(?![${ALNUM}_-])`, 'g'),
    token: /[A-Za-z0-9_-]/,
    accept: random(3.5),
  },
  {
    id: 'stripe-access-token',
    type: 'stripe-key',
    re: new RegExp(`(?:sk|rk)_(?:live|test|prod)_[${ALNUM}]{10,99}(?![${ALNUM}])`, 'g'),
    token: /[A-Za-z0-9]/,
    accept: (s) => random(3)(s.replace(/^[a-z]+_[a-z]+_/, '')),
  },
  {
    id: 'npm-access-token',
    type: 'npm-token',
    re: new RegExp(`npm_[${ALNUM}]{36}(?![${ALNUM}])`, 'g'),
    token: /[A-Za-z0-9_]/,
    accept: (s) => random(3.5)(s.slice(4)),
  },
  {
    // Bitbucket app passwords made since 2022 start with ATBB; Atlassian API tokens with ATATT3.
    id: 'bitbucket-app-password',
    type: 'atlassian-token',
    re: new RegExp(`(?:ATBB[${ALNUM}]{32}(?![${ALNUM}])|ATATT3[${ALNUM}_=-]{186})`, 'g'),
    token: /[A-Za-z0-9]/,
    accept: (s) => random(3.5)(s.slice(4)),
  },
  {
    // user:password@ in a git remote or clone URL (an old-style Bitbucket app password has no prefix).
    id: 'url-password',
    type: 'url-password',
    re: /https?:\/\/[^\s:/@"'\\]{1,64}:([^\s:/@"'\\]{8,128})@[A-Za-z0-9.-]+/g,
    group: 1,
    accept: realPassword,
  },
  {
    // password = "…", password: '…', "password": "…": a quoted literal of 8–64 characters that is
    // not a placeholder, a variable or a template. Unquoted values are left alone (too many are
    // references: password: ${DB_PASSWORD}, password=getpass()).
    id: 'generic-password',
    type: 'password',
    re: /pass(?:word|wd|phrase)(?:\\?["'])?\]?\s*(?:=>|:=|[:=])\s*(?:\\?(["']))([^"'\s\\]{8,64})\\?\1/gi,
    group: 2,
    accept: realPassword,
  },
];

/**
 * Byte strings at least one of which lies within a rule's reach whenever that rule can match: the
 * literal prefixes of the formats, and, for the rules that need a word nearby (secret, password,
 * token, credential, access key, AWS), the word in its usual spellings (all lower case, all upper
 * case, a capital first: the first letter is left out, so `ecret` covers secret and Secret). A
 * window without any is skipped by the scanner (secrets.ts). A word spelt in mixed case (sEcReT)
 * is the one thing this misses; the rules themselves would match it.
 */
export const ANCHORS: Buffer[] = [
  // AWS key ids (KEY_ID_RE), session tokens' fixed headers, private keys, service tokens.
  'AKIA',
  'ASIA',
  'ABIA',
  'ACCA',
  'AGPA',
  'AIDA',
  'AROA',
  'AIPA',
  'ANPA',
  'ANVA',
  'AKPA',
  'A3T',
  'IQoJ',
  'FwoG',
  '-----BEGIN',
  'PuTTY-User-Key-File-',
  'ghp_',
  'gho_',
  'ghu_',
  'ghs_',
  'ghr_',
  'github_pat_',
  'xox',
  'xapp-',
  'hooks.slack.com',
  'AIza',
  '_live_',
  '_test_',
  '_prod_',
  'npm_',
  'ATBB',
  'ATATT3',
  // A password in a URL.
  '://',
  // The words the rules (and the AWS context of a bare secret key) look for.
  'ecret',
  'ECRET',
  'ession',
  'ESSION',
  'ecurity',
  'ECURITY',
  'assword',
  'ASSWORD',
  'asswd',
  'ASSWD',
  'assphrase',
  'ASSPHRASE',
  'redential',
  'REDENTIAL',
  'ccess',
  'CCESS',
  'oto',
  'OTO',
  'aws',
  'AWS',
  'Aws',
].map((a) => Buffer.from(a, 'latin1'));
