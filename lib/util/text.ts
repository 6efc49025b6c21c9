// Pure helpers for looking at a student's bytes: what a file really is (magic numbers), whether
// it is UTF-8, where its line endings go wrong, and how to quote a line back to the student.
// Shared by the file.* kinds, `submit` and the grader; nothing here touches the disk.
import { isUtf8 } from 'node:buffer';
import { Failure } from '../errors.js';

export type SniffType =
  | 'empty'
  | 'text'
  | 'zip'
  | 'docx'
  | 'xlsx'
  | 'pptx'
  | 'odf'
  | 'pdf'
  | 'rtf'
  | 'gzip'
  | 'bzip2'
  | 'xz'
  | '7z'
  | 'png'
  | 'jpeg'
  | 'gif'
  | 'elf'
  | 'ole'
  | 'utf16'
  | 'utf32'
  | 'binary';

export interface Sniffed {
  type: SniffType;
  /** What it is, for a sentence: "a ZIP archive". */
  what: string;
}

const WHAT: Record<SniffType, string> = {
  empty: 'an empty file',
  text: 'text',
  zip: 'a ZIP archive',
  docx: 'a Word document (.docx)',
  xlsx: 'an Excel workbook (.xlsx)',
  pptx: 'a PowerPoint file (.pptx)',
  odf: 'an OpenDocument file (LibreOffice)',
  pdf: 'a PDF document',
  rtf: 'an RTF document (rich text, as saved by TextEdit or WordPad)',
  gzip: 'a gzip-compressed file',
  bzip2: 'a bzip2-compressed file',
  xz: 'an xz-compressed file',
  '7z': 'a 7-Zip archive',
  png: 'a PNG image',
  jpeg: 'a JPEG image',
  gif: 'a GIF image',
  elf: 'a compiled program (ELF)',
  ole: 'an old Microsoft Office document (.doc/.xls)',
  utf16: 'text saved as UTF-16 (as Windows Notepad and PowerShell do)',
  utf32: 'text saved as UTF-32',
  binary: 'a binary file',
};

