// Course-wide settings (course.yaml at the repository root). Nothing course-specific lives in lib/:
// the course's name, its student-id rules, email domains, time zone and late policy come from here.
// Validated by hand, not with a JSON Schema compiled at run time, because every command pays for
// it at startup; every problem is collected and reported at once with its line and column.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Node } from 'yaml';
import { loadYaml, yaml } from './util/yaml.js';
import { memoJson } from './util/memo.js';

// Type guards of the lazily loaded yaml module (see lib/util/yaml.ts).
const isMap = (n: unknown): n is import('yaml').YAMLMap => yaml().isMap(n);
const isSeq = (n: unknown): n is import('yaml').YAMLSeq => yaml().isSeq(n);
const isScalar = (n: unknown): n is import('yaml').Scalar => yaml().isScalar(n);
import { UserError } from './errors.js';
import { checkTimeZone } from './util/time.js';
import { editDistance } from './util/text.js';
import { loadLinear, patternProblem } from './util/pattern.js';

export const COURSE_FILE = 'course.yaml';

export interface IdRule {
  /** Regular expression the student id must match. */
  pattern: string;
  /** What the rule demands, as finished sentence-fragment: "must begin with a letter". */
  message: string;
}

/** How late work is marked down; read by the grader. See docs/course-settings.md. */
export interface LatePolicy {
  /** Minutes after the due time still counted as on time. */
  graceMinutes: number;
  /** Percent lost for each day, or part of a day, late after the grace (a percent of `base`). */
  penaltyPercentPerDay: number;
  /** The total late penalty never exceeds this percent. */
  maxPenaltyPercent: number;
  /**
   * What the percent is taken of: `score`, the points the student earned (4.5 points, 50% off:
   * 2.25), or `points`, the assignment's points possible, as Canvas's own late policy does (4.5 of
   * 20, 50% off: 0). See docs/decisions/0014-late-penalty-base.md.
   */
  base: 'score' | 'points';
}

export interface Course {
  name: string;
  /** The institution, for reports ("Georgetown University"). */
  institution?: string;
  /** How the student id is derived: the part of the email before "@". */
  studentId: {
    /** What the course calls it ("NetID"). */
    label: string;
    rules: IdRule[];
    /** Ids left in the untouched template (refused). */
    templateIds: string[];
  };
  /** Allowed email domains; another domain is a warning. Empty: any. */
  emailDomains: string[];
  /** IANA time zone for due dates without an offset. */
  timezone: string;
  late: LatePolicy;
  /**
   * Hosts `git.private` may contact although they are on this machine, a private network or a
   * non-standard port (a university's own git server): `host` or `host:port`. Empty: public hosts only.
   */
  gitHosts?: string[];
  /** Absolute path of the course file ('' for the built-in defaults). */
  file: string;
  /** Repository root (the folder holding course.yaml). */
  root: string;
}

export const DEFAULT_LATE: Readonly<LatePolicy> = Object.freeze({
  graceMinutes: 0,
  penaltyPercentPerDay: 0,
  maxPenaltyPercent: 100,
  base: 'score' as const,
});

/** The settings used where a key is left out, and for a repository without course.yaml. */
export function defaultCourse(root: string): Course {
  return {
    name: 'Course',
    studentId: { label: 'student id', rules: [], templateIds: [] },
    emailDomains: [],
    timezone: 'UTC',
    late: { ...DEFAULT_LATE },
    file: '',
    root,
  };
}

async function exists(p: string, kind: 'file' | 'any'): Promise<boolean> {
  try {
    const s = await stat(p);
    return kind === 'any' || s.isFile();
  } catch {
    return false;
  }
}

/**
 * The repository root seen from `startDir`: the nearest folder up holding course.yaml, else the
 * nearest holding `.git`, else `startDir`. The walk stops at a `.git` folder so a repository
 * without course.yaml never picks up one from an unrelated folder above it.
 */
export async function findCourseRoot(startDir: string): Promise<{ root: string; file: string | null }> {
  const start = path.resolve(startDir);
  for (let dir = start; ; dir = path.dirname(dir)) {
    const file = path.join(dir, COURSE_FILE);
    if (await exists(file, 'file')) return { root: dir, file };
    if (await exists(path.join(dir, '.git'), 'any')) return { root: dir, file: null };
    if (path.dirname(dir) === dir) return { root: start, file: null };
  }
}

