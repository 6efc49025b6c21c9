import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseSpec, SpecError, loadSpecDeps } from '../lib/spec/load.js';
import { buildSpecSchema } from '../lib/spec/schema.js';
import { registry } from '../lib/checks/registry.js';
import { testCourse } from './helpers/fixture.js';

await loadSpecDeps(); // parseSpec parses synchronously with the lazily loaded parser and validator

const repo = path.resolve(__dirname, '..');
const file = '/course/assignments/A1/assignment.yaml';
const parse = (text: string) => parseSpec(Buffer.from(text), file, testCourse());
function problems(text: string): string[] {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof SpecError) return e.problems.map((p) => `${p.line}:${p.column} ${p.message}`);
    throw e;
  }
  return [];
}

const good = `id: A1
title: Test
due: 2017-01-20 23:59
points: 3
files:
  required: [q1.txt]
  optional: [extra.py]
checks:
  - { id: p, kind: file.present, file: q1.txt, points: 1 }
  - { id: t, kind: file.text, file: q1.txt, points: 2, dependsOn: [p] }
`;

describe('spec loading', () => {
  it('loads a good spec, resolving the due date in the course time zone', () => {
    const s = parse(good);
    expect(s.id).toBe('A1');
    expect(s.due).toBe('2017-01-21T04:59:00.000Z'); // 23:59 EST
    expect(s.checks.map((c) => [c.id, c.kind, c.params])).toEqual([
      ['p', 'file.present', { file: 'q1.txt' }],
      ['t', 'file.text', { file: 'q1.txt' }],
    ]);
    expect(s.checks[1]).toMatchObject({ dependsOn: ['p'], severity: 'error', timeout: 30 });
    expect(s.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reports YAML syntax errors with line and column', () => {
    const ps = problems('id: A1\ntitle: [unclosed\npoints: 1\n');
    expect(ps.length).toBeGreaterThan(0);
    expect(ps[0]).toMatch(/^\d+:\d+ YAML: /);
  });

  it('reports every schema violation at once, at the offending line', () => {
    const ps = problems(`id: A1
title: Test
points: -1
colour: blue
files:
  required: [q1.txt]
checks:
  - { id: p, kind: file.present, file: q1.txt, points: 1, bogus: 2 }
  - { id: q, kind: file.present, points: 1 }
`);
    expect(ps).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^3:\d+ points must be >= 0/),
        expect.stringMatching(/^4:1 unknown key "colour"/),
        expect.stringMatching(/^8:\d+ unknown key "bogus" for a file.present check/),
        expect.stringMatching(/^9:\d+ checks\.1 is missing "file"/),
      ]),
    );
  });

  it("bounds a check's timeout in every form: a limit no timer can hold would fault every student at once", () => {
    const at = (t: string) => problems(good.replace('points: 1 }', `points: 1, timeout: ${t} }`));
    expect(at('90s')).toEqual([]);
    expect(at('2m')).toEqual([]);
    expect(at('500ms')).toEqual([]);
    for (const t of ['99999999m', '9999999999s', '7200']) expect(at(t).join('\n'), t).toMatch(/timeout/);
  });

  it('reports the semantic problems all together', () => {
    const ps = problems(`id: A2
title: Test
points: 4
files:
  required: [q1.txt, q2.txt]
  optional: [q2.txt, plot.png]
checks:
  - { id: a, kind: file.present, file: q1.txt, points: 1, dependsOn: [c] }
  - { id: a, kind: file.presnet, file: q1.txt, points: 1 }
  - { id: b, kind: file.present, file: q1.txt, points: 1, dependsOn: [nope] }
  - { id: c, kind: file.present, file: q1.txt, points: 1, dependsOn: [d] }
  - { id: d, kind: file.present, file: q1.txt, points: 1, dependsOn: [a] }
  - { id: e, kind: file.text, file: plot.png, points: 0 }
  - { id: f, kind: file.text, file: q9.txt, points: 0, severity: warn }
`);
    const text = ps.join('\n');
    expect(text).toMatch(/1:\d+ id "A2" does not match its folder "A1"/);
    expect(text).toMatch(/6:\d+ q2\.txt is listed as both required and optional/);
    expect(text).toMatch(/9:\d+ duplicate check id "a"/);
    expect(text).toMatch(/unknown check kind "file.presnet" \(did you mean "file.present"\?\)/);
    expect(text).toMatch(/10:\d+ b depends on "nope", which is not a check/);
    expect(text).toMatch(/dependency cycle: a → c → d → a/);
    expect(text).toMatch(/e puts plot\.png through a text check/);
    expect(text).toMatch(/f reads q9\.txt, which is not listed/);
    expect(text).toMatch(/3:\d+ points is 4, but the checks .* add up to 5/);
  });

  it('the money checks may not depend on aws.identity, directly or not: root keys fail it', () => {
    const ps = problems(`id: A1
title: Test
points: 0
files: { required: [], optional: [] }
checks:
  - { id: who, kind: aws.identity, points: 0 }
  - { id: keys, kind: aws.ec2.keypair, name: k, keyFile: k.pem, points: 0, dependsOn: [who] }
  - { id: guard, kind: aws.cost-guard, points: 0, severity: warn, dependsOn: [keys] }
  - { id: alarm, kind: aws.billing-alarm, points: 0, severity: warn, dependsOn: [who] }
  - { id: fine, kind: aws.cost-guard, points: 0, severity: warn }
`).join('\n');
    expect(ps).toMatch(/8:\d+ guard \(aws\.cost-guard\) must not depend on who \(aws\.identity\)/);
    expect(ps).toMatch(/9:\d+ alarm \(aws\.billing-alarm\) must not depend on who/);
    expect(ps).not.toMatch(/fine/);
  });

  it('the error is one headline plus file:line:col details', () => {
    try {
      parse(good.replace('points: 3', 'points: 4'));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SpecError);
      const err = e as SpecError;
      expect(err.message).toMatch(/1 problem in the assignment spec$/);
      expect(err.details[0]).toMatch(/assignment\.yaml:4:\d+: points is 4/);
      expect(err.fix).toMatch(/harness lint/);
    }
  });

  it('the committed schema is what the kinds generate (run npm run build and commit it)', () => {
    const committed = JSON.parse(readFileSync(path.join(repo, 'schemas/assignment.schema.json'), 'utf8'));
    expect(committed).toEqual(buildSpecSchema());
  });

  it('every kind is documented in docs/spec.md and has its own page', () => {
    const specDoc = readFileSync(path.join(repo, 'docs/spec.md'), 'utf8');
    for (const k of registry.keys()) {
      expect(specDoc, k).toContain(`| \`${k}\` |`);
      expect(readFileSync(path.join(repo, `docs/checks/${k}.md`), 'utf8').length, k).toBeGreaterThan(200);
    }
  });
});
