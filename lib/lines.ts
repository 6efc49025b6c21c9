// Line and pattern rules over a text answer (counts, per-line regexes, expected lines, tab-separated
// fields, order, duplicates, blank lines), shared by the file.lines kind and the checks that judge a
// program's output (lib/run/judge.ts). Rules run in a fixed order; see docs/checks/file.lines.md.
import type { Finding } from './types.js';
import { plural, quoteLine } from './util/text.js';
import { compilePattern, linearTime, patternProblem, type Pattern } from './util/pattern.js';

export type Rule = string | { pattern: string; describe?: string; flags?: string };

export interface FileLinesParams {
  file: string;
  maxBytes?: number;
  comments?: string;
  blankLines?: 'forbid' | 'allow';
  count?: number | { min?: number; max?: number };
  fields?: { separator?: string; count?: number; names?: string[]; patterns?: (string | null)[] };
  each?: Rule;
  expect?: Rule[];
  unique?: boolean | { key: number };
  sorted?: 'asc' | 'desc' | { order: 'asc' | 'desc'; key?: number; numeric?: boolean };
  whole?: Rule;
}

interface Line {
  n: number;
  text: string;
}
type Finding2 = Finding & { partial?: number };

/**
 * One failure for a list of findings (not empty): the first broken rule is the message, the next
 * three are named in the hint so one round of fixes suffices, and the credit is the smallest.
 */
export function firstOf(findings: Finding2[]): Finding & { partial: number } {
  const [first, ...rest] = findings;
  const also = rest.length
    ? ` Also: ${rest
        .slice(0, 3)
        .map((f) => f.rationale)
        .join(' ')}${rest.length > 3 ? ' …' : ''}`
    : '';
  return { ...first, hint: `${first.hint ?? ''}${also}`.trim(), partial: Math.min(...findings.map((f) => f.partial ?? 0)) };
}

/**
 * lineFindings with its pattern matching guarded (util/pattern.ts): a pattern that backtracks
 * catastrophically on a line is redone in linear time instead of hanging the run.
 */
export function checkLines(text: string, p: FileLinesParams): Promise<Finding2[]> {
  return linearTime(() => lineFindings(text, p));
}

