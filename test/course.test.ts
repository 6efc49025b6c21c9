import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UserError } from '../lib/errors.js';
import { DEFAULT_LATE, findCourseRoot, loadCourse, parseCourse } from '../lib/course.js';
import { tempDir } from './helpers/fixture.js';
import { loadYaml } from '../lib/util/yaml.js';

await loadYaml(); // parseCourse parses synchronously with the lazily loaded parser

const REPO = fileURLToPath(new URL('..', import.meta.url)).replace(/[\\/]$/, '');

function problems(text: string, shown?: string): UserError {
  try {
    parseCourse(text, shown);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected a UserError');
}

describe("the repository's course.yaml", () => {
  it('loads from any folder below the root', async () => {
    const c = await loadCourse(path.join(REPO, 'lib', 'util'));
    expect(c).toEqual({
      name: 'ANLY 502: Massive Data Fundamentals',
      institution: 'Georgetown University',
      studentId: {
        label: 'NetID',
        rules: [
          { pattern: '^[A-Za-z]', message: 'must begin with a letter' },
          { pattern: '[0-9]$', message: 'must end with a digit' },
        ],
        templateIds: ['pat'],
      },
      emailDomains: ['georgetown.edu'],
      timezone: 'America/New_York',
      late: { graceMinutes: 5, penaltyPercentPerDay: 10, maxPenaltyPercent: 50, base: 'score' },
      file: path.join(REPO, 'course.yaml'),
      root: REPO,
    });
  });
});

describe('loadCourse without course.yaml', () => {
  it('uses the built-in defaults, rooted at the nearest .git', async () => {
    const dir = await tempDir({ 'a/b/.keep': '' });
    await mkdir(path.join(dir, '.git'));
    const c = await loadCourse(path.join(dir, 'a', 'b'));
    expect(c).toEqual({
      name: 'Course',
      studentId: { label: 'student id', rules: [], templateIds: [] },
      emailDomains: [],
      timezone: 'UTC',
      late: { ...DEFAULT_LATE },
      file: '',
      root: dir,
    });
  });

  it('stops at the repository: a course.yaml above .git belongs to someone else', async () => {
    const dir = await tempDir({ 'course.yaml': 'name: Outer\n', 'fork/x/.keep': '' });
    await mkdir(path.join(dir, 'fork', '.git'));
    expect(await findCourseRoot(path.join(dir, 'fork', 'x'))).toEqual({ root: path.join(dir, 'fork'), file: null });
    expect(await findCourseRoot(path.join(dir, 'x-not-there'))).toEqual({ root: dir, file: path.join(dir, 'course.yaml') });
  });

  it('is rooted at the start folder when there is no repository at all', async () => {
    const dir = await tempDir({ 'deep/.keep': '' });
    const c = await loadCourse(path.join(dir, 'deep'));
    // Temp folders sit outside any repository; the walk reaches / and gives up.
    expect([c.file, c.root]).toEqual(['', path.join(dir, 'deep')]);
  });

  it('treats a folder named course.yaml as absent', async () => {
    const dir = await tempDir({ 'course.yaml/x': '' });
    await mkdir(path.join(dir, '.git'));
    expect((await loadCourse(dir)).file).toBe('');
  });
});

describe('parseCourse', () => {
  it('late.base: the penalty is a percent of the score (default) or of the points possible', () => {
    expect(parseCourse('late:\n  base: points\n').late.base).toBe('points');
    expect(parseCourse('name: X\n').late.base).toBe('score');
    expect(() => parseCourse('late:\n  base: grade\n')).toThrow(/course\.yaml has 1 problem/);
    try {
      parseCourse('late:\n  base: grade\n');
    } catch (e) {
      expect((e as { details: string[] }).details).toEqual(['course.yaml:2:9: late.base must be score or points, not text "grade".']);
    }
  });

  it('fills in defaults for keys left out, including a partial late block', () => {
    const c = parseCourse('name: X\nlate:\n  graceMinutes: 15\n');
    expect([c.name, c.timezone, c.late, c.studentId.rules]).toEqual(['X', 'UTC', { ...DEFAULT_LATE, graceMinutes: 15 }, []]);
    expect(parseCourse('# nothing yet\n').name).toBe('Course');
  });

  it('canonicalises the time zone and lower-cases domains', () => {
    const c = parseCourse('timezone: america/new_york\nemailDomains: [Example.EDU]\n');
    expect([c.timezone, c.emailDomains]).toEqual(['America/New_York', ['example.edu']]);
  });

  it('reports every problem at once, in file order, with line and column', () => {
    const e = problems(
      [
        'name: 502', //                         1
        'timeZone: UTC', //                     2
        'timezone: Mars/Base', //               3
        'emailDomains: ["@x.edu", ok.edu, 3]', // 4
        'studentId:', //                        5
        '  label:', //                          6
        '  rules:', //                          7
        '    - pattern: "[a-"', //              8
        '      message: x', //                  9
        '    - pattern: a', //                  10
        '    - 7', //                           11
        '  templateIds: pat', //                12
        'late:', //                             13
        '  graceMinutes: -1', //                14
        '  penaltyPercentPerDay: "10"', //      15
        '  cap: 3', //                          16
        '',
      ].join('\n'),
    );
    expect(e.message).toBe('course.yaml has 13 problems.');
    expect(e.fix).toBe('Correct them; every setting is described in docs/course-settings.md.');
    expect(e.details).toEqual([
      'course.yaml:1:7: name must be non-empty text, not the number 502.',
      'course.yaml:2:1: unknown key "timeZone"; did you mean "timezone"?',
      'course.yaml:3:11: timezone "Mars/Base" is not a known IANA time zone (such as America/New_York or UTC).',
      'course.yaml:4:16: emailDomains[0] "@x.edu" is not a domain name; write it without "@", like example.edu.',
      'course.yaml:4:34: emailDomains[2] must be non-empty text, not the number 3.',
      'course.yaml:6:9: studentId.label must be non-empty text, not empty.',
      'course.yaml:8:16: studentId.rules[0].pattern: invalid regular expression /[a-/: Unterminated character class.',
      'course.yaml:10:7: studentId.rules[1] needs a message.',
      'course.yaml:11:7: studentId.rules[2] must be a mapping of key: value lines, not the number 7.',
      'course.yaml:12:16: studentId.templateIds must be a list, not text "pat".',
      'course.yaml:14:17: late.graceMinutes must be a number, zero or more, not the number -1.',
      'course.yaml:15:25: late.penaltyPercentPerDay must be a number between 0 and 100, not text "10".',
      'course.yaml:16:3: unknown key "cap" in late; known keys: graceMinutes, penaltyPercentPerDay, maxPenaltyPercent, base.',
    ]);
  });

  it.each([
    [
      'YAML syntax (an unquoted ": ")',
      'name: ANLY 502: Massive Data\n',
      /^course\.yaml:1:7: .*Put quotes around a value that holds ": "\.$/,
    ],
    ['a duplicate key', 'name: a\nname: b\n', /^course\.yaml:2:1: Map keys must be unique\.$/],
    ['a list at the top', '- a\n', /^course\.yaml:1:1: the file must be a mapping of key: value lines, not a list\.$/],
    ['studentId as text', 'studentId: NetID\n', /^course\.yaml:1:12: studentId must be a mapping of key: value lines, not text "NetID"\.$/],
    ['an empty late block', 'late:\n', /^course\.yaml:1:6: late must be a mapping of key: value lines, not empty\.$/],
    ['a rule without a pattern', 'studentId:\n  rules:\n    - message: m\n', /^course\.yaml:3:7: studentId\.rules\[0\] needs a pattern\.$/],
    [
      'a percentage over 100',
      'late:\n  maxPenaltyPercent: 150\n',
      /^course\.yaml:2:22: late\.maxPenaltyPercent must be a number between 0 and 100/,
    ],
    [
      'a misspelt nested key',
      'studentId:\n  lable: NetID\n',
      /^course\.yaml:2:3: unknown key "lable" in studentId; did you mean "label"\?$/,
    ],
    ['a boolean name', 'name: yes\ninstitution: true\n', /^course\.yaml:2:14: institution must be non-empty text, not the boolean true\.$/],
  ])('refuses %s', (_, text, line) => {
    const e = problems(text);
    expect(e.details).toHaveLength(1);
    expect(e.details[0]).toMatch(line);
  });

  it('names the file as given, so a nested start folder gets a clickable path', async () => {
    const dir = await tempDir({ 'course.yaml': 'timezone: Nowhere/Land\n', 'assignments/A1/.keep': '' });
    const e = await loadCourse(path.join(dir, 'assignments', 'A1')).catch((x) => x);
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe(`${path.join('..', '..', 'course.yaml')} has 1 problem.`);
    expect(e.details[0]).toMatch(/^\.\.\/\.\.\/course\.yaml:1:11: /);
  });

  it('keeps every message on one line', () => {
    const e = problems('name: [\n');
    for (const line of [e.message, e.fix!, ...e.details]) expect(line).not.toMatch(/\n/);
  });

  it('compiles rule patterns with the u flag, as the identity check does', () => {
    expect(problems('studentId:\n  rules:\n    - {pattern: "\\\\-", message: m}\n').details[0]).toMatch(
      /^course\.yaml:3:17: .*invalid regular expression/,
    );
  });
});
