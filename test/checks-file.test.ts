import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { tempDir, makeCtx, type FileMap } from './helpers/fixture.js';
import { Failure, Skip, UserError } from '../lib/errors.js';
import type { CheckKind } from '../lib/checks/kind.js';
import filePresent from '../lib/checks/file-present.js';
import fileText, { textProblems } from '../lib/checks/file-text.js';
import fileLines from '../lib/checks/file-lines.js';
import { validateParams as linesProblems } from '../lib/lines.js';
import fileYaml, { validateSchema } from '../lib/checks/file-yaml.js';
import fileJson, { jsonError } from '../lib/checks/file-json.js';
import { firstInvalidUtf8, sniff } from '../lib/util/text.js';
import { AssignmentFiles, diskVolume, type Volume } from '../lib/fsio.js';

type Kind = CheckKind<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const isRoot = process.getuid?.() === 0;

async function run(kind: Kind, files: FileMap, params: Record<string, unknown>, optional: string[] = []) {
  const dir = await tempDir(files);
  const ctx = makeCtx(dir, params);
  ctx.spec.files.optional = optional;
  return kind.run(ctx, params);
}

/** Runs and returns what was thrown (the test fails if nothing was). */
async function thrown(
  kind: Kind,
  files: FileMap,
  params: Record<string, unknown>,
  optional: string[] = [],
): Promise<Failure & Skip & UserError> {
  try {
    await run(kind, files, params, optional);
  } catch (e) {
    return e as Failure & Skip & UserError;
  }
  throw new Error('expected the check to throw');
}

async function failure(kind: Kind, files: FileMap, params: Record<string, unknown>): Promise<Failure> {
  const e = await thrown(kind, files, params);
  expect(e).toBeInstanceOf(Failure);
  return e;
}