/** Every broken rule, in the documented order. */
export function lineFindings(text: string, p: FileLinesParams): Finding2[] {
  const file = p.file;
  const all = text.split(/\r\n|\r|\n/);
  if (all.length > 0 && all[all.length - 1] === '') all.pop(); // the final newline ends a line; it does not start one
  const lines: Line[] = all.map((t, i) => ({ n: i + 1, text: t }));
  const isComment = (t: string) => p.comments !== undefined && t.trimStart().startsWith(p.comments);
  const blank = lines.filter((l) => l.text.trim() === '');
  const answers = lines.filter((l) => l.text.trim() !== '' && !isComment(l.text));
  const sep = p.fields?.separator ?? '\t';
  const out: Finding2[] = [];
  const at = (l: Line) => ({ line: l.n, actual: quoteLine(l.text) });

  if ((p.blankLines ?? 'forbid') === 'forbid' && blank.length > 0) {
    out.push({
      code: 'blank-lines',
      rationale: `Line ${blank[0].n} of ${file} is blank${blank.length > 1 ? ` (${plural(blank.length, 'blank line')} in all)` : ''}; blank lines are not allowed here.`,
      hint: 'Delete the blank lines, including empty lines at the end of the file.',
      line: blank[0].n,
      expected: 'no blank lines',
      actual: `blank lines: ${blank
        .slice(0, 10)
        .map((l) => l.n)
        .join(', ')}${blank.length > 10 ? ', …' : ''}`,
    });
  }

  const c = p.count;
  const min = typeof c === 'number' ? c : (c?.min ?? 1); // with no count, an answer needs at least one line
  const max = typeof c === 'number' ? c : (c?.max ?? Infinity);
  if (answers.length < min || answers.length > max) {
    const want = min === max ? plural(min, 'line') : max === Infinity ? `at least ${plural(min, 'line')}` : `${min} to ${max} lines`;
    const extra = answers.length > max ? answers[max] : undefined;
    out.push({
      code: 'count',
      rationale:
        answers.length === 0
          ? `${file} has no answer lines.`
          : `${file} has ${plural(answers.length, 'answer line')}, but ${want} ${min === max && min === 1 ? 'is' : 'are'} expected.`,
      hint: extra
        ? `Remove the extra lines, from line ${extra.n} on, or join lines that belong together.`
        : 'Add the missing lines; each answer goes on its own line.',
      expected: want,
      actual: plural(answers.length, 'line'),
      line: extra?.n,
    });
  }

  // Per-line rules (fields, each): the share of good lines is the partial credit.
  const each = p.each === undefined ? undefined : compile(p.each);
  const fieldRes = (p.fields?.patterns ?? []).map((f) => (f === null ? null : compilePattern(`^(?:${f})$`)));
  const format = p.fields?.names?.join(sep === '\t' ? '<TAB>' : sep);
  const lineProblem = (l: Line): Finding2 | undefined => {
    if (p.fields) {
      const parts = l.text.split(sep);
      const want = p.fields.count;
      if (want !== undefined && parts.length !== want) {
        const tabHint = sep === '\t' && / {2,}|\S \S/.test(l.text) ? ' Separate fields with one tab character, not spaces.' : '';
        return {
          ...at(l),
          code: 'field-count',
          rationale: `Line ${l.n} of ${file} has ${plural(parts.length, 'field')}, but ${want} ${sep === '\t' ? 'tab-separated ' : ''}fields are expected${format ? ` (${format})` : ''}.`,
          hint: `Each line must hold exactly ${want} fields.${tabHint}`,
          expected: format ?? plural(want, 'field'),
        };
      }
      for (let i = 0; i < fieldRes.length && i < parts.length; i++) {
        const re = fieldRes[i];
        if (re && !re.test(parts[i])) {
          const name = p.fields.names?.[i];
          return {
            ...at(l),
            code: 'field-form',
            rationale: `Field ${i + 1}${name ? ` (${name})` : ''} on line ${l.n} of ${file} is ${quoteLine(parts[i], 60)}, which is not in the expected form.`,
            hint: format ? `Each line must look like ${format}.` : `Field ${i + 1} must match /${p.fields.patterns![i]}/.`,
            expected: `/${p.fields.patterns![i]}/`,
          };
        }
      }
    }
    if (each && !each.re.test(l.text)) {
      return {
        ...at(l),
        code: 'line-form',
        rationale: `Line ${l.n} of ${file} does not look like ${each.describe ?? 'the expected form'}.`,
        hint: `Every line must look like ${each.describe ?? `/${each.re.source}/`}; check spacing, punctuation and tabs.`,
        expected: each.describe ? `${each.describe} (/${each.re.source}/)` : `/${each.re.source}/`,
      };
    }
    return undefined;
  };
  const bad = answers.map((l) => lineProblem(l)).filter((f): f is Finding2 => f !== undefined);
  if (bad.length > 0) {
    const more = bad.length > 1 ? ` ${plural(bad.length, 'line')} of ${answers.length} are not in the expected form.` : '';
    out.push({ ...bad[0], hint: `${bad[0].hint}${more}`, partial: (answers.length - bad.length) / answers.length });
  }

  const expects = (p.expect ?? []).map((r) => compile(r));
  const missing = expects.filter((e) => !answers.some((l) => e.re.test(l.text)));
  if (missing.length > 0) {
    const m = missing[0];
    out.push({
      code: 'missing-line',
      rationale: `${file} has no line like ${m.describe ?? `/${m.re.source}/`}${missing.length > 1 ? ` (${missing.length} expected lines are missing)` : ''}.`,
      hint: `Add a line of the form ${m.describe ?? `/${m.re.source}/`}; the line must start exactly as shown, with no extra spaces.`,
      expected: missing.map((e) => e.describe ?? `/${e.re.source}/`).join('; '),
      partial: (expects.length - missing.length) / expects.length,
    });
  }

  const keyOf = (l: Line, key?: number) => (key === undefined ? l.text : (l.text.split(sep)[key - 1] ?? ''));
  if (p.unique) {
    const key = typeof p.unique === 'object' ? p.unique.key : undefined;
    const seen = new Map<string, number>();
    for (const l of answers) {
      const k = keyOf(l, key);
      const first = seen.get(k);
      if (first !== undefined) {
        out.push({
          ...at(l),
          code: 'duplicate',
          rationale: `Line ${l.n} of ${file} repeats ${key ? `field ${key} of ` : ''}line ${first}; every ${key ? 'key' : 'line'} must appear only once.`,
          hint: 'Remove or merge the duplicate lines (sort | uniq helps).',
        });
        break;
      }
      seen.set(k, l.n);
    }
  }

  if (p.sorted) {
    const s = typeof p.sorted === 'string' ? { order: p.sorted } : p.sorted;
    const sign = s.order === 'asc' ? 1 : -1;
    const order = s.order === 'asc' ? 'smallest first' : 'largest first';
    for (let i = 0; i < answers.length; i++) {
      const k = keyOf(answers[i], s.key).trim();
      if (s.numeric && (k === '' || !Number.isFinite(Number(k)))) {
        out.push({
          ...at(answers[i]),
          code: 'not-a-number',
          rationale: `${s.key ? `Field ${s.key}` : 'The text'} on line ${answers[i].n} of ${file} is ${quoteLine(k, 40)}, but a number is expected there.`,
          hint: 'Write a plain number there (digits, optionally a decimal point), with nothing else.',
        });
        break;
      }
      if (i === 0) continue;
      const prev = keyOf(answers[i - 1], s.key).trim();
      const cmp = s.numeric ? Number(k) - Number(prev) : k < prev ? -1 : k > prev ? 1 : 0;
      if (cmp * sign < 0) {
        out.push({
          ...at(answers[i]),
          code: 'order',
          rationale: `Line ${answers[i].n} of ${file} is out of order: ${quoteLine(k, 40)} comes after ${quoteLine(prev, 40)}, but lines must be sorted ${order}${s.numeric ? ' by number' : ''}.`,
          hint: `Sort the lines ${order}${s.key ? ` by field ${s.key}` : ''}${s.numeric ? ' numerically' : ''} (for example in your reducer, or with sort${s.key ? ` -t$'\\t' -k${s.key},${s.key}` : ''}${s.numeric ? ' -n' : ''}${sign < 0 ? ' -r' : ''}).`,
        });
        break;
      }
    }
  }

  if (p.whole !== undefined) {
    const w = compile(p.whole, 'm');
    // Lines end at \n for the pattern, as for the other rules: a CRLF file matches the same.
    if (!w.re.test(text.replace(/\r\n?/g, '\n'))) {
      out.push({
        code: 'whole-form',
        rationale: `${file} does not have the expected overall form${w.describe ? `: ${w.describe}` : ''}.`,
        hint: w.describe ? `Make the file look like: ${w.describe}` : `The whole file must match /${w.re.source}/.`,
        expected: w.describe ?? `/${w.re.source}/`,
      });
    }
  }
  return out;
}

