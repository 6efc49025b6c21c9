// Canvas "Download Submissions": file-name parsing on real-shaped names, mapping uploads to
// students, and safe extraction of hostile zips built here at run time with Info-ZIP and Python.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { arrange, arrangeUpload, ingestCanvasDownload, lastfirstKey, parseCanvasName } from '../grader/canvas.js';
import type { RosterEntry } from '../grader/types.js';
import { safeUnzip } from '../grader/unzip.js';
import { tempDir } from './helpers/fixture.js';

/** Every file and link under `dir`, relative. */
async function tree(dir: string, base = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(path.join(dir, base), { withFileTypes: true })) {
    const rel = base ? `${base}/${d.name}` : d.name;
    out.push(rel);
    if (d.isDirectory()) out.push(...(await tree(dir, rel)));
  }
  return out.sort();
}

/** Writes a zip with Python's zipfile: entries [name, text] exactly as given (no name clean-up). */
function pyZip(file: string, entries: [string, string][], extra = ''): void {
  const code = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    for name, text in json.loads(sys.argv[2]):
        z.writestr(zipfile.ZipInfo(name), text)
${extra}`;
  execFileSync('python3', ['-c', code, file, JSON.stringify(entries)]);
}

/** Zips `files` (a map) from inside a fresh folder with Info-ZIP, keeping the given layout. */
async function infoZip(zipFile: string, files: Record<string, string>, args: string[] = []): Promise<void> {
  const src = await tempDir(files);
  execFileSync('zip', ['-q', '-r', ...args, zipFile, '.'], { cwd: src });
}

describe('Canvas file names', () => {
  it.each([
    [
      'smithjohn_12345_67890_qz417-A1.zip',
      { lastfirst: 'smithjohn', userId: '12345', attachmentId: 67890, original: 'qz417-A1.zip', late: false, reupload: 0 },
    ],
    [
      'obriensmithjosé_LATE_23456_78901_my_answers_final.zip',
      { lastfirst: 'obriensmithjosé', userId: '23456', late: true, original: 'my_answers_final.zip' },
    ],
    ['smithjohn_12345_67891_qz417-A1-1.zip', { original: 'qz417-A1-1.zip', logical: 'qz417-A1.zip', reupload: 1 }],
    ['smithjohn_12345_67892_qz417-A1-12.zip', { logical: 'qz417-A1.zip', reupload: 12 }],
    [
      'anon_a1b2c_99_qz417-A1-2.zip',
      { anonymous: true, userId: 'anon_a1b2c', attachmentId: 99, logical: 'qz417-A1.zip', reupload: 2, late: false },
    ],
    ['LATE_anon_x9_100_report_v2.pdf', { anonymous: true, userId: 'anon_x9', late: true, original: 'report_v2.pdf', reupload: 0 }],
    ['smithjohn_12345_text.html', { kind: 'text', userId: '12345', late: false }],
    ['smithjohn_LATE_12345_link.html', { kind: 'link', userId: '12345', late: true }],
    ['anon_q1_text.html', { kind: 'text', userId: 'anon_q1', anonymous: true }],
    [
      'van_der_berg_ana_555_777_q1_final.txt',
      { lastfirst: 'van_der_berg_ana', userId: '555', attachmentId: 777, original: 'q1_final.txt' },
    ],
  ])('%s', (name, want) => {
    expect(parseCanvasName(name)).toMatchObject(want);
  });

  it('refuses names that are not Canvas names, and reads decomposed (macOS) unicode', () => {
    expect(parseCanvasName('qz417-A1.zip')).toBeUndefined();
    expect(parseCanvasName('smithjohn_qz417-A1.zip')).toBeUndefined();
    expect(parseCanvasName('obriensmithjose\u0301_1_2_a.zip')?.lastfirst).toBe('obriensmithjosé');
    expect(lastfirstKey("O'Brien-Smith, José")).toBe('obriensmithjosé');
  });

  it('arranges files by base name when a student zipped another layout', () => {
    const m = arrange(['qz417-A1/deep/q1.txt', 'qz417-A1/q2.csv', 'qz417-A1/notes.md'], ['q1.txt', 'q2.csv']);
    expect(Object.fromEntries(m)).toEqual({
      'qz417-A1/deep/q1.txt': 'q1.txt',
      'qz417-A1/q2.csv': 'q2.csv',
      'qz417-A1/notes.md': 'notes.md',
    });
    // The shallower copy wins when two have the same base name.
    expect(arrange(['x/old/q1.txt', 'x/q1.txt'], ['q1.txt']).get('x/q1.txt')).toBe('q1.txt');
  });
});

const roster: RosterEntry[] = [
  { netid: 'qz417', name: 'Quinn Zhao', canvasId: '12345', extensionMinutes: 0 },
  { netid: 'jos1', name: "José O'Brien-Smith", extensionMinutes: 0 },
  { netid: 'jd22', name: 'Someone Else', extensionMinutes: 0 },
  { netid: 'bob1', name: 'Bob Evil', canvasId: '999', extensionMinutes: 0 },
  { netid: 'kim7', name: 'Kim Loose', canvasId: '321', extensionMinutes: 0 },
];

async function sampleDownload(): Promise<string> {
  const dl = await tempDir();
  await infoZip(path.join(dl, 'zhaoquinn_12345_100_qz417-A1.zip'), { 'qz417-A1/q1.txt': 'old\n', 'qz417-A1/q2.csv': 'a\n' });
  await infoZip(path.join(dl, 'zhaoquinn_12345_105_qz417-A1-1.zip'), {
    'qz417-A1/q1.txt': 'new\n',
    'qz417-A1/q2.csv': 'a,b\n',
    'qz417-A1/.DS_Store': 'x',
  });
  await infoZip(path.join(dl, 'obriensmithjosé_LATE_777_200_my_answers.zip'), {
    'stuff/deep/q1.txt': 'jose\n',
    'q2.csv': 'j\n',
    '__MACOSX/._q1.txt': 'x',
  });
  await infoZip(path.join(dl, 'elsesomeone_888_300_jd22-A1.zip'), { 'jd22-A1/q1.txt': 'jd\n' });
  pyZip(path.join(dl, 'evilbob_999_400_bob1-A1.zip'), [
    ['../escape.txt', 'pwned'],
    ['q1.txt', 'bob\n'],
  ]);
  await writeFile(path.join(dl, 'anon_zz_500_who.zip'), 'not even a zip');
  // Loose files, no zip: the latest copy of each name is kept.
  await writeFile(path.join(dl, 'loosekim_321_600_q1.txt'), 'kim old\n');
  await writeFile(path.join(dl, 'loosekim_321_601_q1-1.txt'), 'kim new\n');
  await writeFile(path.join(dl, 'loosekim_LATE_321_602_q2.csv'), 'k\n');
  await writeFile(path.join(dl, '.DS_Store'), 'junk');
  return dl;
}

describe('an upload with two copies of an answer', () => {
  /** A zip whose entries carry the given modification times (date_time, as zip tools write them). */
  function datedZip(file: string, entries: [string, string, number[]][]): void {
    const code = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    for name, text, when in json.loads(sys.argv[2]):
        z.writestr(zipfile.ZipInfo(name, tuple(when)), text)`;
    execFileSync('python3', ['-c', code, file, JSON.stringify(entries)]);
  }

  it("grades the newer copy (by the zip's own times) and tells the student about both", async () => {
    // As in a real 2016 upload: PS03/ and a Finder copy "PS03 2/", the copy older.
    const dl = await tempDir({}, 'harness-copies-');
    datedZip(path.join(dl, 'smithjohn_12345_67890_PS03.zip'), [
      ['PS03 2/q1.txt', 'first try\n', [2016, 10, 1, 9, 15, 44]],
      ['PS03/q1.txt', 'final\n', [2016, 10, 3, 14, 2, 10]],
      ['PS03/q2.csv', 'a\n', [2016, 10, 3, 14, 2, 10]],
      ['PS03 2/q2.csv', 'a\n', [2016, 10, 1, 9, 15, 44]],
    ]);
    const { students } = await ingestCanvasDownload(dl, undefined, { workDir: await tempDir(), expected: ['q1.txt', 'q2.csv'] });
    const s = students[0];
    expect(await readFile(path.join(s.dir!, 'q1.txt'), 'utf8')).toBe('final\n');
    // Identical copies (q2.csv) need no word; the two q1.txt differ.
    expect(s.problem).toBe(
      'q1.txt: the upload holds 2 different copies, "PS03/q1.txt" (modified 2016-10-03 14:02:10) and "PS03 2/q1.txt" (modified 2016-10-01 09:15:44); the newer, "PS03/q1.txt", was graded',
    );
    // The other copy is kept beside it, under its own path, for the instructor to see.
    expect(s.files).toEqual(['PS03 2/q1.txt', 'PS03 2/q2.csv', 'q1.txt', 'q2.csv']);
  });

  it('the newer copy wins wherever it sorts; without times, an exact path, then the shallowest', () => {
    const t = (d: number) => Date.UTC(2016, 9, d);
    expect(arrangeUpload(['PS03 2/q1.txt', 'PS03/q1.txt'], ['q1.txt'], { 'PS03 2/q1.txt': t(5), 'PS03/q1.txt': t(3) }).copies).toEqual([
      {
        name: 'q1.txt',
        graded: 'PS03 2/q1.txt',
        all: [
          { path: 'PS03 2/q1.txt', modified: t(5) },
          { path: 'PS03/q1.txt', modified: t(3) },
        ],
      },
    ]);
    expect(arrange(['x/old/q1.txt', 'x/q1.txt'], ['q1.txt']).get('x/q1.txt')).toBe('q1.txt');
    expect(arrange(['a/b/q1.txt', 'c/q1.txt'], ['q1.txt']).get('c/q1.txt')).toBe('q1.txt');
  });
});