describe('file.present', () => {
  it('passes for a regular file, also with spaces and non-ASCII letters in the name', async () => {
    await expect(run(filePresent, { 'q1.txt': 'x\n' }, { file: 'q1.txt' })).resolves.toBeUndefined();
    await expect(run(filePresent, { 'my answer é.txt': 'x\n' }, { file: 'my answer é.txt' })).resolves.toBeUndefined();
    await expect(run(filePresent, { 'sub/q.txt': 'x\n' }, { file: 'sub/q.txt' })).resolves.toBeUndefined();
  });

  it('fails for a missing required file and skips a missing optional one', async () => {
    const f = await failure(filePresent, {}, { file: 'q1.txt' });
    expect(f.rationale).toBe('q1.txt is missing.');
    const s = await thrown(filePresent, {}, { file: 'extra.py' }, ['extra.py']);
    expect(s).toBeInstanceOf(Skip);
    expect(s.reason).toBe('optional file not handed in');
  });

  it('names a near miss: doubled extension, other case, other Unicode normalisation', async () => {
    let f = await failure(filePresent, { 'q3.txt.txt': 'x\n' }, { file: 'q3.txt' });
    expect(f.rationale).toContain('"q3.txt.txt"');
    expect(f.hint).toBe('Rename it: git mv q3.txt.txt q3.txt');
    f = await failure(filePresent, { 'Q3.TXT': 'x\n' }, { file: 'q3.txt' });
    expect(f.actual).toBe('Q3.TXT');
    f = await failure(filePresent, { ['re\u0301sume\u0301 notes.txt']: 'x\n' }, { file: 'r\u00e9sum\u00e9 notes.txt' });
    expect(f.hint).toContain("'r\u00e9sum\u00e9 notes.txt'"); // quoted for the shell
    // a near miss is reported even for an optional file: it was probably meant to be handed in
    expect(await thrown(filePresent, { q5: 'x\n' }, { file: 'q5.txt' }, ['q5.txt'])).toBeInstanceOf(Failure);
  });

  it('judges names case-sensitively on a file system that folds case (macOS, Windows), with the same hint as Linux', async () => {
    const dir = await tempDir({ 'Q3.txt': 'x\n', 'data/Sample.txt': 'y\n' });
    // The disk as macOS shows it: any case finds the file, listings keep the case it was saved with.
    const fold = (abs: string) => {
      const rel = path.relative(dir, abs);
      if (rel.startsWith('..')) return abs;
      let cur = dir;
      for (const part of rel.split(path.sep).filter(Boolean)) {
        const hit = diskVolume.readdir(cur).find((n) => n.toLowerCase() === part.toLowerCase());
        cur = path.join(cur, hit ?? part);
      }
      return cur;
    };
    const macos: Volume = {
      ...diskVolume,
      lstat: (a) => diskVolume.lstat(fold(a)),
      stat: (a) => diskVolume.stat(fold(a)),
      realpath: (a) => diskVolume.realpath(fold(a)) && a,
      read: (a, r, c, p) => diskVolume.read(fold(a), r, c, p),
    };
    expect(macos.lstat(path.join(dir, 'q3.txt'))?.type).toBe('file'); // the fake really folds case
    const ctx = makeCtx(dir, {}, { files: new AssignmentFiles(dir, macos) });
    const f = await filePresent.run(ctx, { file: 'q3.txt' }).catch((e: unknown) => e as Failure);
    expect(f).toBeInstanceOf(Failure);
    // Word for word what Linux (and the grader) says.
    expect((f as Failure).rationale).toBe('q3.txt is missing, but there is "Q3.txt" in the same folder.');
    expect((f as Failure).hint).toBe('Rename it: git mv Q3.txt q3.txt');
    await expect(filePresent.run(ctx, { file: 'Q3.txt' })).resolves.toBeUndefined();
    // Every kind reads through the same rule, and folders count too.
    expect(await fileText.run(ctx, { file: 'data/sample.txt' }).catch((e: unknown) => (e as Failure).rationale)).toBe(
      'data/sample.txt is missing.',
    );
  });

  it('fails for a folder, a dangling link and a link out of the folder; passes a link inside', async () => {
    const dir = await tempDir({ 'real.txt': 'x\n' });
    const outside = await tempDir({ 'secret.txt': 'x\n' });
    await mkdir(path.join(dir, 'q1.txt'));
    await symlink('nowhere.txt', path.join(dir, 'q2.txt'));
    await symlink(path.join(outside, 'secret.txt'), path.join(dir, 'q3.txt'));
    await symlink('real.txt', path.join(dir, 'q4.txt'));
    const fail = async (file: string) => {
      const e = await filePresent.run(makeCtx(dir), { file }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(Failure);
      return (e as Failure).rationale;
    };
    expect(await fail('q1.txt')).toBe('q1.txt is a folder, but a file is expected here.');
    expect(await fail('q2.txt')).toBe('q2.txt is a symbolic link to a file that does not exist.');
    expect(await fail('q3.txt')).toContain('outside the assignment folder');
    await expect(filePresent.run(makeCtx(dir), { file: 'q4.txt' })).resolves.toBeUndefined();
  });

  it('fails for an unreadable file (as root, reads are allowed, so it passes)', async () => {
    const dir = await tempDir({ 'q1.txt': 'x\n' });
    await chmod(path.join(dir, 'q1.txt'), 0o000);
    const p = filePresent.run(makeCtx(dir), { file: 'q1.txt' });
    if (isRoot)
      await expect(p).resolves.toBeUndefined(); // root ignores file modes
    else await expect(p).rejects.toMatchObject({ rationale: 'q1.txt cannot be read: permission denied.' });
  });
});

describe('sniff and UTF-8', () => {
  it('recognises renamed binaries by their magic bytes', () => {
    const cases: [Buffer, string][] = [
      [Buffer.from('%PDF-1.4\n%\xe2\xe3\n', 'latin1'), 'pdf'],
      [Buffer.from('{\\rtf1\\ansi\\deff0 hello}\n'), 'rtf'],
      [gzipSync('hello\n'), 'gzip'],
      [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]), 'png'],
      [Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), 'jpeg'],
      [Buffer.from('GIF89a\x01\x00', 'latin1'), 'gif'],
      [Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), 'elf'],
      [Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0]), 'ole'],
      [Buffer.from('\ufeffhello\n', 'utf16le'), 'utf16'],
      [Buffer.from('hello world\n', 'utf16le'), 'utf16'], // no BOM
      [Buffer.from([1, 2, 0, 3, 4]), 'binary'],
      [Buffer.from('BZh is a word\n'), 'text'],
      [Buffer.alloc(0), 'empty'],
      [Buffer.from('caf\xe9\n', 'latin1'), 'text'], // not UTF-8, but text: firstInvalidUtf8 decides
    ];
    for (const [buf, type] of cases) expect([type, sniff(buf).type]).toEqual([type, type]);
  });

  it('finds the first byte that breaks UTF-8', () => {
    expect(firstInvalidUtf8(Buffer.from('héllo 😀 ✓\n'))).toBe(-1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0x80]))).toBe(1); // overlong
    expect(firstInvalidUtf8(Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80]))).toBe(2); // surrogate
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xe2, 0x82]))).toBe(1); // cut off at the end
    expect(firstInvalidUtf8(Buffer.from([0x61, 0x80]))).toBe(1); // stray continuation byte
  });
});