/** Patterns from util/pattern.ts: matching is guarded, no rule and no line can hang a run. */
function compile(rule: Rule, extraFlags = ''): { re: Pattern; describe?: string } {
  const r = typeof rule === 'string' ? { pattern: rule } : rule;
  const flags = [...new Set(`${r.flags ?? ''}${extraFlags}`)].join('');
  return { re: compilePattern(r.pattern, flags), describe: 'describe' in r ? r.describe : undefined };
}

/** Semantic problems the schema cannot see: bad regexes, impossible counts, field numbers out of range. */
export function validateParams(p: FileLinesParams): string[] {
  const out: string[] = [];
  const tryRe = (where: string, pattern: unknown, flags = '') => {
    if (typeof pattern !== 'string') return;
    if (!/^[imsu]*$/.test(flags)) out.push(`${where}: flags "${flags}" are not allowed; use any of i, m, s, u`);
    const problem = patternProblem(pattern, flags.replace(/[^imsu]/g, ''));
    if (problem) out.push(`${where}: ${problem}`);
  };
  const tryRule = (where: string, r: Rule | undefined) => {
    if (r === undefined) return;
    if (typeof r === 'string') tryRe(where, r);
    else tryRe(where, r.pattern, r.flags ?? '');
  };
  tryRule('each', p.each);
  tryRule('whole', p.whole);
  (p.expect ?? []).forEach((r, i) => tryRule(`expect[${i}]`, r));
  (p.fields?.patterns ?? []).forEach((r, i) => r !== null && tryRe(`fields.patterns[${i}]`, r));
  if (typeof p.count === 'object' && p.count.min !== undefined && p.count.max !== undefined && p.count.min > p.count.max) {
    out.push(`count: min ${p.count.min} is larger than max ${p.count.max}`);
  }
  const n = p.fields?.count;
  if (n !== undefined) {
    if ((p.fields?.patterns?.length ?? 0) > n) out.push(`fields: ${p.fields!.patterns!.length} patterns for ${n} fields`);
    if ((p.fields?.names?.length ?? 0) > n) out.push(`fields: ${p.fields!.names!.length} names for ${n} fields`);
    const sortKey = typeof p.sorted === 'object' ? p.sorted.key : undefined;
    if (sortKey !== undefined && sortKey > n) out.push(`sorted.key ${sortKey} is past the last of ${n} fields`);
    if (typeof p.unique === 'object' && p.unique.key > n) out.push(`unique.key ${p.unique.key} is past the last of ${n} fields`);
  }
  return out;
}