// Longest signatures first where one is a prefix of another (UTF-32 LE starts like UTF-16 LE).
const MAGIC: [SniffType, number[]][] = [
  ['utf32', [0xff, 0xfe, 0x00, 0x00]],
  ['utf32', [0x00, 0x00, 0xfe, 0xff]],
  ['utf16', [0xff, 0xfe]],
  ['utf16', [0xfe, 0xff]],
  ['zip', [0x50, 0x4b, 0x03, 0x04]],
  ['zip', [0x50, 0x4b, 0x05, 0x06]], // empty archive
  ['zip', [0x50, 0x4b, 0x07, 0x08]], // spanned archive
  ['pdf', [0x25, 0x50, 0x44, 0x46, 0x2d]], // %PDF-
  ['rtf', [0x7b, 0x5c, 0x72, 0x74, 0x66]], // {\rtf
  ['gzip', [0x1f, 0x8b]],
  ['bzip2', [0x42, 0x5a, 0x68]], // BZh, followed by a digit (checked below)
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['7z', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
  ['png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['jpeg', [0xff, 0xd8, 0xff]],
  ['gif', [0x47, 0x49, 0x46, 0x38]], // GIF8
  ['elf', [0x7f, 0x45, 0x4c, 0x46]],
  ['ole', [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]],
];

/** How many leading bytes `sniff` needs to decide; pass at least this many (or the whole file). */
export const SNIFF_BYTES = 8192;

/**
 * What `buf` (a file's first bytes, or all of it) really is, by magic numbers, then by the
 * heuristic git uses: a NUL byte in the first 8 KB means binary. Plain ASCII that merely looks
 * odd is still 'text'; UTF-8 validity is a separate question (`firstInvalidUtf8`).
 */
export function sniff(buf: Uint8Array): Sniffed {
  const type = sniffType(buf);
  return { type, what: WHAT[type] };
}

function sniffType(buf: Uint8Array): SniffType {
  if (buf.length === 0) return 'empty';
  for (const [type, sig] of MAGIC) {
    if (buf.length >= sig.length && sig.every((b, i) => buf[i] === b)) {
      if (type === 'bzip2' && !(buf[3] >= 0x31 && buf[3] <= 0x39)) continue; // "BZh" alone is a word
      if (type === 'zip') return zipFlavour(buf);
      return type;
    }
  }
  const head = buf.subarray(0, SNIFF_BYTES);
  if (!head.includes(0)) return 'text';
  // UTF-16 without a byte-order mark: ASCII text with every other byte NUL.
  let oddNul = 0;
  let evenNul = 0;
  const n = Math.min(head.length, 1024) & ~1;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) evenNul++;
    if (head[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  if (pairs >= 2 && (oddNul >= 0.9 * pairs || evenNul >= 0.9 * pairs) && Math.min(oddNul, evenNul) === 0) return 'utf16';
  return 'binary';
}

/** Office files are ZIP archives; name the kind when its part names show it. */
function zipFlavour(buf: Uint8Array): SniffType {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.includes('mimetypeapplication/vnd.oasis.opendocument')) return 'odf';
  if (b.includes('word/')) return 'docx';
  if (b.includes('xl/')) return 'xlsx';
  if (b.includes('ppt/')) return 'pptx';
  return 'zip';
}

/** Byte offset of the first byte that breaks UTF-8, or -1 when `buf` is valid UTF-8. */
export function firstInvalidUtf8(buf: Uint8Array): number {
  if (isUtf8(buf)) return -1; // fast path (native); the scan below runs only on bad files
  let i = 0;
  while (i < buf.length) {
    const b = buf[i];
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    if (i + need >= buf.length) return i; // a sequence cut off by the end of the file
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

export const UTF8_BOM = [0xef, 0xbb, 0xbf];

export function hasUtf8Bom(buf: Uint8Array): boolean {
  return buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
}

/** 1-based line (counting LF, CRLF and lone CR as breaks) and column of a byte offset. */
export function lineAt(buf: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < buf.length; i++) {
    if (buf[i] === 0x0a || (buf[i] === 0x0d && buf[i + 1] !== 0x0a)) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

export interface LineEndings {
  crlf: number;
  /** 1-based line of the first CRLF, 0 when none. */
  firstCrlf: number;
  loneCr: number;
  firstLoneCr: number;
  /** Lines in the file (a last line without a newline counts). */
  lines: number;
  /** The last byte is a line feed. */
  finalNewline: boolean;
}

export function lineEndings(buf: Uint8Array): LineEndings {
  const r: LineEndings = { crlf: 0, firstCrlf: 0, loneCr: 0, firstLoneCr: 0, lines: 0, finalNewline: false };
  let line = 1;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    if (b === 0x0d) {
      if (buf[i + 1] === 0x0a) {
        r.crlf++;
        r.firstCrlf ||= line;
        i++;
      } else {
        r.loneCr++;
        r.firstLoneCr ||= line;
      }
      line++;
    } else if (b === 0x0a) line++;
  }
  r.finalNewline = buf.length > 0 && buf[buf.length - 1] === 0x0a;
  r.lines = buf.length === 0 ? 0 : r.finalNewline || buf[buf.length - 1] === 0x0d ? line - 1 : line;
  return r;
}

/** A file name as it can be pasted into a shell command. */
export function shellQuote(name: string): string {
  return /^[\w./@%+=:,-]+$/.test(name) ? name : `'${name.replace(/'/g, `'\\''`)}'`;
}

/** A line quoted for the student: cut to `max` characters, tabs and stray spaces made visible. */
export function quoteLine(line: string, max = 120): string {
  const chars = [...line];
  const cut = chars.length > max ? chars.slice(0, max).join('') + '…' : line;
  return JSON.stringify(cut);
}

/** "1 line", "3 lines". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/**
 * The text of an answer file for kinds that read lines or parse it: UTF-8 with any BOM dropped.
 * A file that is not text at all fails here with the same wording file.text uses, so a spec
 * without a file.text check still tells the student what is wrong.
 */
export function decodeText(buf: Buffer, rel: string): string {
  const s = sniff(buf);
  if (s.type !== 'text' && s.type !== 'empty') {
    throw new Failure({ rationale: `${rel} is really ${s.what}, not a text file.`, hint: notTextHint(s.type, rel), file: rel });
  }
  const bad = firstInvalidUtf8(buf);
  if (bad >= 0) {
    const { line } = lineAt(buf, bad);
    throw new Failure({
      rationale: `${rel} is not valid UTF-8 text: line ${line} holds the byte 0x${buf[bad].toString(16).toUpperCase()} (byte offset ${bad}).`,
      hint: utf8Hint(rel),
      file: rel,
      line,
    });
  }
  // Content is judged with line endings normalized: a file saved with Windows (or old Mac) line
  // endings says the same thing, and file.text alone reports the form.
  const text = buf.toString('utf8', hasUtf8Bom(buf) ? 3 : 0);
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

export function utf8Hint(rel: string): string {
  const q = shellQuote(rel);
  return `Re-save ${rel} with the encoding "UTF-8" in your editor, or convert it: iconv -f latin1 -t utf-8 ${q} > tmp.txt && mv tmp.txt ${q}`;
}

export function notTextHint(type: SniffType, rel: string): string {
  switch (type) {
    case 'rtf':
      return `Save it as plain text: in TextEdit choose Format → Make Plain Text, then save as ${rel}; or write it with a code editor such as nano or VS Code.`;
    case 'docx':
    case 'xlsx':
    case 'pptx':
    case 'odf':
    case 'ole':
    case 'pdf':
      return `Write the answer as plain text with a code editor (nano, vim, VS Code) and save it as ${rel}; do not rename a document.`;
    case 'utf16':
    case 'utf32':
      return `Re-save ${rel} with the encoding "UTF-8" (in PowerShell use "Out-File -Encoding utf8", or redirect the output on Linux instead).`;
    case 'zip':
    case 'gzip':
    case 'bzip2':
    case 'xz':
    case '7z':
      return `Unpack the archive and hand in the text file itself as ${rel}.`;
    default:
      return `${rel} must hold plain text; write the answer with a code editor and save it under that name.`;
  }
}

/** Levenshtein distance: how many one-letter edits turn `a` into `b` (for "did you mean"). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** The closest known name by edit distance, if it is close enough to be a typo. */
export function nearest(word: string, options: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) [best, bestD] = [o, d];
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
