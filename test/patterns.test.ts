// Spec patterns: matched in linear time with JavaScript's meaning kept, refused when they need
// backtracking, and reported by `harness lint` when they backtrack catastrophically.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { BUDGET_MS, compileLinear, compilePattern, linearTime, loadLinear, patternProblem } from '../lib/util/pattern.js';
import { specPatterns } from '../lib/spec/patterns.js';
import { loadSpec } from '../lib/spec/load.js';
import { loadCourse } from '../lib/course.js';
import { answerValidator } from '../lib/answer-schema.js';
import { checkLines } from '../lib/lines.js';
import { CLI, REPO } from './helpers/student.js';
import { tempDir } from './helpers/fixture.js';

/** Every line of every text file under `dir`: the course's real answers. */
function answerLines(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const abs = path.join(dir, name);
    if (statSync(abs).isDirectory()) out.push(...answerLines(abs));
    else if (statSync(abs).size < 1 << 20) {
      const text = readFileSync(abs);
      if (!text.includes(0)) out.push(...text.toString('utf8').split('\n'));
    }
  }
  return out;
}

describe('compilePattern', () => {
  it('interrupts a catastrophic match from cold (the linear engine not yet loaded) and redoes it in linear time', async () => {
    const line = 'a'.repeat(34) + '!\n';
    let t = performance.now();
    const f = await checkLines(line, { file: 'a.txt', each: '^(a+)+$' });
    expect(f.map((x) => [x.line, x.rationale])).toEqual([[1, 'Line 1 of a.txt does not look like the expected form.']]);
    expect(performance.now() - t).toBeLessThan(BUDGET_MS + 1500);
    // The pattern that overran goes straight to the linear engine from then on.
    t = performance.now();
    expect((await checkLines('a'.repeat(100_000) + '!\n', { file: 'a.txt', each: '^(a+)+$' })).map((x) => x.line)).toEqual([1]);
    expect(performance.now() - t).toBeLessThan(BUDGET_MS);
  });

  it('agrees with RegExp on every course pattern over the real answers and awkward inputs', async () => {
    const course = await loadCourse(REPO);
    const specs = await Promise.all(
      ['A0', 'A1', 'A2', 'A3', 'A4', 'A5'].map((a) => loadSpec(path.join(REPO, 'assignments', a, 'assignment.yaml'), course)),
    );
    const patterns = specs.flatMap((s) => specPatterns(s));
    expect(patterns.length).toBeGreaterThan(60);
    const lines = [
      ...answerLines(path.join(REPO, 'examples', 'A1-student')),
      ...['A0', 'A2', 'A3', 'A4', 'A5'].flatMap((a) => answerLines(path.join(REPO, 'test', 'fixtures', a))),
      '',
      ' ',
      '\u00a0',
      'a\rb',
      'ÇA VA',
      'x\u2028y',
      '2017-01-14\u00a0',
      '1\t2\t3',
    ];
    const inputs = [...new Set(lines.flatMap((l) => [l, ...l.split('\t'), ...l.split(',')]))];
    expect(inputs.length).toBeGreaterThan(2000);
    await loadLinear();
    const disagree: string[] = [];
    let comparisons = 0;
    for (const p of patterns) {
      const native = new RegExp(p.matched, p.flags);
      const linear = compileLinear(p.matched, p.flags);
      for (const s of inputs) {
        comparisons++;
        if (native.test(s) !== linear.test(s)) disagree.push(`/${p.matched}/${p.flags} on ${JSON.stringify(s)}`);
      }
    }
    expect(comparisons).toBeGreaterThan(100_000);
    expect(disagree.slice(0, 10)).toEqual([]);
  });

  it("keeps JavaScript's meaning where RE2's differs: ., \\s, \\S, flags, escapes, groups", async () => {
    await loadLinear();
    const cases: [string, string, string[]][] = [
      ['^a.b$', '', ['a\rb', 'a\u2028b', 'a-b', 'a\nb']],
      ['^a.b$', 's', ['a\rb', 'a\nb']],
      ['^\\s+$', '', ['\u00a0', '\ufeff', '\u3000', '\v', ' \t', 'x']],
      ['^\\S+$', '', ['\u00a0', 'ab', 'a b']],
      ['^[\\s,]+$', '', ['\u00a0,', ' , ', 'x']],
      ['^(?:ab|cd)$', 'i', ['AB', 'cD', 'ef']],
      ['^b$', 'm', ['a\nb\nc', 'ab']],
      ['^\\u00e9t\\u00E9$', '', ['été', 'ete']],
      ['^\\p{Lu}', 'u', ['Ça', 'ça']],
      ['^[^]$', '', ['\n', 'x', '']],
      ['^\\/x\\/$', '', ['/x/']],
      ['^[]a]$', '', ['a', ']']],
    ];
    for (const [source, flags, inputs] of cases) {
      const native = new RegExp(source, flags);
      const linear = compileLinear(source, flags);
      for (const s of inputs) expect([source, flags, s, linear.test(s)]).toEqual([source, flags, s, native.test(s)]);
    }
    for (const compile of [compilePattern, compileLinear]) {
      const m = compile('(?<major>[0-9]+)\\.([0-9]+)').exec('Python 3.11.7')!;
      expect([m[0], m[1], m[2], m.index, m.groups?.major]).toEqual(['3.11', '3', '11', 7, '3']);
    }
    expect(compilePattern('a(b)(c)?').groupCount).toBe(2);
  });

  it('refuses what needs backtracking, and bad syntax, with JavaScript-style messages and a fix', async () => {
    await loadLinear();
    expect(patternProblem('^(?=.*[0-9])\\w+$')).toMatch(/uses lookahead or lookbehind .* rewrite it without them/);
    expect(patternProblem('(?<!x)y')).toMatch(/uses lookahead or lookbehind/);
    expect(patternProblem('^(a)\\1$')).toMatch(/uses a backreference .* repeat the group's pattern instead/);
    expect(patternProblem('^(?<q>a)\\k<q>$')).toMatch(/backreference/);
    expect(patternProblem('(')).toBe('invalid regular expression /(/: Unterminated group');
    expect(patternProblem('\\-', 'u')).toMatch(/^invalid regular expression \/\\-\/: Invalid escape/);
    expect(patternProblem('a', 'g')).toMatch(/flag "g" is not supported/);
    expect(patternProblem('^[a-z]+$', 'iu')).toBeUndefined();
  });

  it('guards a lone test() too, and keeps ordinary matching in V8 (nothing moves to the linear engine)', async () => {
    await loadLinear();
    const t = performance.now();
    expect(compilePattern('^(x+x+)+y$').test('x'.repeat(40))).toBe(false);
    expect(compilePattern('(\\s*,\\s*\\w+)*;$').test('\t'.repeat(100_000))).toBe(false);
    expect(performance.now() - t).toBeLessThan(2 * BUDGET_MS + 2000);
    const fine = compilePattern('^[0-9]{4}-[0-9]{2}$') as unknown as { linearOnly: boolean };
    const lines = Array.from({ length: 50_000 }, (_, i) => `${2000 + (i % 30)}-${String((i % 12) + 1).padStart(2, '0')}`).join('\n');
    expect(await checkLines(lines, { file: 'f', each: '^[0-9]{4}-[0-9]{2}$', blankLines: 'allow' })).toEqual([]);
    expect(fine.linearOnly).toBe(false);
    expect(await linearTime(() => 42)).toBe(42);
  });

  it('runs answer-schema patterns through the same engine (a schema compiled at run time)', async () => {
    const validate = await answerValidator({
      type: 'object',
      properties: { x: { type: 'string', pattern: '^(\\w+\\s?)*$' } },
      patternProperties: { '^(a|a)*$': { type: 'string' } },
    });
    const t = performance.now();
    expect((await validate({ x: 'a'.repeat(40) + '!' })).map((e) => e.path)).toEqual(['/x']);
    expect(await validate({ ['a'.repeat(40) + '!']: 1, x: 'ok fine' })).toEqual([]);
    expect((await validate({ aaaa: 1 })).map((e) => e.path)).toEqual(['/aaaa']);
    expect(performance.now() - t).toBeLessThan(3 * BUDGET_MS + 2000);
  });
});

describe('specPatterns', () => {
  it('finds every pattern, with the engine that runs it and where it is', async () => {
    const dir = await tempDir({
      'course.yaml': readFileSync(path.join(REPO, 'course.yaml')),
      'assignments/T1/assignment.yaml': `id: T1
title: t
points: 0
files:
  required: [a.txt, b.yaml]
checks:
  - { id: l, kind: file.lines, file: a.txt, each: 'e', whole: { pattern: 'w', flags: i }, expect: ['x0', { pattern: 'x1' }], fields: { count: 1, patterns: ['f0'] }, points: 0 }
  - { id: y, kind: file.yaml, file: b.yaml, schema: { type: object, properties: { k: { pattern: 'p' }, n: { type: array, items: { pattern: 'i' } } }, patternProperties: { 'pp': {} } }, points: 0 }
  - { id: u, kind: aws.s3.object, urlFrom: { file: a.txt, pattern: '^s3: (\\S+)$' }, points: 0 }
`,
    });
    const spec = await loadSpec(path.join(dir, 'assignments/T1/assignment.yaml'), await loadCourse(dir));
    expect(specPatterns(spec).map((p) => [p.path.join('.'), p.matched, p.flags, p.engine, p.atKey])).toEqual([
      ['checks.0.each', 'e', '', 'linear', false],
      ['checks.0.whole.pattern', 'w', 'im', 'linear', false],
      ['checks.0.expect.0', 'x0', '', 'linear', false],
      ['checks.0.expect.1.pattern', 'x1', '', 'linear', false],
      ['checks.0.fields.patterns.0', '^(?:f0)$', '', 'linear', false],
      ['checks.1.schema.patternProperties.pp', 'pp', 'u', 'linear', true],
      ['checks.1.schema.properties.k.pattern', 'p', 'u', 'linear', false],
      ['checks.1.schema.properties.n.items.pattern', 'i', 'u', 'linear', false],
      ['checks.2.urlFrom.pattern', '^s3: (\\S+)$', '', 'backtracking', false],
    ]);
  });
});

describe('harness lint and check with ^(a+)+$', () => {
  it('lint reports it at file:line:col with a fix; check on a 35-character line finishes', async () => {
    const dir = await tempDir({
      'course.yaml': readFileSync(path.join(REPO, 'course.yaml')),
      'user.cfg': '[USER]\nname: Ada\nemail: ab123@georgetown.edu\n',
      'assignments/T1/assignment.yaml': `id: T1
title: t
points: 2
files:
  required: [a.txt, b.yaml]
checks:
  - id: lines
    kind: file.lines
    file: a.txt
    each: { pattern: '^(a+)+$', describe: a line of a }
    points: 1
  - { id: yaml, kind: file.yaml, file: b.yaml, schema: { type: object, properties: { x: { type: string, pattern: '^(\\w+\\s?)*$' } } }, points: 1 }
`,
      'assignments/T1/a.txt': 'a'.repeat(34) + '!\n',
      'assignments/T1/b.yaml': `x: "${'a'.repeat(34)}!"\n`,
    });
    spawnSync('git', ['init', '-q', dir]);
    const run = (args: string[]) =>
      spawnSync(process.execPath, [CLI, ...args], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 20_000,
        env: { ...process.env, NO_COLOR: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
      });
    const lint = run(['lint']);
    expect(lint.status).toBe(1);
    expect(lint.stdout).toContain('assignments/T1/assignment.yaml:10:22: /^(a+)+$/ takes exponential time on a line of repeated "a"');
    expect(lint.stdout).toMatch(/assignment\.yaml:12:\d+: \/\^\(\\w\+\\s\?\)\*\$\/ takes exponential time/);
    expect(lint.stdout).toContain('Fix: ');
    const t = performance.now();
    const check = run(['check', 'T1', '--offline', '--reporter', 'json']);
    expect(performance.now() - t).toBeLessThan(10_000);
    expect(check.status).toBe(1);
    const results = JSON.parse(check.stdout).results.map((r: { id: string; status: string }) => [r.id, r.status]);
    expect(results).toEqual([
      ['lines', 'fail'],
      ['yaml', 'fail'],
    ]);
  });
});
