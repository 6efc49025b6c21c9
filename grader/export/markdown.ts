// Prose from checks, made into Markdown that reads the same rendered or as plain text: Canvas
// comments show it as plain text, Gradescope and a Markdown viewer render it. So no HTML entities
// (`&lt;` is what a plain-text reader would see), as few backslashes as will do, and commands and
// anything tag-like (`<NetID>`, `<img …>`) in code spans, where no renderer reads them as markup.

/** Words a hint's command starts with. */
const COMMANDS = new Set([
  'git',
  'npm',
  'npx',
  'node',
  'harness',
  'make',
  'python',
  'python3',
  'pip',
  'pip3',
  'aws',
  'ssh',
  'ssh-keygen',
  'chmod',
  'rm',
  'mv',
  'cp',
  'mkdir',
  'cd',
  'cat',
  'ls',
  'echo',
  'touch',
  'unzip',
  'zip',
  'mrjob',
  'spark-submit',
  'hadoop',
  'sed',
  'grep',
  'head',
  'tail',
  'sort',
  'wc',
  'curl',
  'tr',
  'cut',
]);

/** `text` as a code span, fenced with more backticks than any run inside it. */
export function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const f = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${f}${pad}${text}${pad}${f}`;
}

/** Plain text with nothing tag-like in it: only what would turn into markup is escaped. */
function plain(part: string): string {
  return part
    .replace(/\\/g, '\\\\')
    .replace(/&(?=#?[A-Za-z0-9]+;)/g, '\\&') // only what a renderer would read as an entity
    .replace(/([*[\]|])/g, '\\$1')
    .replace(/(^|\s)_|_(?=\s|$)/g, (m) => m.replace('_', '\\_'))
    .replace(/^(\s*)([#>+-]|\d+\.)(\s)/, '$1\\$2$3');
}

/** A tag-like run (`<NetID>`, `<img src=x>`) would be read as HTML: it becomes code. */
const TAGLIKE = /[^\s<>`]*<[A-Za-z/!?][^<>\n]*>?(?:[^\s<>`]*[^\s<>`.,;:)])?/g;

/** Plain words: tag-like runs as code, the rest escaped only as far as Markdown needs. */
function words(t: string): string {
  let out = '';
  let last = 0;
  for (const m of t.matchAll(TAGLIKE)) {
    out += plain(t.slice(last, m.index)) + code(m[0]);
    last = m.index + m[0].length;
  }
  return out + plain(t.slice(last));
}

/** Words that end a command: what follows is the sentence again ("git fetch first if …"). */
const PROSE = /^(first|if|when|so|to|before|after|again|or|and|instead|unless|once|from|on|in)\b/;

/**
 * Where a command that starts at `i` ends: a double space, " (", ", then", "; ", a closing bracket
 * it did not open, a word of prose outside quotes, or a sentence's end.
 */
function commandEnd(t: string, i: number): number {
  let depth = 0;
  let quote = '';
  for (let j = i; j < t.length; j++) {
    const c = t[j];
    if (quote) {
      if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    if (c === ' ' && j > i && PROSE.test(t.slice(j + 1))) return j;
    if (t.startsWith(' (', j)) return j;
    if (c === '(') depth++;
    if (c === ')') {
      if (depth === 0) return j;
      depth--;
    }
    if (t.startsWith('  ', j) || t.startsWith(', then ', j) || t.startsWith('; ', j)) return j;
    if (c === '.' && (j === t.length - 1 || /\s/.test(t[j + 1])) && !/[\w/]\.\w/.test(t.slice(j - 1, j + 2))) return j;
  }
  return t.length;
}

/** Commands in a sentence (after ":", "(", "with", "then", "run" or at its start) as code spans. */
function commands(t: string): string {
  let out = '';
  let last = 0;
  const starts = /(^|: |\(|\bwith |\bthen |\b[Rr]un |\bType )([a-z][\w-]*)(?= )/g;
  for (let m = starts.exec(t); m; m = starts.exec(t)) {
    if (!COMMANDS.has(m[2]) || m.index < last) continue;
    const from = m.index + m[1].length;
    const to = commandEnd(t, from);
    out += words(t.slice(last, from)) + code(t.slice(from, to).trimEnd());
    last = to;
    starts.lastIndex = to;
  }
  return out + words(t.slice(last));
}

/**
 * Prose as Markdown: spans the text already marks with backticks stay code, commands become code,
 * and the rest is escaped only as far as Markdown needs.
 */
export function prose(text: string): string {
  const cached = memo.get(text);
  if (cached !== undefined) return cached;
  const out = text
    .split(/(`[^`\n]+`)/)
    .map((part) => (/^`[^`\n]+`$/.test(part) ? part : commands(part)))
    .join('');
  if (memo.size >= 20_000) memo.clear();
  memo.set(text, out);
  return out;
}
// Most prose repeats from student to student (check titles, hints): worked out once each.
const memo = new Map<string, string>();