describe('file.text', () => {
  const p = { file: 'q2.txt' };
  const zipOf = async (entries: FileMap) => {
    const dir = await tempDir(entries);
    execFileSync('zip', ['-q', '-X', 'out.zip', ...Object.keys(entries)], { cwd: dir });
    return execFileSync('cat', [path.join(dir, 'out.zip')]);
  };

  it('passes a plain UTF-8 file with Unix line endings', async () => {
    await expect(run(fileText, { 'q2.txt': 'traceroute to x\n 1  10.0.0.1  0.5 ms é\n' }, p)).resolves.toBeUndefined();
  });

  it('says what a renamed file really is', async () => {
    let f = await failure(fileText, { 'q2.txt': await zipOf({ 'a.txt': 'hello\n' }) }, p);
    expect(f.rationale).toBe('q2.txt is really a ZIP archive, not a text file.');
    f = await failure(fileText, { 'q2.txt': await zipOf({ 'word/document.xml': '<w/>' }) }, p);
    expect(f.rationale).toContain('a Word document (.docx)');
    f = await failure(fileText, { 'q2.txt': '%PDF-1.7\n1 0 obj\n' }, p);
    expect(f.rationale).toContain('really a PDF document');
    f = await failure(fileText, { 'q2.txt': '{\\rtf1\\ansi answer}\n' }, p);
    expect(f.rationale).toContain('really an RTF document');
    expect(f.hint).toContain('Make Plain Text');
    f = await failure(fileText, { 'q2.txt': Buffer.from('\ufeffanswer\r\n', 'utf16le') }, p);
    expect(f.rationale).toContain('UTF-16');
  });

  it('fails an empty file and a file of blank lines', async () => {
    expect((await failure(fileText, { 'q2.txt': '' }, p)).rationale).toBe('q2.txt is empty.');
    expect((await failure(fileText, { 'q2.txt': '\n  \n' }, p)).rationale).toBe('q2.txt holds only blank lines.');
  });

  it('gives the line and byte offset of the first non-UTF-8 byte', async () => {
    const f = await failure(fileText, { 'q2.txt': Buffer.from('line one\ncaf\xe9\n', 'latin1') }, p);
    expect(f.line).toBe(2);
    expect(f.rationale).toContain('0xE9 (byte offset 12)');
    expect(f.hint).toContain('iconv -f latin1 -t utf-8 q2.txt');
  });

  it('fails a byte-order mark', async () => {
    const f = await failure(fileText, { 'q2.txt': '\ufeffanswer\n' }, p);
    expect(f.rationale).toContain('byte-order mark');
    expect(f.line).toBe(1);
  });

  it('fails Windows line endings, naming the first line and how many', async () => {
    const f = await failure(fileText, { 'q2.txt': 'a\nb\nc\r\nd\r\n' }, p);
    expect(f.line).toBe(3);
    expect(f.rationale).toBe('q2.txt has Windows line endings (CRLF), first on line 3, on 2 of 4 lines.');
    expect(f.hint).toContain("sed -i 's/\\r$//' q2.txt");
    expect(f.hint).toContain('dos2unix q2.txt');
    const cr = await failure(fileText, { 'q2.txt': 'a\rb\r' }, p);
    expect(cr.rationale).toContain('bare carriage return');
    expect(cr.line).toBe(1);
  });

  it('fails a missing final newline, on the last line', async () => {
    const f = await failure(fileText, { 'my q2.txt': 'a\nb\nlast' }, { file: 'my q2.txt' });
    expect(f.line).toBe(3);
    expect(f.rationale).toContain('does not end with a newline');
    expect(f.hint).toContain("echo >> 'my q2.txt'");
  });

  it('reports the first problem and lists the others in actual', async () => {
    const f = await failure(fileText, { 'q2.txt': '\ufeffa\r\nb' }, p);
    expect(f.rationale).toContain('byte-order mark');
    expect(f.actual).toBe('also: Windows line endings on 1 line; no newline at the end');
    expect(textProblems(Buffer.from('\ufeffa\r\nb'), 'x').map((x) => x.code)).toEqual(['bom', 'crlf', 'final-newline']);
  });

  it('fails a folder where the file should be', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'q2.txt'));
    await expect(fileText.run(makeCtx(dir), p)).rejects.toMatchObject({ rationale: 'q2.txt is a folder, but a file is expected here.' });
  });

  it('fails a 100 MB file cleanly at the size cap, without reading it', async () => {
    const dir = await tempDir({ 'big.txt': 'x'.repeat(10_000) + '\n' });
    await truncate(path.join(dir, 'big.txt'), 100 * 1024 * 1024); // sparse: fast, no disk used
    const before = process.memoryUsage().arrayBuffers;
    const t0 = Date.now();
    const e = await fileText.run(makeCtx(dir), { file: 'big.txt' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Failure);
    expect((e as Failure).rationale).toBe('big.txt is 100.0 MB, over the 16.0 MB limit for this file.');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
    // the same file with zeros at the start is named for what it is
    await writeFile(path.join(dir, 'zeros.txt'), '');
    await truncate(path.join(dir, 'zeros.txt'), 100 * 1024 * 1024);
    await expect(fileText.run(makeCtx(dir), { file: 'zeros.txt' })).rejects.toMatchObject({
      rationale: 'zeros.txt is really a binary file, not a text file.',
    });
    await expect(fileText.run(makeCtx(dir), { file: 'big.txt', maxBytes: 1000 })).rejects.toMatchObject({
      rationale: expect.stringContaining('over the 1000 B limit'),
    });
  });

  it('skips an optional file that is not handed in', async () => {
    expect(await thrown(fileText, {}, { file: 'q9.txt' }, ['q9.txt'])).toBeInstanceOf(Skip);
    expect((await thrown(fileText, {}, { file: 'q9.txt' })).rationale).toBe('q9.txt is missing.');
  });
});