describe('ingestCanvasDownload', () => {
  it('maps uploads by Canvas id, NetID in the file name and roster name; the latest upload wins', async () => {
    const work = await tempDir();
    const { students, unmatched } = await ingestCanvasDownload(await sampleDownload(), roster, {
      workDir: work,
      expected: ['q1.txt', 'q2.csv'],
    });
    expect(unmatched).toEqual(['anon_zz_500_who.zip']);
    const by = Object.fromEntries(students.map((s) => [s.entry.netid, s]));
    expect(students.map((s) => s.entry.netid)).toEqual(['bob1', 'jd22', 'jos1', 'kim7', 'qz417']);
    expect(by.kim7).toMatchObject({ files: ['q1.txt', 'q2.csv'], late: true, uploadedName: 'q2.csv' });
    expect(await readFile(path.join(by.kim7.dir!, 'q1.txt'), 'utf8')).toBe('kim new\n');
    expect(by.qz417).toMatchObject({ uploadedName: 'qz417-A1-1.zip', late: false, files: ['q1.txt', 'q2.csv'], attachmentId: 105 });
    expect(await readFile(path.join(by.qz417.dir!, 'q1.txt'), 'utf8')).toBe('new\n');
    expect(by.jos1).toMatchObject({ late: true, files: ['q1.txt', 'q2.csv'], problem: undefined });
    expect(await readFile(path.join(by.jos1.dir!, 'q1.txt'), 'utf8')).toBe('jose\n');
    expect(by.jd22.files).toEqual(['q1.txt']);
    expect(by.bob1.problem).toMatch(/"\.\.\/escape\.txt" points outside the folder/);
    expect(by.bob1.files).toEqual(['q1.txt']);
    expect(existsSync(path.join(work, 'escape.txt'))).toBe(false);
    expect(existsSync(path.join(work, '.stage'))).toBe(false);
    expect((await readdir(work)).sort()).toEqual(['bob1', 'jd22', 'jos1', 'kim7', 'qz417']);
  });

  it("never trusts a file name over Canvas: an upload named as another student's is reported, not graded as theirs", async () => {
    const dl = await tempDir();
    const people: RosterEntry[] = [
      { netid: 'good1', name: 'Good One', extensionMinutes: 0 },
      { netid: 'good2', name: 'Good Two', extensionMinutes: 0 },
      { netid: 'mal1', name: 'Mallory Bad', extensionMinutes: 0 },
      { netid: 'quiet3', name: 'Quiet Three', extensionMinutes: 0 },
      { netid: 'x4', name: 'Ex Four', extensionMinutes: 0 },
    ];
    await infoZip(path.join(dl, 'onegood_1_10_good1-A2.zip'), { 'q1.txt': 'good1\n' });
    await infoZip(path.join(dl, 'twogood_2_20_good2-A2.zip'), { 'q1.txt': 'good2\n' });
    // Mallory (no Canvas ids in the roster) uploads a zip named as good2's, later than good2's own.
    await infoZip(path.join(dl, 'badmallory_3_30_good2-A2.zip'), { 'q1.txt': 'sabotage\n' });
    // Canvas names that match no roster name: the file name is all there is.
    await infoZip(path.join(dl, 'nicknameq_5_50_quiet3-A2.zip'), { 'q1.txt': 'quiet3\n' });
    await infoZip(path.join(dl, 'strangera_6_60_x4-A2.zip'), { 'q1.txt': 'a\n' });
    await infoZip(path.join(dl, 'strangerb_7_70_x4-A2.zip'), { 'q1.txt': 'b\n' });
    const { students, unmatched } = await ingestCanvasDownload(dl, people, { workDir: await tempDir(), expected: ['q1.txt'] });
    const by = Object.fromEntries(students.map((st) => [st.entry.netid, st]));
    expect(await readFile(path.join(by.good2.dir!, 'q1.txt'), 'utf8')).toBe('good2\n');
    expect(by.good2.problem).toBeUndefined();
    expect(await readFile(path.join(by.mal1.dir!, 'q1.txt'), 'utf8')).toBe('sabotage\n');
    expect(by.mal1.problem).toBe("uploaded a file named as good2's; graded as mal1, whom Canvas names");
    expect(by.quiet3.problem).toMatch(/^matched to quiet3 by the NetID in the file name only \(Canvas user 5\)/);
    // Two strangers claiming the same student: neither is trusted.
    expect(by.x4).toBeUndefined();
    expect(unmatched).toEqual(["Canvas user 6 and Canvas user 7 uploaded files named as x4's: not trusted"]);
  });

  it('reads the download as one zip too, and without a roster guesses NetIDs from file names', async () => {
    const dl = await sampleDownload();
    const zip = path.join(await tempDir(), 'submissions.zip');
    execFileSync('zip', ['-q', '-r', zip, '.'], { cwd: dl });
    const { students, unmatched } = await ingestCanvasDownload(zip, undefined, { workDir: await tempDir() });
    expect(unmatched).toEqual([]);
    expect(students.map((s) => s.entry.netid)).toEqual(['anon_zz', 'bob1', 'canvas-321', 'canvas-777', 'jd22', 'qz417']);
    const anon = students.find((s) => s.entry.netid === 'anon_zz')!;
    expect(anon.problem).toMatch(/^who\.zip: the zip file is damaged or incomplete/);
    // Without `expected`, the single top folder of the zip is dropped.
    expect(students.find((s) => s.entry.netid === 'qz417')!.files).toEqual(['q1.txt', 'q2.csv']);
  });
});

