import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../lib/errors.js';
import { loadCourse } from '../lib/course.js';
import { ConfigSyntaxError, configToEntries, loadIdentity, parseConfig, validateIdentity } from '../lib/usercfg.js';
import { tempDir, testCourse } from './helpers/fixture.js';

const PYTHON = process.env.HARNESS_PYTHON ?? 'python3';
const REPO = fileURLToPath(new URL('..', import.meta.url));

// Reads each file as the old validator did (configparser.ConfigParser() defaults), with the
// utf-8-sig codec so a byte-order mark is dropped, and prints every section with interpolated values.
const PY = `
import configparser, json, sys
out = []
for p in sys.argv[1:]:
    cp = configparser.ConfigParser()
    try:
        with open(p, encoding='utf-8-sig') as f:
            cp.read_file(f, p)
        out.append({'ok': [[s, [[k, v] for k, v in cp[s].items()]] for s in cp]})
    except configparser.Error as e:
        line = getattr(e, 'lineno', None)
        if line is None and getattr(e, 'errors', None):
            line = e.errors[0][0]
        out.append({'error': type(e).__name__, 'line': line})
print(json.dumps(out))
`;

type Outcome = { ok: [string, [string, string][]][] } | { error: string; line: number | null };

function mine(text: string): Outcome {
  try {
    return { ok: configToEntries(parseConfig(text)) };
  } catch (e) {
    if (!(e instanceof ConfigSyntaxError)) throw e;
    return { error: e.code, line: e.code.startsWith('Interpolation') ? null : e.line };
  }
}

const TEMPLATE = '[USER]\nname: Pat Student\nemail: pat@georgetown.edu\n';

/** a0 refers to a1, ... to a<n>: configparser allows 10 levels. */
const chain = (n: number) => `[USER]\n${Array.from({ length: n }, (_, i) => `a${i}: %(a${i + 1})s\n`).join('')}a${n}: end\n`;

