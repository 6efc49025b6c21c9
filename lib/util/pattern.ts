// Regular expressions from specs, course.yaml and hidden checks, matched against what students
// write. No pattern and no student line can hang `check` or `grade`: matching runs in V8's RegExp
// (fast, and free at start-up) under a time budget, and a match that overruns it is interrupted
// and redone with RE2's linear-time algorithm (re2js, a pure-JS port, loaded only then). The
// pattern that overran is matched with RE2 from then on. Why this and not RE2 for everything:
// docs/decisions/0009-linear-patterns.md (re2js costs ~30 ms of start-up; this costs ~0).
//
// Patterns are written in JavaScript's syntax and keep its meaning in both engines: the flags i,
// m, s and u; `.` without s stops at \r, \u2028 and \u2029 as well as \n; \s is JavaScript's
// whitespace (NBSP, BOM and the Unicode spaces too). What RE2 cannot do in linear time is refused
// with a message and a fix when the spec is loaded: lookahead, lookbehind, backreferences.
//
// Callers that match many lines wrap the work in `linearTime` (one budget for all of it); a lone
// test() or exec() outside it gets a budget of its own.
import vm from 'node:vm';

export interface Pattern {
  /** The pattern as written in the spec. */
  readonly source: string;
  readonly flags: string;
  /** Whether it matches anywhere in `s`, as RegExp.prototype.test. */
  test(s: string): boolean;
  /** The first match with its groups, as RegExp.prototype.exec (without lastIndex), or null. */
  exec(s: string): RegExpExecArray | null;
  /** Capturing groups in the pattern. */
  readonly groupCount: number;
  /** `/source/flags`: ajv keys the patterns it compiled by this. */
  toString(): string;
}

export class PatternError extends Error {}

/** Milliseconds of backtracking matching a guarded piece of work may take before it is redone in linear time. */
export const BUDGET_MS = 250;

type Re2Module = typeof import('re2js');
type Re2 = ReturnType<Re2Module['RE2JS']['compile']>;
let RE2: Re2Module['RE2JS'] | undefined;

/** Loads the linear-time engine (its own chunk of the bundle); spec loading and lint call it early. */
export async function loadLinear(): Promise<void> {
  RE2 ??= (await import('re2js')).RE2JS;
}

// JavaScript's \s: ECMAScript's WhiteSpace and LineTerminator characters, in RE2's syntax.
const JS_SPACE = String.raw`\t\n\x{0B}\f\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}`;
const JS_DOT = String.raw`[^\n\r\x{2028}\x{2029}]`;

/**
 * After re2js's translation of JavaScript syntax (\uXXXX, named groups, \cX, [^]), the classes
 * whose meaning differs between the two: `.` and \s, \S. (\S inside a class keeps RE2's meaning:
 * not a space in [\t\n\f\r ].)
 */
function toRe2(re: string, dotAll: boolean): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') {
      const n = re[i + 1];
      i++;
      if (n === 's') out += inClass ? JS_SPACE : `[${JS_SPACE}]`;
      else if (n === 'S' && !inClass) out += `[^${JS_SPACE}]`;
      else out += c + (n ?? '');
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
      // A ] right after [ or [^ is a literal in RE2: copy it so it does not end the class.
      if (re[i + 1] === '^') out += re[++i];
      if (re[i + 1] === ']') out += re[++i];
    } else if (c === '.' && !dotAll) {
      out += JS_DOT;
    } else {
      out += c;
    }
  }
  return out;
}

/** \1…\9 or \k<name> outside a character class. */
function hasBackreference(source: string): boolean {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const n = source[++i];
      if (!inClass && (/[1-9]/.test(n ?? '') || (n === 'k' && source[i + 1] === '<'))) return true;
    } else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
  }
  return false;
}