describe('file.lines', () => {
  const q7 = {
    file: 'q7.txt',
    count: 2,
    expect: [
      { pattern: '^s3: s3://[a-z0-9.-]+/q6-malfunctions\\.txt$', describe: '"s3: s3://BUCKET/q6-malfunctions.txt"' },
      {
        pattern: '^http: https?://\\S+/q6-malfunctions\\.txt$',
        describe: '"http: http://BUCKET.s3-website-REGION.amazonaws.com/q6-malfunctions.txt"',
      },
    ],
  };
  const good7 =
    's3: s3://ab123-bucket/q6-malfunctions.txt\nhttp: http://ab123-bucket.s3-website-us-east-1.amazonaws.com/q6-malfunctions.txt\n';

  it('passes A1 q7 and names a missing expected line', async () => {
    await expect(run(fileLines, { 'q7.txt': good7 }, q7)).resolves.toBeUndefined();
    await expect(run(fileLines, { 'q7.txt': good7.replace(/\n/g, '\r\n') }, q7)).resolves.toBeUndefined(); // line rules ignore CRLF (file.text reports it)
    const f = await failure(fileLines, { 'q7.txt': 's3: s3://ab123-bucket/q6-malfunctions.txt\nhttp://x/q6-malfunctions.txt\n' }, q7);
    expect(f.rationale).toBe('q7.txt has no line like "http: http://BUCKET.s3-website-REGION.amazonaws.com/q6-malfunctions.txt".');
    expect(f.partial).toBe(0.5);
  });

  it('checks the count of answer lines, exactly or within a range', async () => {
    let f = await failure(fileLines, { 'q7.txt': good7 + 'extra\n' }, q7);
    expect(f.rationale).toBe('q7.txt has 3 answer lines, but 2 lines are expected.');
    expect(f.line).toBe(3);
    f = await failure(fileLines, { 'a.txt': 'one\n' }, { file: 'a.txt', count: { min: 2, max: 5 } });
    expect(f.expected).toBe('2 to 5 lines');
    f = await failure(fileLines, { 'a.txt': '# only a comment\n' }, { file: 'a.txt', comments: '#' });
    expect(f.rationale).toBe('a.txt has no answer lines.');
    await expect(run(fileLines, { 'a.txt': '# c\n' }, { file: 'a.txt', comments: '#', count: 0 })).resolves.toBeUndefined();
  });

  it('forbids blank lines by default, including trailing ones; allow ignores them', async () => {
    const f = await failure(fileLines, { 'a.txt': 'one\n\ntwo\n\n' }, { file: 'a.txt' });
    expect(f.line).toBe(2);
    expect(f.rationale).toBe('Line 2 of a.txt is blank (2 blank lines in all); blank lines are not allowed here.');
    expect(f.actual).toBe('blank lines: 2, 4');
    await expect(run(fileLines, { 'a.txt': 'one\n\ntwo\n\n' }, { file: 'a.txt', blankLines: 'allow', count: 2 })).resolves.toBeUndefined();
    // the other broken rules are named in the hint, so one round of fixes suffices
    const g = await failure(fileLines, { 'q7.txt': 's3: s3://b/q6-malfunctions.txt\n\n' }, q7);
    expect(g.rationale).toBe('Line 2 of q7.txt is blank; blank lines are not allowed here.');
    expect(g.hint).toContain('Also: q7.txt has 1 answer line, but 2 lines are expected. q7.txt has no line like "http:');
    expect(g.partial).toBe(0);
  });

  it('gives partial credit for the share of lines that match `each`', async () => {
    const body =
      [
        '2017-01\t10',
        '2017-02\t12',
        'Mar 2017 7',
        '2017-04\t9',
        '2017-05 3',
        '2017-06\t1',
        '2017-07\t1',
        '2017-08\t1',
        '2017-09\t1',
        '2017-10\t1',
      ].join('\n') + '\n';
    const params = { file: 'q4_monthly.txt', each: { pattern: '^\\d{4}-\\d{2}\\t\\d+$', describe: 'YYYY-MM<TAB>count' } };
    const f = await failure(fileLines, { 'q4_monthly.txt': body }, params);
    expect(f.line).toBe(3);
    expect(f.rationale).toBe('Line 3 of q4_monthly.txt does not look like YYYY-MM<TAB>count.');
    expect(f.actual).toBe('"Mar 2017 7"');
    expect(f.partial).toBeCloseTo(0.8);
    expect(f.hint).toContain('2 lines of 10');
  });

  it('checks tab-separated fields and says when spaces were used instead of a tab', async () => {
    const params = { file: 'q5.txt', fields: { count: 2, names: ['COUNT', 'URL'], patterns: ['\\d+', null] } };
    await expect(run(fileLines, { 'q5.txt': '12\t/a\n9\t/b c\n' }, params)).resolves.toBeUndefined();
    let f = await failure(fileLines, { 'q5.txt': '12\t/a\n9    /b\n' }, params);
    expect(f.rationale).toBe('Line 2 of q5.txt has 1 field, but 2 tab-separated fields are expected (COUNT<TAB>URL).');
    expect(f.hint).toContain('one tab character, not spaces');
    expect(f.actual).toBe('"9    /b"');
    f = await failure(fileLines, { 'q5.txt': '12\t/a\nmany\t/b\n' }, params);
    expect(f.rationale).toContain('Field 1 (COUNT) on line 2');
  });

  it('checks order: largest first by a numeric key field', async () => {
    const params = { file: 'q5.txt', sorted: { order: 'desc', key: 1, numeric: true } };
    await expect(run(fileLines, { 'q5.txt': '120\t/a\n99\t/b\n99\t/c\n7\t/d\n' }, params)).resolves.toBeUndefined();
    let f = await failure(fileLines, { 'q5.txt': '120\t/a\n7\t/d\n99\t/b\n' }, params);
    expect(f.line).toBe(3);
    expect(f.rationale).toContain('"99" comes after "7", but lines must be sorted largest first by number');
    expect(f.hint).toContain("sort -t$'\\t' -k1,1 -n -r");
    f = await failure(fileLines, { 'q5.txt': '120\t/a\nlots\t/d\n' }, params);
    expect(f.rationale).toContain('a number is expected');
    f = await failure(fileLines, { 'a.txt': 'b\na\n' }, { file: 'a.txt', sorted: 'asc' });
    expect(f.line).toBe(2);
  });

  it('checks duplicates, whole-file patterns and comments', async () => {
    let f = await failure(fileLines, { 'a.txt': '1.2.3.4\t5\n5.6.7.8\t1\n1.2.3.4\t2\n' }, { file: 'a.txt', unique: { key: 1 } });
    expect(f.rationale).toBe('Line 3 of a.txt repeats field 1 of line 1; every key must appear only once.');
    f = await failure(
      fileLines,
      { 'a.txt': 'x\ny\n' },
      { file: 'a.txt', whole: { pattern: '^0: aws emr create-cluster', describe: 'line 0 holds the create-cluster command' } },
    );
    expect(f.rationale).toBe('a.txt does not have the expected overall form: line 0 holds the create-cluster command.');
    await expect(
      run(
        fileLines,
        { 'a.txt': '# my notes\nok 1\n  # indented note\nok 2\n' },
        { file: 'a.txt', comments: '#', each: '^ok \\d$', count: 2 },
      ),
    ).resolves.toBeUndefined();
  });

  it('quotes long lines cut to 120 characters', async () => {
    const f = await failure(fileLines, { 'a.txt': 'y'.repeat(500) + '\n' }, { file: 'a.txt', each: '^x' });
    expect(f.actual).toBe(JSON.stringify('y'.repeat(120) + '…'));
  });

  it('reports bad regexes in validate and as a UserError at run time', async () => {
    expect(linesProblems({ file: 'a', each: '(', expect: [{ pattern: 'ok', flags: 'g' }], count: { min: 3, max: 1 } })).toEqual([
      'each: invalid regular expression /(/: Unterminated group',
      'expect[0]: flags "g" are not allowed; use any of i, m, s, u',
      'count: min 3 is larger than max 1',
    ]);
    expect(linesProblems({ file: 'a', fields: { count: 1, patterns: ['a', 'b'] }, sorted: { order: 'asc', key: 2 } })).toHaveLength(2);
    expect(fileLines.validate?.(q7)).toEqual([]);
    expect(await thrown(fileLines, { 'a.txt': 'x\n' }, { file: 'a.txt', whole: '[' })).toBeInstanceOf(UserError);
  });

  it('fails a file that is not UTF-8 text', async () => {
    const f = await failure(fileLines, { 'a.txt': Buffer.from('caf\xe9\n', 'latin1') }, { file: 'a.txt' });
    expect(f.rationale).toContain('is not valid UTF-8');
  });
});