/** Hand-picked inputs, each probing one configparser rule. */
const CASES: Record<string, string> = {
  template: TEMPLATE,
  crlf: TEMPLATE.replace(/\n/g, '\r\n'),
  'cr only': TEMPLATE.replace(/\n/g, '\r'),
  bom: '\uFEFF' + TEMPLATE,
  'no final newline': '[USER]\nemail: a1@x.edu',
  'equals and spaces': '[USER]\n  email   =   a1@x.edu   \nname=Ada\n',
  'keys lower-cased': '[USER]\nEMAIL: a1@x.edu\nName: Ada\n',
  'first delimiter wins': '[USER]\na:b=c\nd=e:f\nurl: http://x.edu:80/a\n',
  'inline # is not a comment': '[USER]\nemail: a1@x.edu # mine\nname: Ada ; Byron\n',
  'comment lines': '# top\n; top\n[USER]\n  # indented\n\t; tab\nemail: a1@x.edu\n',
  'comment before header': '# edit me\n\n[USER]\nemail: a1@x.edu\n',
  continuation: '[USER]\nname: Ada\n  Byron\n\tKing\nemail: a1@x.edu\n',
  'blank lines in value': '[USER]\nname: Ada\n\n  Byron\n\n\nemail: a1@x.edu\n\n\n',
  'comment inside value': '[USER]\nname: Ada\n  # not part\n  Byron\n',
  'empty first line of value': '[USER]\nname:\n  Ada\n  Byron\n',
  'indented key then less': '[USER]\n  name: Ada\nemail: a1@x.edu\n',
  'indented header first': '  [USER]\nemail: a1@x.edu\n',
  'indented header after option is a continuation': '[USER]\nemail: a1@x.edu\n  [OTHER]\n  x: 1\n',
  'header junk after bracket': '[USER] trailing\nemail: a1@x.edu\n',
  'bracket inside header': '[a]b]\nx: 1\n',
  'spaces in header': '[ USER ]\nemail: a1@x.edu\n',
  'sections case-sensitive': '[USER]\nemail: a1@x.edu\n[user]\nemail: b2@x.edu\n',
  'empty value': '[USER]\nname:\nemail =\n',
  'key with spaces': '[USER]\nfirst name = Ada\n',
  'DEFAULT inherited': '[DEFAULT]\nemail: d1@x.edu\nname: D\n[USER]\nname: Ada\n',
  'DEFAULT twice': '[DEFAULT]\na: 1\n[USER]\nb: 2\n[DEFAULT]\nc: 3\n',
  'default lower-case is a section': '[default]\na: 1\n[DEFAULT]\nb: 2\n',
  'empty file': '',
  'only comments': '# nothing\n; here\n',
  'unicode whitespace': '[USER]\nname:\u00a0Ada\u3000\nemail:\u2003a1@x.edu\u001c\n',
  'zero-width no-break space mid-file': '[USER]\nemail: a1@x.edu\n\uFEFF\n',
  'line separator in value': '[USER]\nname: Ada\u2028Byron\n',
  'tab indent continuation': '[USER]\nname: Ada\n\tByron\n',
  'unicode keys': '[USER]\nÉMAIL: x\nΣΑΣ: y\n',
  interpolation: '[USER]\nfirst: Ada\nname: %(first)s Byron\npct: 100%%\n',
  'interpolation from DEFAULT, upper-case ref': '[DEFAULT]\ndomain: x.edu\n[USER]\nemail: a1@%(DOMAIN)s\n',
  'nested interpolation': '[USER]\na: %(b)s!\nb: %(c)s?\nc: z%%\n',
  'bad percent': '[USER]\nname: 100% Ada\n',
  'percent at end': '[USER]\nname: Ada%\n',
  'bad reference': '[USER]\nname: %(first Ada\n',
  'missing reference': '[USER]\nname: %(first)s\n',
  'self reference': '[USER]\nname: %(name)s\n',
  'reference chain of 10': chain(10),
  'reference chain of 11 (too deep)': chain(11),
  'key before section': 'email: a1@x.edu\n[USER]\n',
  'key after comment before section': '# hi\n\nemail: a1@x.edu\n',
  'duplicate section': '[USER]\nemail: a1@x.edu\n[OTHER]\n[USER]\n',
  'duplicate key': '[USER]\nemail: a1@x.edu\nname: A\nEmail: b2@x.edu\n',
  'duplicate key in DEFAULT across blocks': '[DEFAULT]\na: 1\n[USER]\n[DEFAULT]\na: 2\n',
  'not key value': '[USER]\nemail a1@x.edu\n',
  'empty key': '[USER]\n= a1@x.edu\n',
  'empty header': '[]\n',
  'unclosed header': '[USER\nemail: a1@x.edu\n',
  'bad line then duplicate': '[USER]\njunk\nemail: 1\nemail: 2\n',
  'two bad lines': '[USER]\njunk\nmore junk\n',
  'bad line keeps previous key for continuation': '[USER]\nname: Ada\njunk\n  Byron\n',
  'empty key twice': '[USER]\n= a\n: b\n',
};

/** Random files from fragments that matter, with every line ending: a seeded, repeatable fuzz. */
function fuzzCases(n: number): string[] {
  let seed = 20170120;
  const rand = (k: number) => {
    // mulberry32: small, seeded, with good low bits
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % k;
  };
  // Mostly lines that parse, so most files get through and their values are compared too.
  const good = [
    '[OTHER]',
    '[DEFAULT]',
    '  [USER]',
    '[USER2] x',
    'email: a1@x.edu',
    'Name = Ada',
    'note: n',
    'url: http://a:1/',
    '  more',
    '\tmore',
    '',
    '   ',
    '# c',
    '  ; c',
    'k: %(name)s',
    'p: 1%%',
    'a:b=c',
    'x =',
    ' key :  v  ',
    '\u00a0v: w',
  ];
  const bad = ['[USER]', 'Email: again', 'junk', '= v', 'q: %x', 'r: %(zz)s'];
  const frag = () => (rand(6) ? good[rand(good.length)] : bad[rand(bad.length)]);
  const ends = ['\n', '\r\n', '\r'];
  return Array.from({ length: n }, () => {
    const lines = Array.from({ length: 1 + rand(8) }, frag);
    if (rand(8)) lines.unshift('[USER]');
    const end = ends[rand(3)];
    return (rand(5) === 0 ? '\uFEFF' : '') + lines.join(end) + (rand(2) ? end : '');
  });
}