/** What a spec author reads when a pattern cannot be used: the reason and a fix. */
function explain(source: string, message: string): string {
  if (/\(\?[=!]|\(\?<[=!]/.test(source) || /unsupported Perl syntax: `\(\?[=!<]|invalid named capture: `\(\?<[=!]/.test(message)) {
    return `/${source}/ uses lookahead or lookbehind ((?= (?! (?<= (?<!), which cannot be matched in linear time; rewrite it without them (match the wider text, or split the rule in two)`;
  }
  if (/invalid escape sequence: `\\[1-9]|\\k</.test(message)) {
    return `/${source}/ uses a backreference (\\1, \\k<name>), which cannot be matched in linear time; repeat the group's pattern instead`;
  }
  return `invalid regular expression /${source}/: ${message.replace(/^error parsing regexp: /, '')}`;
}

const FLAGS = new Set(['i', 'm', 's', 'u']);
const LOOKAROUND = /\(\?<?[=!]/;

class Compiled implements Pattern {
  readonly native: RegExp;
  /** Set once this pattern overran a budget: matched with RE2 from then on. */
  linearOnly = false;
  private re2?: Re2;
  constructor(
    readonly source: string,
    readonly flags: string,
  ) {
    for (const f of flags) if (!FLAGS.has(f)) throw new PatternError(`flag "${f}" is not supported; use any of i, m, s, u`);
    // JavaScript's syntax first (V8 parses without matching): authors write JS, and get its
    // messages for its mistakes (with u, \- outside a class is one).
    try {
      this.native = new RegExp(source, flags);
    } catch (e) {
      throw new PatternError(
        `invalid regular expression /${source}/: ${(e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '')}`,
      );
    }
    // What the linear engine cannot do is refused here, not discovered when a match overruns.
    if (LOOKAROUND.test(source.replace(/\\./g, ''))) throw new PatternError(explain(source, 'unsupported Perl syntax: `(?='));
    if (hasBackreference(source)) throw new PatternError(explain(source, 'invalid escape sequence: `\\1`'));
  }

  /** The RE2 form; throws PatternError for syntax RE2 lacks. Needs loadLinear() first. */
  linear(): Re2 {
    if (this.re2) return this.re2;
    if (!RE2) throw new PatternError(`/${this.source}/ overran its time budget, and the linear-time engine is not loaded`);
    let bits = 0;
    if (this.flags.includes('i')) bits |= RE2.CASE_INSENSITIVE;
    if (this.flags.includes('m')) bits |= RE2.MULTILINE;
    if (this.flags.includes('s')) bits |= RE2.DOTALL;
    try {
      return (this.re2 = RE2.compile(toRe2(RE2.translateRegExp(this.source), this.flags.includes('s')), bits));
    } catch (e) {
      throw new PatternError(explain(this.source, (e as Error).message));
    }
  }

  // test and exec are the hot path (a check matches every line): no closures on the V8 path.
  test(s: string): boolean {
    if (this.linearOnly || allLinear) return this.linear().test(s);
    if (!guarding)
      return guardAlone(
        this,
        () => this.native.test(s),
        () => this.linear().test(s),
      );
    running = this; // eslint-disable-line @typescript-eslint/no-this-alias -- if the budget runs out now, this pattern is the one that overran
    const r = this.native.test(s);
    running = undefined;
    return r;
  }

  exec(s: string): RegExpExecArray | null {
    if (this.linearOnly || allLinear) return this.linear().exec(s) as RegExpExecArray | null;
    if (!guarding)
      return guardAlone(
        this,
        () => this.native.exec(s),
        () => this.linear().exec(s) as RegExpExecArray | null,
      );
    running = this; // eslint-disable-line @typescript-eslint/no-this-alias -- as in test()
    const r = this.native.exec(s);
    running = undefined;
    return r;
  }

  /** Counted by compiling `source|` and matching it on '' (free: the empty alternative matches at once). */
  get groupCount(): number {
    return new RegExp(`${this.source}|`, this.flags).exec('')!.length - 1;
  }

  toString(): string {
    return `/${this.source}/${this.flags}`;
  }
}

// The guard: V8 interrupts a script that overruns vm's timeout, even inside RegExp matching.
const KEY = Symbol.for('course-harness.guarded-work');
const GUARDED = new vm.Script('globalThis[Symbol.for("course-harness.guarded-work")]()');
let guarding = false;
let allLinear = false;
let running: Compiled | undefined;

type Attempt<T> = { done: true; value: T } | { done: false; culprit: Compiled | undefined };

function attempt<T>(work: () => T, budgetMs: number): Attempt<T> {
  guarding = true;
  running = undefined;
  (globalThis as Record<symbol, unknown>)[KEY] = work;
  try {
    return { done: true, value: GUARDED.runInThisContext({ timeout: budgetMs }) as T };
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw e;
    return { done: false, culprit: running };
  } finally {
    guarding = false;
    running = undefined;
    delete (globalThis as Record<symbol, unknown>)[KEY];
  }
}

/**
 * Runs `work` (synchronous, and safe to run twice: pure, or overwriting what it sets) with its
 * pattern matching in V8's RegExp under one budget; if a match overruns it, that pattern moves to
 * the linear-time engine and the work is redone. Returns what `work` returns.
 */
export async function linearTime<T>(work: () => T, budgetMs = BUDGET_MS): Promise<T> {
  if (guarding || allLinear) return work();
  for (let tries = 0; ; tries++) {
    const a = attempt(work, budgetMs);
    if (a.done) return a.value;
    await loadLinear();
    if (a.culprit && tries < 3) {
      a.culprit.linearOnly = true;
      continue;
    }
    // Slow for another reason (a huge input), or several patterns overran: every pattern in RE2.
    allLinear = true;
    try {
      return work();
    } finally {
      allLinear = false;
    }
  }
}

/** A test() or exec() called outside linearTime: a budget of its own. */
function guardAlone<T>(p: Compiled, native: () => T, linear: () => T): T {
  const a = attempt(native, BUDGET_MS);
  if (a.done) return a.value;
  p.linearOnly = true;
  return linear(); // PatternError if the linear engine was never loaded: an error, not a hang
}

const cache = new Map<string, Compiled>();

/** Compiles a pattern (memoized: a batch compiles each spec's patterns once). Throws PatternError. */
export function compilePattern(source: string, flags = ''): Pattern {
  const key = `${flags}/${source}`;
  let p = cache.get(key);
  if (!p) {
    p = new Compiled(source, flags);
    if (cache.size > 10_000) cache.clear();
    cache.set(key, p);
  }
  return p;
}

/**
 * The same pattern matched only by the linear-time engine (after loadLinear()): for tests that
 * hold the two engines to the same answers, and for benchmarks.
 */
export function compileLinear(source: string, flags = ''): Pattern {
  const p = new Compiled(source, flags);
  p.linearOnly = true;
  p.linear();
  return p;
}

/**
 * Undefined when `source` can be used; else why not, with a fix (for lint and validate). Checks
 * RE2's syntax too once the linear engine is loaded (loadSpecDeps and lint load it).
 */
export function patternProblem(source: string, flags = ''): string | undefined {
  try {
    const p = new Compiled(source, flags);
    if (RE2) p.linear();
    return undefined;
  } catch (e) {
    if (e instanceof PatternError) return e.message;
    throw e;
  }
}

/**
 * ajv's `code.regExp` engine: JSON Schema `pattern`s in answer schemas get the same guard. `code`
 * names it in the standalone validators (scripts/build.mjs imports it there).
 */
export const ajvPattern = Object.assign((source: string, flags: string) => compilePattern(source, flags), { code: '__harnessPattern' });