describe('file.yaml', () => {
  const schema = {
    type: 'object',
    additionalProperties: false,
    required: ['source', 'date', 'mode', 'download', 'search', 'malfunctions'],
    properties: {
      source: { type: 'string', pattern: '^s3://[^/]+/.+', description: 'the S3 URL you downloaded, s3://BUCKET/KEY' },
      date: {
        type: 'string',
        pattern: '^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2})?)?$',
        description: 'when you ran it, ISO-8601 such as 2017-01-15T14:30:00-05:00',
      },
      mode: { const: 'download', description: 'the word download' },
      download: { type: 'number', minimum: 0, description: 'seconds the download took' },
      search: { type: 'number', minimum: 0, description: 'seconds the search took' },
      malfunctions: { type: 'integer', minimum: 0, description: 'how many malfunction lines you found' },
    },
  };
  const p = { file: 'q3.txt', schema };
  const good =
    '# A1 q3\nsource: s3://course-data/sensors.txt\ndate: 2017-01-15T14:30:00-05:00  # Eastern\nmode: download\ndownload: 93.5\nsearch: 41\nmalfunctions: 2213\n';

  it('passes A1 q3 with comments and an unquoted timestamp (kept as text by YAML 1.2)', async () => {
    await expect(run(fileYaml, { 'q3.txt': good }, p)).resolves.toBeUndefined();
    await expect(run(fileYaml, { 'q3.txt': good.replace('2017-01-15T14:30:00-05:00', '2017-01-15') }, p)).resolves.toBeUndefined();
    // a YAML 1.1 document turns the timestamp into a date; it reaches the schema as ISO text
    await expect(run(fileYaml, { 'q3.txt': `%YAML 1.1\n---\n${good}` }, p)).resolves.toBeUndefined();
  });

  it('names the key and line of a wrong value, with the schema description as hint', async () => {
    const f = await failure(fileYaml, { 'q3.txt': good.replace('download: 93.5', 'download: 93.5 seconds') }, p);
    expect(f.rationale).toBe('In q3.txt, `download` on line 5 must be a number.');
    expect(f.line).toBe(5);
    expect(f.actual).toBe(JSON.stringify('"93.5 seconds"'));
    expect(f.hint).toContain('Write only the number, without units');
    expect(f.hint).toContain('seconds the download took');
    const m = await failure(
      fileYaml,
      { 'q3.txt': good.replace('mode: download', 'mode: streaming').replace('search: 41', 'search: -1') },
      p,
    );
    expect(m.rationale).toBe('In q3.txt, `mode` on line 4 must be "download".');
    expect(m.hint).toContain('Also: `search` must be >= 0 on line 6');
  });

  it('names missing and misspelt keys', async () => {
    let f = await failure(fileYaml, { 'q3.txt': good.replace('malfunctions: 2213\n', '') }, p);
    expect(f.rationale).toBe('q3.txt has no `malfunctions` key.');
    f = await failure(fileYaml, { 'q3.txt': good.replace('malfunctions:', 'malfunction:') }, p);
    expect(f.rationale).toBe('q3.txt has an unexpected key `malfunction` on line 7.');
    expect(f.hint).toContain('Did you mean `malfunctions`?');
  });

  it('reports YAML syntax errors with line and column', async () => {
    let f = await failure(fileYaml, { 'q3.txt': 'source: s3://a/b\n\tdate: x\n' }, p);
    expect(f.rationale).toBe('q3.txt is not valid YAML: a tab is used for indentation (line 2, column 1).');
    f = await failure(fileYaml, { 'q3.txt': 'mode: download\nsearch: 1\nmode: download\n' }, p);
    expect(f.rationale).toContain('a key appears twice (line 3, column 1)');
    f = await failure(fileYaml, { 'q3.txt': 'source:s3://a/b\n' }, p);
    expect(f.hint).toContain('space after each colon');
    expect((await failure(fileYaml, { 'q3.txt': '# nothing yet\n' }, p)).rationale).toBe(
      'q3.txt holds no answer, only comments or blank lines.',
    );
  });

  it('refuses comments when comments: false', async () => {
    const f = await failure(fileYaml, { 'q3.txt': good }, { ...p, comments: false });
    expect(f.rationale).toContain('comment on line 1');
    const g = await failure(fileYaml, { 'q3.txt': good.replace('# A1 q3\n', '') }, { ...p, comments: false });
    expect(g.line).toBe(2);
  });

  it('validates inline schemas for lint', () => {
    expect(validateSchema(schema)).toEqual([]);
    expect(validateSchema({ type: 'string', format: 'date-time' })[0]).toContain('use "pattern" instead');
    expect(validateSchema({ type: 'nonsense' })[0]).toContain('schema does not compile');
    expect(validateSchema({ properties: { format: { type: 'string' } } })).toEqual([]); // a key named format is fine
  });
});