describe('parseConfig matches python3 configparser', () => {
  const texts = [...Object.values(CASES), ...fuzzCases(400)];
  const names = [...Object.keys(CASES), ...texts.slice(Object.keys(CASES).length).map((_, i) => `fuzz ${i}`)];
  let python: Outcome[];

  beforeAll(async () => {
    const dir = await tempDir();
    const files = await Promise.all(
      texts.map(async (t, i) => {
        const f = path.join(dir, `case-${i}.cfg`);
        await writeFile(f, t, 'utf8');
        return f;
      }),
    );
    python = JSON.parse(execFileSync(PYTHON, ['-c', PY, ...files], { encoding: 'utf8' }));
  });

  it('agrees on every hand-picked and fuzzed input', () => {
    const diffs = texts
      .map((t, i) => ({ name: names[i], text: t, python: python[i], mine: mine(t) }))
      .filter((c) => JSON.stringify(c.python) !== JSON.stringify(c.mine));
    expect(diffs).toEqual([]);
  });

  it('exercises both outcomes, so the comparison means something', () => {
    const kinds = new Set(python.map((o) => ('ok' in o ? 'ok' : o.error)));
    expect([...kinds].sort()).toEqual([
      'DuplicateOptionError',
      'DuplicateSectionError',
      'InterpolationDepthError',
      'InterpolationMissingOptionError',
      'InterpolationSyntaxError',
      'MissingSectionHeaderError',
      'ParsingError',
      'ok',
    ]);
  });
});