describe('hostile zips', () => {
  /** Extracts into root/target and checks nothing appeared anywhere else under root. */
  async function extract(make: (zip: string) => Promise<void> | void, limits = {}) {
    const root = await tempDir();
    const zip = path.join(await tempDir(), 'student.zip');
    await make(zip);
    const res = await safeUnzip(zip, path.join(root, 'target'), limits);
    const outside = (await tree(root)).filter((f) => f !== 'target' && !f.startsWith('target/'));
    expect(outside).toEqual([]);
    for (const f of await tree(path.join(root, 'target'))) expect((await stat(path.join(root, 'target', f))).isSymbolicLink()).toBe(false);
    return { ...res, root };
  }

  it('extracts a normal zip and ignores junk', async () => {
    const r = await extract((z) =>
      infoZip(z, { 'A1/q1.txt': 'hi\n', 'A1/.DS_Store': 'x', '__MACOSX/A1/._q1.txt': 'x', 'A1/q1.txt~': 'x' }),
    );
    expect(r).toMatchObject({ files: ['A1/q1.txt'], problems: [], complete: true });
  });

  it('refuses path traversal, absolute paths, drive letters and backslashes', async () => {
    const abs = path.join(await tempDir(), 'abs.txt');
    const r = await extract((z) =>
      pyZip(z, [
        ['../../evil.txt', 'x'],
        [abs, 'x'],
        ['C:/win.txt', 'x'],
        ['..\\back.txt', 'x'],
        ['ok/../../sneaky.txt', 'x'],
        ['good.txt', 'ok'],
      ]),
    );
    expect(r.files).toEqual(['good.txt']);
    expect(r.problems).toHaveLength(5);
    expect(r.problems.join('\n')).toMatch(/"\.\.\/\.\.\/evil\.txt" points outside the folder/);
    expect(r.problems.join('\n')).toMatch(/has an absolute path/);
    expect(r.problems.join('\n')).toMatch(/drive letter/);
    expect(r.problems.join('\n')).toMatch(/backslashes/);
    expect(existsSync(abs)).toBe(false);
  });

  it('refuses symbolic links', async () => {
    const r = await extract(async (z) => {
      const src = await tempDir({ 'q1.txt': 'hi\n' });
      await symlink('/etc/passwd', path.join(src, 'passwd'));
      await symlink('..', path.join(src, 'up'));
      execFileSync('zip', ['-q', '--symlinks', '-r', z, '.'], { cwd: src });
    });
    expect(r.files).toEqual(['q1.txt']);
    expect(r.problems).toHaveLength(2);
    expect(r.problems.join('\n')).toMatch(/"passwd" is a symbolic link/);
    expect(r.problems.join('\n')).toMatch(/"up" is a symbolic link/);
  });

  /** `mb` MB of zeros per entry, deflated by Python; `lie` rewrites the sizes in both headers. */
  const bomb =
    (mb: number, entries = 1, lie = 0) =>
    (z: string): void =>
      void execFileSync('python3', [
        '-c',
        `
import struct, sys, zipfile
mb, entries, lie = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    for i in range(entries):
        with z.open('zeros%d.bin' % i, 'w') as f:
            block = bytes(1 << 20)
            for _ in range(mb): f.write(block)
if lie:
    b = bytearray(open(sys.argv[1], 'rb').read())
    struct.pack_into('<I', b, 22, lie)
    c = b.index(b'PK\\x01\\x02')
    struct.pack_into('<I', b, c + 24, lie)
    open(sys.argv[1], 'wb').write(b)
`,
        z,
        String(mb),
        String(entries),
        String(lie),
      ]);

  it('stops zip bombs: 200 MB of zeros, by its header or by counting inflated bytes', async () => {
    const t0 = Date.now();
    // An honest header claiming 200 MB is refused before inflating anything.
    const r = await extract(bomb(200));
    expect(r).toMatchObject({ complete: false, files: [] });
    expect(r.problems).toEqual(['entry "zeros0.bin" would unpack to more than 100 MB; extraction stopped (a zip bomb?)']);
    // A header that lies (says 1000 bytes): the bytes are counted and the stream stopped.
    const lying = await extract(bomb(200, 1, 1000));
    expect(lying.files).toEqual([]);
    expect(lying.problems[0]).toMatch(/damaged or incomplete \(too many bytes in the stream/);
    // Under the total cap, the ratio of the bytes actually inflated stops it at about 1 MB.
    const ratio = await extract(bomb(50));
    expect(ratio.problems).toEqual(['the zip entry "zeros0.bin" expands more than 100 times; extraction stopped (a zip bomb?)']);
    // With the ratio out of the way, the total over all entries stops it; no partial file remains.
    const total = await extract(bomb(10, 3), { maxRatio: 1e9, maxTotalBytes: 20 * 1024 * 1024 });
    expect(total.problems).toEqual(['the zip unpacks to more than 20 MB; extraction stopped (a zip bomb?)']);
    expect(total.files).toEqual(['zeros0.bin', 'zeros1.bin']);
    expect(await tree(path.join(total.root, 'target'))).toEqual(['zeros0.bin', 'zeros1.bin']);
    expect(Date.now() - t0).toBeLessThan(30_000);
  }, 60_000);

  it('caps the number of entries', async () => {
    const r = await extract(
      (z) =>
        pyZip(
          z,
          Array.from({ length: 30 }, (_, i) => [`f${i}.txt`, 'x'] as [string, string]),
        ),
      { maxEntries: 10 },
    );
    expect(r.complete).toBe(false);
    expect(r.files).toHaveLength(10);
    expect(r.problems).toEqual(['the zip has more than 10 entries; extraction stopped']);
  });

  it('reports encrypted entries', async () => {
    const r = await extract((z) => infoZip(z, { 'q1.txt': 'secret\n' }, ['-e', '-P', 'pw']));
    expect(r.files).toEqual([]);
    expect(r.problems).toEqual(['entry "q1.txt" is encrypted (password-protected); zip it again without a password']);
  });

  it('reports truncated archives', async () => {
    const r = await extract(async (z) => {
      await infoZip(z, { 'q1.txt': 'x'.repeat(5000), 'q2.txt': 'y'.repeat(5000) });
      await truncate(z, Math.floor((await stat(z)).size / 2));
    });
    expect(r.complete).toBe(false);
    expect(r.problems[0]).toMatch(/^the zip file is damaged or incomplete \(.+\); upload it again$/);
  });

  it('reports a corrupted entry (bad CRC) without keeping the half-written file', async () => {
    const r = await extract(async (z) => {
      await infoZip(z, { 'q1.txt': 'hello hello hello\n' }, ['-0']);
      const buf = await readFile(z);
      buf.write('jello', buf.indexOf('hello'));
      await writeFile(z, buf);
    });
    expect(r.problems[0]).toMatch(/damaged or incomplete/);
    expect(r.files).toEqual([]);
    expect(await tree(path.join(r.root, 'target'))).toEqual([]);
  });

  it('reports names that are not UTF-8', async () => {
    const r = await extract(async (z) => {
      pyZip(z, [
        ['cafX.txt', 'x'],
        ['ok.txt', 'y'],
      ]);
      const buf = await readFile(z);
      let at = -1;
      while ((at = buf.indexOf('cafX', at + 1)) >= 0) buf[at + 3] = 0xe9; // Latin-1 é, no UTF-8 flag
      await writeFile(z, buf);
    });
    expect(r.files).toEqual(['ok.txt']);
    expect(r.problems).toEqual([
      'a file name in the zip is not UTF-8 ("café.txt") and was not extracted; rename with plain letters and zip again',
    ]);
  });

  it('a file that is not a zip at all is a problem, not an exception', async () => {
    const r = await extract((z) => writeFile(z, 'PK but not really'));
    expect(r).toMatchObject({ files: [], complete: false });
    expect(r.problems[0]).toMatch(/damaged or incomplete/);
  });
});
