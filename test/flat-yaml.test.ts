// The flat-YAML fast path must give exactly what `yaml` gives, or decline. Held to `yaml` itself
// on hand-picked corners and on thousands of generated files built from tricky pieces.
import { describe, expect, it, beforeAll } from 'vitest';
import { LineCounter, parseDocument, isMap, isPair, isScalar } from 'yaml';
import { loadYaml } from '../lib/util/yaml.js';
import { parseFlatYaml } from '../lib/util/flat-yaml.js';

beforeAll(async () => {
  await loadYaml();
});

/** What file.yaml computes from `yaml`: the data (JSON round trip), each key's line, the first comment's line. */
function reference(text: string): { data: unknown; lines: Map<string, number> } | { error: string } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) return { error: doc.errors[0].code };
  const lines = new Map<string, number>();
  if (isMap(doc.contents)) {
    for (const it of doc.contents.items) {
      if (isPair(it) && isScalar(it.key) && it.key.range) lines.set(String(it.key.value), lc.linePos(it.key.range[0]).line);
    }
  }
  return { data: JSON.parse(JSON.stringify(doc.toJS() ?? null)), lines };
}

function agree(text: string): boolean {
  const fast = parseFlatYaml(text);
  if (!fast) return false;
  const ref = reference(text);
  expect(ref, JSON.stringify(text)).not.toHaveProperty('error');
  if ('error' in ref) return false;
  expect(JSON.parse(JSON.stringify(fast.data)), JSON.stringify(text)).toEqual(ref.data);
  expect([...fast.lines], JSON.stringify(text)).toEqual([...ref.lines]);
  // Raw values too (before the JSON round trip): types and NaN / Infinity must match.
  const raw = parseDocument(text, { uniqueKeys: true }).toJS() as Record<string, unknown>;
  for (const [k, v] of Object.entries(fast.data))
    expect(Object.is(v, raw[k]) || (typeof v === 'object' && v === raw[k]), `${k} in ${JSON.stringify(text)}`).toBe(true);
  return true;
}

describe('flat YAML fast path', () => {
  it('reads the answers students write, exactly as yaml does', () => {
    const q3 =
      '# EXAMPLE (synthetic): download, then search\nsource: s3://example-course-data/quazyilx-sample.txt\ndate: 2017-01-14T15:30:00-05:00\nmode: download\ndownload: 212.4\nsearch: 38.9\nmalfunctions: 3\n';
    expect(agree(q3)).toBe(true);
    expect(parseFlatYaml(q3)!.commentLine).toBe(1);
    expect(agree('mode: streaming  # on the t2.large\r\nstreaming: 1e3\r\nmalfunctions: 0x1F\r\n')).toBe(true);
    expect(
      agree(
        'a: ~\nb: null\nc: True\nd: FALSE\ne: .inf\nf: -.Inf\ng: .NaN\nh: 0o17\ni: +12\nj: 1.\nk: .5\nl:\nm: # nothing\nn: yes\no: on\np: 2017-01-15\n',
      ),
    ).toBe(true);
    expect(agree('\n\n  # indented comment\nkey_with-dash: a b c\nurl: http://x.y/z?\n')).toBe(false); // '?' is not in the fast set
    expect(agree('\n\n  # indented comment\nkey_with-dash: a b c\nurl: http://x.y/z\n')).toBe(true);
  });

  it('declines what it does not read, so yaml reports or reads it', () => {
    for (const text of [
      'a: 1\na: 2\n', // duplicate key
      'a: b: c\n',
      'a: b:\n',
      'a:b\n',
      'a: "q"\n',
      "a: 'q'\n",
      'a: [1]\n',
      'a: {b: 1}\n',
      'a: |\n  x\n',
      'a: >\n  x\n',
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      '%YAML 1.1\n---\na: 1\n',
      '---\na: 1\n',
      'a: 1\n...\n',
      '- a\n',
      '? a\n: b\n',
      'a:\n  b: 1\n',
      'a: x\n  y\n',
      ' a: 1\n',
      'a:\t1\n',
      'a: 1\tb\n',
      'true: 1\n',
      'null: 1\n',
      '~: 1\n',
      '__proto__: 1\n',
      'a: x  y\n',
      'a: -\n',
      'a: x#y\n',
      'a: é\n',
      '\ufeffa: 1\n',
      'a: 1\rb: 2\n',
      '# only a comment\n',
      '',
      '<<: 1\n',
    ]) {
      expect(parseFlatYaml(text), JSON.stringify(text)).toBeUndefined();
    }
  });

  it('agrees with yaml on thousands of generated files', () => {
    // A seeded generator, so a failure names a file that can be reproduced.
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const keys = [
      'a',
      'source',
      'date',
      'mode',
      'x_1',
      'k-2',
      'True',
      'null',
      'Yes',
      'on',
      'off',
      'n',
      'y',
      'NaN',
      'inf',
      '_',
      'e1',
      'a-b',
    ];
    const values = [
      '',
      '1',
      '-1',
      '+1',
      '0',
      '007',
      '1.5',
      '-0.0',
      '1.',
      '.5',
      '1e5',
      '1E-5',
      '+.inf',
      '-.INF',
      '.nan',
      '.NaN',
      '.Nan',
      '0x1f',
      '0X1F',
      '0o17',
      '0o8',
      '0b101',
      '1_000',
      '12:30',
      '12:30:45',
      '2017-01-15',
      '2017-01-15T14:30:00-05:00',
      'true',
      'True',
      'TRUE',
      'tRue',
      'false',
      'yes',
      'no',
      'on',
      'off',
      '~',
      'null',
      'Null',
      'NULL',
      'nUll',
      's3://bucket/key.txt',
      'http://a.b/c',
      'a b',
      'a b c',
      'a  b',
      'a:b',
      'a: b',
      'a:',
      '-a',
      '- a',
      '-',
      '--',
      '-.5',
      '+',
      '.',
      '~x',
      'a~b',
      '~ ~',
      './x',
      '/abs/path',
      'x-',
      'x.',
      '9999999999999999999',
      '1e400',
      '-1e400',
      'download',
      'streaming',
      'é',
      'a#b',
      'a #b',
      '#c',
    ];
    let accepted = 0;
    for (let n = 0; n < 4000; n++) {
      const rows: string[] = [];
      const count = 1 + rnd(6);
      for (let i = 0; i < count; i++) {
        const kind = rnd(10);
        if (kind === 0) rows.push('');
        else if (kind === 1) rows.push(`${' '.repeat(rnd(3))}# note ${i}`);
        else {
          const v = values[rnd(values.length)];
          const comment = rnd(4) === 0 ? `${' '.repeat(1 + rnd(2))}# c` : '';
          rows.push(`${keys[rnd(keys.length)]}:${v === '' ? '' : ' '.repeat(1 + rnd(2))}${v}${comment}${rnd(5) === 0 ? ' ' : ''}`);
        }
      }
      const text = rows.join(rnd(5) === 0 ? '\r\n' : '\n') + (rnd(3) ? '\n' : '');
      if (agree(text)) accepted++;
    }
    // Most generated files are flat and must take the fast path (else this test proves nothing).
    expect(accepted).toBeGreaterThan(1000);
  });
});