describe('parseConfig errors', () => {
  const err = (text: string) => {
    try {
      configToEntries(parseConfig(text, 'user.cfg'));
    } catch (e) {
      return e as ConfigSyntaxError;
    }
    throw new Error('expected a ConfigSyntaxError');
  };

  it.each([
    ['key before section', 'email: a1@x.edu\n', 1, /^user\.cfg:1: "email: a1@x\.edu" comes before any \[SECTION\] line\.$/],
    ['duplicate section', '[USER]\n[USER]\n', 2, /^user\.cfg:2: section \[USER\] appears twice \(first on line 1\)\.$/],
    ['duplicate key', '[USER]\nemail: a\nEMAIL: b\n', 3, /^user\.cfg:3: email is set twice in \[USER\] \(first on line 2\)\.$/],
    ['not key value', '[USER]\n\nemail a1\n', 3, /^user\.cfg:3: "email a1" is not a "key: value" line\.$/],
    ['no key', '[USER]\n: a1\n', 2, /^user\.cfg:2: ": a1" has no key before the ":"\.$/],
    ['stray percent', '[USER]\nname: 100% Ada\n', 2, /^user\.cfg:2: the value of name has a % that is not followed by % or \(\.$/],
    ['control characters', '[USER]\nbad\u0007\u2028line\n', 2, /^user\.cfg:2: "bad\\u0007\\u2028line" is not/],
  ])('%s: one line naming the line, and a fix', (_, text, line, message) => {
    const e = err(text);
    expect(e).toBeInstanceOf(UserError);
    expect(e.line).toBe(line);
    expect(e.message).toMatch(message);
    expect(e.message).not.toMatch(/[\n\r\u2028]/);
    expect(e.fix).toBeTruthy();
  });

  it('shortens a long bad line to keep the message on one line', () => {
    const e = err(`[USER]\n${'x'.repeat(500)}\n`);
    expect(e.message.length).toBeLessThan(120);
  });
});

const course = () => testCourse(); // NetID rules: begin with a letter, end with a digit; example.edu; template "pat"

function refusal(text: string, c = course()): UserError {
  try {
    validateIdentity(text, c);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    const u = e as UserError;
    expect(u.message).not.toMatch(/\n/);
    expect(u.fix).toBeTruthy();
    expect(u.fix).not.toMatch(/\n/);
    return u;
  }
  throw new Error('expected a UserError');
}

describe('validateIdentity', () => {
  it('reads a good user.cfg', () => {
    const id = validateIdentity('[USER]\nname: Ada Byron\nemail: ab123@example.edu\n', course(), { file: '/x/user.cfg' });
    expect(id).toEqual({ netid: 'ab123', name: 'Ada Byron', email: 'ab123@example.edu', warnings: [], file: '/x/user.cfg', line: 3 });
  });

  it('lower-cases the NetID and compares domains without case', () => {
    const id = validateIdentity('[USER]\nemail: AB123@Example.EDU\n', course());
    expect([id.netid, id.email, id.warnings]).toEqual(['ab123', 'AB123@Example.EDU', []]);
    expect(id.name).toBeUndefined();
  });

  it('refuses the untouched template, naming the line', () => {
    const e = refusal(TEMPLATE.replace('georgetown.edu', 'example.edu'));
    expect(e.message).toBe("user.cfg:3: email is still the template's pat@example.edu; you must change the default email in user.cfg.");
    expect(e.fix).toContain('ab123@example.edu');
  });

  it.each([
    ['1ab2', 'NetID "1ab2" (the part of the email before @) must begin with a letter.'],
    ['abc', 'NetID "abc" (the part of the email before @) must end with a digit.'],
    ['1abc', 'NetID "1abc" (the part of the email before @) must begin with a letter and must end with a digit.'],
  ])('applies the course rules to %s', (netid, message) => {
    expect(refusal(`[USER]\nemail: ${netid}@example.edu\n`).message).toBe(`user.cfg:2: ${message}`);
  });

  it('only warns about an email outside the course domains', () => {
    const id = validateIdentity('[USER]\n\nemail: ab123@gmail.com\n', course());
    expect(id.netid).toBe('ab123');
    expect(id.warnings).toEqual([
      'user.cfg:3: ab123@gmail.com is not a example.edu address; use your example.edu email so your work is matched to you.',
    ]);
  });

  it('accepts any domain and any id when the course sets no rules', () => {
    const c = { ...course(), emailDomains: [], studentId: { label: 'id', rules: [], templateIds: [] } };
    expect(validateIdentity('[USER]\nemail: 9@any.org\n', c).warnings).toEqual([]);
  });

  it.each([
    ['no [USER] section', '[OTHER]\nemail: ab123@example.edu\n', 'user.cfg has no [USER] section.'],
    ['a [user] section', '[user]\nemail: ab123@example.edu\n', 'user.cfg: the section is named [user], not [USER].'],
    ['no email', '[USER]\nname: Ada\n', 'user.cfg: the [USER] section has no email setting.'],
    ['empty email', '[USER]\nemail:\n', 'user.cfg:2: email is empty.'],
    ['quoted email', '[USER]\nemail: "ab123@example.edu"\n', 'user.cfg:2: email "\\"ab123@example.edu\\"" has quotes around it.'],
    ['no @', '[USER]\nemail: ab123\n', 'user.cfg:2: email "ab123" is not an email address.'],
    ['two @', '[USER]\nemail: a@b@example.edu\n', 'user.cfg:2: email "a@b@example.edu" is not an email address.'],
    ['no dot in domain', '[USER]\nemail: ab123@localhost\n', 'user.cfg:2: email "ab123@localhost" is not an email address.'],
    ['a space', '[USER]\nemail: ab 123@example.edu\n', 'user.cfg:2: email "ab 123@example.edu" contains a space.'],
    ['a comment after it', '[USER]\nemail: ab123@example.edu # me\n', 'user.cfg:2: email "ab123@example.edu # me" contains a space.'],
    [
      'continuation',
      '[USER]\nemail: ab123@example.edu\n  cd456@example.edu\n',
      'user.cfg:2: email "ab123@example.edu\\ncd456@example.edu" runs over several lines.',
    ],
  ])('refuses %s', (_, text, message) => {
    expect(refusal(text).message).toBe(message);
  });

  it('takes email from [DEFAULT] and interpolates, as configparser does', () => {
    const id = validateIdentity(
      '[DEFAULT]\ndomain: example.edu\n[USER]\nfirst: Ada\nname: %(first)s Byron\nemail: ab123@%(domain)s\n',
      course(),
    );
    expect([id.email, id.name, id.line]).toEqual(['ab123@example.edu', 'Ada Byron', 6]);
  });

  it('keeps a name with a stray % as written (only the email matters)', () => {
    expect(validateIdentity('[USER]\nname: 100% Ada\nemail: ab123@example.edu\n', course()).name).toBe('100% Ada');
  });

  it('names the file it was given in messages', () => {
    expect(() => validateIdentity('[USER]\n', course(), { shown: '../../user.cfg' })).toThrow(
      '../../user.cfg: the [USER] section has no email setting.',
    );
  });
});

describe('loadIdentity', () => {
  const good = '[USER]\nname: Ada\nemail: ab123@example.edu\n';

  it('finds user.cfg at the folder holding course.yaml, from a subfolder', async () => {
    const dir = await tempDir({
      'course.yaml': 'name: T\n',
      'user.cfg': good,
      'assignments/A1/user.cfg': '[USER]\nemail: zz9@example.edu\n',
    });
    const id = await loadIdentity(course(), { cwd: path.join(dir, 'assignments/A1') });
    expect([id.netid, id.file]).toEqual(['ab123', path.join(dir, 'user.cfg')]);
  });

  it('falls back to the folder holding .git', async () => {
    const dir = await tempDir({ 'user.cfg': good, 'a/b/.keep': '' });
    await mkdir(path.join(dir, '.git'));
    expect((await loadIdentity(course(), { cwd: path.join(dir, 'a/b') })).netid).toBe('ab123');
  });

  it('uses --user relative to cwd instead', async () => {
    const dir = await tempDir({ 'course.yaml': '', 'user.cfg': TEMPLATE, 'sub/mine.cfg': good });
    const id = await loadIdentity(course(), { cwd: path.join(dir, 'sub'), file: 'mine.cfg' });
    expect([id.netid, id.file]).toEqual(['ab123', path.join(dir, 'sub/mine.cfg')]);
  });

  it('names the file relative to cwd, with the line', async () => {
    const dir = await tempDir({ 'course.yaml': '', 'user.cfg': '[USER]\nemail: nope\n', 'assignments/A1/q1.txt': '' });
    await expect(loadIdentity(course(), { cwd: path.join(dir, 'assignments/A1') })).rejects.toThrow(
      'user.cfg:2: email "nope" is not an email address.'.replace('user.cfg', path.join('..', '..', 'user.cfg')),
    );
  });

  it('says where it looked when user.cfg is missing', async () => {
    const dir = await tempDir({ 'course.yaml': '', 'assignments/A1/q1.txt': '' });
    const e = await loadIdentity(course(), { cwd: path.join(dir, 'assignments/A1') }).catch((x) => x);
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe(`No user.cfg at the repository root (looked for ${path.join('..', '..', 'user.cfg')}).`);
    expect(e.fix).toMatch(/git checkout -- user\.cfg.*--user PATH/);
  });

  it('points at a user.cfg left in the wrong folder', async () => {
    const dir = await tempDir({ 'course.yaml': '', 'assignments/A1/user.cfg': good });
    const e = await loadIdentity(course(), { cwd: path.join(dir, 'assignments/A1') }).catch((x) => x);
    expect(e.fix).toMatch(/^Move the user\.cfg in this folder to the repository root/);
  });

  it('refuses a missing --user file, a folder, a large file and non-UTF-8 text', async () => {
    const dir = await tempDir({
      'course.yaml': '',
      'folder/x': '',
      'big.cfg': '#'.repeat(100_000),
      'latin1.cfg': Buffer.from('[USER]\nname: Jos\xe9\nemail: ab123@example.edu\n', 'latin1'),
    });
    const msg = (file: string) =>
      loadIdentity(course(), { cwd: dir, file }).then(
        () => 'resolved',
        (e: UserError) => `${e.name}: ${e.message}`,
      );
    expect(await msg('nope.cfg')).toBe('UserError: nope.cfg does not exist.');
    expect(await msg('folder')).toBe('UserError: folder is not a file.');
    expect(await msg('big.cfg')).toBe('UserError: big.cfg is 100000 bytes; a user.cfg is a few lines.');
    expect(await msg('latin1.cfg')).toBe('UserError: latin1.cfg is not UTF-8 text.');
  });

  it("refuses the repository's own template with the repository's course.yaml", async () => {
    const real = await loadCourse(path.join(REPO, 'lib'));
    const e = await loadIdentity(real, { cwd: path.join(REPO, 'lib', 'util') }).catch((x) => x);
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toMatch(
      /^\.\.\/\.\.\/user\.cfg:\d: email is still the template's pat@georgetown\.edu; you must change the default email/,
    );
  });

  it('ships the template from the issue, under an optional comment', async () => {
    const text = await readFile(path.join(REPO, 'user.cfg'), 'utf8');
    expect(text.replace(/^(#.*\n)+/, '')).toBe(TEMPLATE);
  });
});