describe('file.json', () => {
  const schema = {
    type: 'object',
    required: ['accountId', 'instanceId', 'instanceType', 'region'],
    properties: {
      accountId: { type: 'string', pattern: '^\\d{12}$', description: 'your 12-digit AWS account number' },
      instanceId: { type: 'string', pattern: '^i-[0-9a-f]{8,17}$', description: 'the id of your EC2 instance' },
      instanceType: { enum: ['t2.nano', 't2.micro', 't3.micro'], description: 'the instance type you launched' },
      region: { type: 'string', description: 'the AWS region' },
    },
  };
  const doc = {
    accountId: '123456789012',
    architecture: 'x86_64',
    instanceId: 'i-0abc1234def567890',
    instanceType: 't2.micro',
    region: 'us-east-1',
    version: '2017-09-30',
  };
  const p = { file: 'instance-metadata.json', schema };

  it('passes the instance identity document', async () => {
    await expect(run(fileJson, { 'instance-metadata.json': JSON.stringify(doc, null, 2) + '\n' }, p)).resolves.toBeUndefined();
  });

  it('reports parse errors with line and column', async () => {
    let f = await failure(fileJson, { 'instance-metadata.json': '{\n  "a": 1,\n  "b": 2,\n}\n' }, p);
    expect(f.rationale).toBe(
      'instance-metadata.json is not valid JSON: a comma before "}" is not allowed (trailing comma) (line 4, column 1).',
    );
    expect(f.line).toBe(4);
    f = await failure(fileJson, { 'instance-metadata.json': "{\n  'a': 1\n}" }, p);
    expect(f.rationale).toContain('a key in double quotes is expected (line 2, column 3)');
    f = await failure(fileJson, { 'instance-metadata.json': '{"a": "x\n"}' }, p);
    expect(f.rationale).toContain('line 1, column 9');
  });

  it('names the key and line that break the schema', async () => {
    const text = JSON.stringify({ ...doc, instanceType: 'm5.large' }, null, 2);
    const f = await failure(fileJson, { 'instance-metadata.json': text }, p);
    expect(f.rationale).toBe('In instance-metadata.json, `instanceType` on line 5 must be one of "t2.nano", "t2.micro", "t3.micro".');
    expect(f.line).toBe(5);
    expect(f.hint).toContain('the instance type you launched');
  });

  it('finds exactly the errors JSON.parse finds', () => {
    const seeds = [
      '{"a": [1, 2.5e3, -0, true, null, "x\\"y\\u00e9"], "b": {}}',
      '[1.5, -2e-3, 10, "\\n\\t\\/"]',
      '[]',
      ' "s" ',
      '{"a":{"b":[{"c":[]}]}}',
    ];
    let n = 0;
    for (const s of seeds) {
      for (let i = 0; i <= s.length; i++) {
        for (const ins of ['', ',', '}', ']', '"', ':', ' ', 'x', '0']) {
          const t = s.slice(0, i) + ins + s.slice(i + (ins ? 0 : 1));
          let ok = true;
          try {
            JSON.parse(t);
          } catch {
            ok = false;
          }
          expect([t, jsonError(t) === undefined]).toEqual([t, ok]);
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(500);
  });
});