/** Reads course.yaml found by walking up from `startDir`; built-in defaults when there is none. */
export async function loadCourse(startDir: string): Promise<Course> {
  const { root, file } = await findCourseRoot(startDir);
  if (!file) return defaultCourse(root);
  const shown = path.relative(path.resolve(startDir), file) || COURSE_FILE;
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new UserError(`Cannot read ${shown}: ${(err as Error).message}.`, 'Check the file exists and is readable.');
  }
  const course = await memoJson(['course', bytes], async () => {
    await Promise.all([loadYaml(), loadLinear()]);
    return parseCourse(bytes.toString('utf8'), shown);
  });
  return { ...course, file, root };
}

const TOP_KEYS = ['name', 'institution', 'studentId', 'emailDomains', 'timezone', 'late', 'gitHosts'];
const GIT_HOST_RE = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;
const ID_KEYS = ['label', 'rules', 'templateIds'];
const RULE_KEYS = ['pattern', 'message'];
const LATE_KEYS = ['graceMinutes', 'penaltyPercentPerDay', 'maxPenaltyPercent', 'base'];
const DOMAIN_RE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;

/** Validates course.yaml's text (`shown` names it in messages); `file` and `root` are left ''. */
export function parseCourse(text: string, shown = COURSE_FILE): Course {
  const { LineCounter, parseDocument } = yaml();
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const problems: { offset: number; msg: string }[] = [];
  const at = (offset: number, msg: string) => problems.push({ offset, msg });
  const report = (): never => {
    const lines = problems
      .sort((a, b) => a.offset - b.offset)
      .map(({ offset, msg }) => {
        const { line, col } = lc.linePos(offset);
        return `${shown}:${line}:${col}: ${msg}`;
      });
    const n = lines.length;
    throw new UserError(
      `${shown} has ${n} problem${n === 1 ? '' : 's'}.`,
      'Correct them; every setting is described in docs/course-settings.md.',
      lines,
    );
  };
  const course = defaultCourse('');
  for (const e of doc.errors) {
    const first = e.message.split('\n')[0].replace(/\.?$/, '.');
    const quoting = /compact mapping|Implicit map keys|Nested mappings/.test(first) ? ' Put quotes around a value that holds ": ".' : '';
    at(e.pos[0], first + quoting);
  }
  if (problems.length) report();

  const pos = (n: Node | null | undefined, fallback = 0) => n?.range?.[0] ?? fallback;
  /** The mapping's entries by key, reporting keys that are not `known`. */
  const entries = (node: Node | null, where: string, known: string[], parent?: Node) => {
    const out = new Map<string, Node | null>();
    if (!isMap(node)) {
      at(pos(node, pos(parent)), `${where} must be a mapping of key: value lines, not ${describe(node)}.`);
      return out;
    }
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      const name = isScalar(key) ? String(key.value) : '';
      if (!known.includes(name)) {
        const near = closest(name, known);
        const scope = where === 'the file' ? '' : ` in ${where}`;
        at(
          pos(key),
          `unknown key ${JSON.stringify(name)}${scope}${near ? `; did you mean ${JSON.stringify(near)}?` : `; known keys: ${known.join(', ')}.`}`,
        );
        continue;
      }
      out.set(name, pair.value as Node | null);
    }
    return out;
  };
  const str = (n: Node | null | undefined, where: string, parent: Node): string | undefined => {
    if (isScalar(n) && typeof n.value === 'string' && n.value.trim() !== '') return n.value.trim();
    at(pos(n, pos(parent)), `${where} must be non-empty text, not ${describe(n)}.`);
    return undefined;
  };
  const list = (n: Node | null | undefined, where: string, parent: Node): (Node | null)[] => {
    if (isSeq(n)) return n.items as (Node | null)[];
    at(pos(n, pos(parent)), `${where} must be a list, not ${describe(n)}.`);
    return [];
  };
  const num = (n: Node | null | undefined, where: string, parent: Node, max: number): number | undefined => {
    if (isScalar(n) && typeof n.value === 'number' && Number.isFinite(n.value) && n.value >= 0 && n.value <= max) return n.value;
    const range = max === Infinity ? ', zero or more' : ` between 0 and ${max}`;
    at(pos(n, pos(parent)), `${where} must be a number${range}, not ${describe(n)}.`);
    return undefined;
  };

  const root = doc.contents as Node | null;
  if (root === null) return course; // an empty file: every default
  const top = entries(root, 'the file', TOP_KEYS);
  if (top.has('name')) course.name = str(top.get('name'), 'name', root) ?? course.name;
  if (top.has('institution')) course.institution = str(top.get('institution'), 'institution', root);
  if (top.has('timezone')) {
    const n = top.get('timezone');
    const tz = str(n, 'timezone', root);
    const canonical = tz === undefined ? undefined : checkTimeZone(tz);
    if (tz !== undefined && !canonical)
      at(pos(n), `timezone ${JSON.stringify(tz)} is not a known IANA time zone (such as America/New_York or UTC).`);
    if (canonical) course.timezone = canonical;
  }
  if (top.has('emailDomains')) {
    course.emailDomains = [];
    list(top.get('emailDomains'), 'emailDomains', root).forEach((n, i) => {
      const d = str(n, `emailDomains[${i}]`, root)?.toLowerCase();
      if (d === undefined) return;
      if (!DOMAIN_RE.test(d))
        at(pos(n), `emailDomains[${i}] ${JSON.stringify(d)} is not a domain name; write it without "@", like example.edu.`);
      else course.emailDomains.push(d);
    });
  }
  if (top.has('gitHosts')) {
    const hosts: string[] = (course.gitHosts = []);
    list(top.get('gitHosts'), 'gitHosts', root).forEach((n, i) => {
      const h = str(n, `gitHosts[${i}]`, root)?.toLowerCase();
      if (h === undefined) return;
      if (!GIT_HOST_RE.test(h))
        at(
          pos(n),
          `gitHosts[${i}] ${JSON.stringify(h)} is not a host name or address, with an optional :port (like git.example.edu or 10.0.0.5:8443).`,
        );
      else hosts.push(h);
    });
  }
  const idNode = top.get('studentId');
  if (idNode !== undefined) {
    const id = entries(idNode, 'studentId', ID_KEYS, root);
    if (id.has('label')) course.studentId.label = str(id.get('label'), 'studentId.label', idNode as Node) ?? course.studentId.label;
    if (id.has('templateIds')) {
      list(id.get('templateIds'), 'studentId.templateIds', idNode as Node).forEach((n, i) => {
        const t = str(n, `studentId.templateIds[${i}]`, idNode as Node);
        if (t !== undefined) course.studentId.templateIds.push(t);
      });
    }
    if (id.has('rules')) {
      list(id.get('rules'), 'studentId.rules', idNode as Node).forEach((n, i) => {
        const where = `studentId.rules[${i}]`;
        const rule = entries(n, where, RULE_KEYS, idNode as Node);
        for (const k of RULE_KEYS) if (isMap(n) && !rule.has(k)) at(pos(n), `${where} needs a ${k}.`);
        const pattern = rule.has('pattern') ? str(rule.get('pattern'), `${where}.pattern`, n as Node) : undefined;
        const message = rule.has('message') ? str(rule.get('message'), `${where}.message`, n as Node) : undefined;
        if (pattern !== undefined) {
          const problem = patternProblem(pattern, 'u');
          if (problem) {
            at(pos(rule.get('pattern')), `${where}.pattern: ${problem}.`);
            return;
          }
        }
        if (pattern !== undefined && message !== undefined) course.studentId.rules.push({ pattern, message });
      });
    }
  }
  const lateNode = top.get('late');
  if (lateNode !== undefined) {
    const late = entries(lateNode, 'late', LATE_KEYS, root);
    const limits: Record<string, number> = { graceMinutes: Infinity, penaltyPercentPerDay: 100, maxPenaltyPercent: 100 };
    for (const [k, n] of late) {
      if (k === 'base') {
        if (isScalar(n) && (n.value === 'score' || n.value === 'points')) course.late.base = n.value;
        else at(pos(n, pos(lateNode as Node)), `late.base must be score or points, not ${describe(n)}.`);
        continue;
      }
      const v = num(n, `late.${k}`, lateNode as Node, limits[k]);
      if (v !== undefined) course.late[k as 'graceMinutes' | 'penaltyPercentPerDay' | 'maxPenaltyPercent'] = v;
    }
  }
  if (problems.length) report();
  return course;
}

function describe(n: Node | null | undefined): string {
  if (n === null || n === undefined) return 'empty';
  if (isMap(n)) return 'a mapping';
  if (isSeq(n)) return 'a list';
  if (isScalar(n)) {
    const v = n.value;
    if (v === null) return 'empty';
    if (typeof v === 'string') return v.trim() === '' ? 'empty text' : `text ${JSON.stringify(v)}`;
    return `${typeof v === 'number' ? 'the number' : typeof v === 'boolean' ? 'the boolean' : 'the value'} ${String(v)}`;
  }
  return 'an alias';
}

/** The known key nearest to a misspelt one (case or up to two edits apart), for "did you mean". */
function closest(name: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = k.toLowerCase() === name.toLowerCase() ? 0 : editDistance(k.toLowerCase(), name.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}
