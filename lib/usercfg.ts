// user.cfg: who the student is. The file predates this harness and students edit it by hand, so it
// is read exactly as Python's configparser.ConfigParser() reads it (defaults: ":" or "=", "#" and
// ";" full-line comments, no inline comments, lower-cased keys, indented continuation lines,
// [DEFAULT], strict duplicates, %-interpolation); test/usercfg.test.ts checks parity against python3.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from './errors.js';
import { findCourseRoot, type Course } from './course.js';
import { compilePattern } from './util/pattern.js';

export interface Identity {
  netid: string;
  name?: string;
  email: string;
  /** Non-fatal advice (an email outside the course's domains). */
  warnings: string[];
  /** Absolute path of the user.cfg read. */
  file: string;
  /** Line of the email setting in that file. */
  line?: number;
}

export const USER_FILE = 'user.cfg';
export const USER_SECTION = 'USER';
const DEFAULT_SECTION = 'DEFAULT';
/** A user.cfg is a few lines; refuse to read a large file by mistake. */
const MAX_BYTES = 64 * 1024;

// ---------------------------------------------------------------- the configparser port

/** Python's str.isspace() set; JavaScript's \s differs (it has U+FEFF, lacks U+001C–U+001F, U+0085). */
const WS = '\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const STRIP_RE = new RegExp(`^[${WS}]+|[${WS}]+$`, 'g');
const RSTRIP_RE = new RegExp(`[${WS}]+$`);
const NONSPACE_RE = new RegExp(`[^${WS}]`);
const SECT_RE = /^\[([\s\S]+)\]/; // configparser's SECTCRE: no end anchor, so "[a] junk" names "a"
const OPT_RE = new RegExp(`^([\\s\\S]*?)[${WS}]*(=|:)[${WS}]*([\\s\\S]*)$`);
const KEY_RE = /^%\(([^)]+)\)s/;
const MAX_INTERPOLATION_DEPTH = 10;
const strip = (s: string) => s.replace(STRIP_RE, '');

export interface ConfigEntry {
  /** The raw value (continuation lines joined with "\n"), before interpolation. */
  value: string;
  /** 1-based line of the key. */
  line: number;
}
export type ConfigSection = Map<string, ConfigEntry>;
export interface ConfigFile {
  /** Sections in file order, without [DEFAULT], each with its own keys only. */
  sections: Map<string, ConfigSection>;
  /** The [DEFAULT] section's keys, which every section inherits. */
  defaults: ConfigSection;
  /** How the file is named in messages. */
  shown: string;
}

/** configparser's exception names, so the parity test can compare like with like. */
export type ConfigErrorCode =
  | 'MissingSectionHeaderError'
  | 'DuplicateSectionError'
  | 'DuplicateOptionError'
  | 'ParsingError'
  | 'InterpolationSyntaxError'
  | 'InterpolationMissingOptionError'
  | 'InterpolationDepthError';

/** A user.cfg that configparser would refuse. */
export class ConfigSyntaxError extends UserError {
  constructor(
    readonly code: ConfigErrorCode,
    readonly line: number,
    message: string,
    fix: string,
  ) {
    super(message, fix);
  }
}

/** A line shown inside a one-line message: quoted, control characters escaped, shortened. */
function quote(s: string, max = 60): string {
  const short = s.length > max ? `${s.slice(0, max - 1)}…` : s;
  return JSON.stringify(short).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Parses configparser syntax. Like configparser it stops at the first duplicate or missing
 * section header, and reports a bad line only once the whole file is read (so a later duplicate
 * wins). A leading UTF-8 byte-order mark is dropped, as Python's "utf-8-sig" codec does.
 */
export function parseConfig(text: string, shown = USER_FILE): ConfigFile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/); // Python's universal newlines
  if (lines.at(-1) === '') lines.pop();
  const cfg: ConfigFile = { sections: new Map(), defaults: new Map(), shown };
  const seen = new Map<string, number>(); // "section" and "section\0key" → line first seen
  let cursect: ConfigSection | undefined;
  let sectname = '';
  let optname: string | undefined;
  let parts: string[] = [];
  const values = new Map<ConfigEntry, string[]>(); // the lines of each value, joined at the end
  let indentLevel = 0;
  let firstBad: ConfigSyntaxError | undefined;

  lines.forEach((line, i) => {
    const lineno = i + 1;
    const stripped = strip(line);
    const isComment = stripped.startsWith('#') || stripped.startsWith(';');
    const value = isComment ? '' : stripped;
    if (!value) {
      // An empty line may sit inside a multi-line value; a comment line never adds to it.
      if (!isComment && cursect && optname) parts.push('');
      return;
    }
    const curIndent = line.search(NONSPACE_RE);
    if (cursect && optname && curIndent > indentLevel) {
      parts.push(value);
      return;
    }
    indentLevel = curIndent;
    const header = SECT_RE.exec(value);
    if (header) {
      sectname = header[1];
      if (sectname === DEFAULT_SECTION) cursect = cfg.defaults;
      else if (seen.has(sectname)) {
        throw new ConfigSyntaxError(
          'DuplicateSectionError',
          lineno,
          `${shown}:${lineno}: section [${sectname}] appears twice (first on line ${seen.get(sectname)}).`,
          `Keep one [${sectname}] line and put all its settings under it.`,
        );
      } else {
        cursect = new Map();
        cfg.sections.set(sectname, cursect);
        seen.set(sectname, lineno);
      }
      optname = undefined;
      return;
    }
    if (!cursect) {
      throw new ConfigSyntaxError(
        'MissingSectionHeaderError',
        lineno,
        `${shown}:${lineno}: ${quote(value)} comes before any [SECTION] line.`,
        `Start the file with a [${USER_SECTION}] line, as the template does.`,
      );
    }
    const opt = OPT_RE.exec(value);
    if (!opt || !opt[1]) {
      firstBad ??= new ConfigSyntaxError(
        'ParsingError',
        lineno,
        opt
          ? `${shown}:${lineno}: ${quote(value)} has no key before the "${opt[2]}".`
          : `${shown}:${lineno}: ${quote(value)} is not a "key: value" line.`,
        'Write each setting as key: value, indent only the continuation of a value, and start comment lines with #.',
      );
      if (!opt) return;
    }
    optname = opt[1].replace(RSTRIP_RE, '').toLowerCase();
    const id = `${sectname}\0${optname}`;
    if (seen.has(id)) {
      throw new ConfigSyntaxError(
        'DuplicateOptionError',
        lineno,
        `${shown}:${lineno}: ${optname} is set twice in [${sectname}] (first on line ${seen.get(id)}).`,
        `Keep one ${optname} line and delete the other.`,
      );
    }
    seen.set(id, lineno);
    const entry: ConfigEntry = { value: '', line: lineno };
    parts = [strip(opt[3])];
    values.set(entry, parts);
    cursect.set(optname, entry);
  });
  for (const [entry, ps] of values) entry.value = ps.join('\n').replace(RSTRIP_RE, '');
  if (firstBad) throw firstBad;
  return cfg;
}

/** The keys of a section as configparser lists them: its own, then inherited [DEFAULT] ones. */
export function configKeys(cfg: ConfigFile, section: string): string[] {
  const own = section === DEFAULT_SECTION ? new Map() : (cfg.sections.get(section) ?? new Map());
  return [...own.keys(), ...[...cfg.defaults.keys()].filter((k) => !own.has(k))];
}

/** The entry a key resolves to in a section (its own, else [DEFAULT]'s), before interpolation. */
export function configEntry(cfg: ConfigFile, section: string, key: string): ConfigEntry | undefined {
  const own = section === DEFAULT_SECTION ? undefined : cfg.sections.get(section);
  return own?.get(key.toLowerCase()) ?? cfg.defaults.get(key.toLowerCase());
}

/**
 * A value as `config[section][key]` returns it, with configparser's BasicInterpolation:
 * `%%` is a literal %, `%(other)s` is another key's value. Undefined when the key is absent.
 */
export function configGet(cfg: ConfigFile, section: string, key: string): string | undefined {
  const entry = configEntry(cfg, section, key);
  if (!entry) return undefined;
  const out: string[] = [];
  const fixPct = "Write %% for a literal %, or %(key)s to repeat another key's value.";
  const walk = (option: string, rest: string, depth: number): void => {
    const where = `${cfg.shown}:${entry.line}: the value of ${key.toLowerCase()}`;
    if (depth > MAX_INTERPOLATION_DEPTH) {
      throw new ConfigSyntaxError('InterpolationDepthError', entry.line, `${where} refers to itself through %(${option})s.`, fixPct);
    }
    while (rest) {
      const p = rest.indexOf('%');
      if (p < 0) {
        out.push(rest);
        return;
      }
      out.push(rest.slice(0, p));
      rest = rest.slice(p);
      const c = rest.slice(1, 2);
      if (c === '%') {
        out.push('%');
        rest = rest.slice(2);
      } else if (c === '(') {
        const m = KEY_RE.exec(rest);
        if (!m)
          throw new ConfigSyntaxError('InterpolationSyntaxError', entry.line, `${where} has a bad reference ${quote(rest, 30)}.`, fixPct);
        const ref = m[1].toLowerCase();
        rest = rest.slice(m[0].length);
        const v = configEntry(cfg, section, ref)?.value;
        if (v === undefined) {
          throw new ConfigSyntaxError(
            'InterpolationMissingOptionError',
            entry.line,
            `${where} refers to %(${ref})s, which is not set.`,
            fixPct,
          );
        }
        if (v.includes('%')) walk(ref, v, depth + 1);
        else out.push(v);
      } else {
        throw new ConfigSyntaxError('InterpolationSyntaxError', entry.line, `${where} has a % that is not followed by % or (.`, fixPct);
      }
    }
  };
  walk(key.toLowerCase(), entry.value, 1);
  return out.join('');
}

/** Every section (DEFAULT first) with interpolated values, as `{s: dict(cp[s]) for s in cp}`. */
export function configToEntries(cfg: ConfigFile): [string, [string, string][]][] {
  return [DEFAULT_SECTION, ...cfg.sections.keys()].map((s) => [s, configKeys(cfg, s).map((k) => [k, configGet(cfg, s, k)!])]);
}

// ---------------------------------------------------------------- the student's identity

const EMAIL_RE = /^[^\s@"'<>(),;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/**
 * Who the student is, from user.cfg's text; pure, so the grader can run it on a file from a fork.
 * The NetID (or whatever the course calls it) is the part of `email` before "@", lower-cased.
 * Throws a UserError for anything that stops the harness naming the student; an email outside the
 * course's domains is only a warning.
 */
export function validateIdentity(text: string, course: Course, where: { file?: string; shown?: string } = {}): Identity {
  const shown = where.shown ?? USER_FILE;
  const cfg = parseConfig(text, shown);
  const label = course.studentId.label;
  const domain = course.emailDomains[0];
  const example = `email: ${domain ? `ab123@${domain}` : 'you@your.university.edu'}`;
  if (!cfg.sections.has(USER_SECTION)) {
    const near = [...cfg.sections.keys()].find((s) => s.trim().toUpperCase() === USER_SECTION);
    throw new UserError(
      near !== undefined
        ? `${shown}: the section is named [${near}], not [${USER_SECTION}].`
        : `${shown} has no [${USER_SECTION}] section.`,
      `Put a [${USER_SECTION}] line (capitals, no spaces) above your name: and email: lines, as the template does.`,
    );
  }
  const entry = configEntry(cfg, USER_SECTION, 'email');
  if (!entry) {
    throw new UserError(
      `${shown}: the [${USER_SECTION}] section has no email setting.`,
      `Add a line such as ${example} under [${USER_SECTION}].`,
    );
  }
  const at = `${shown}:${entry.line}`;
  const email = configGet(cfg, USER_SECTION, 'email')!;
  if (email === '') throw new UserError(`${at}: email is empty.`, `Write your university email after "email:", for example ${example}.`);
  if (/^(["']).*\1$/s.test(email)) {
    throw new UserError(
      `${at}: email ${quote(email)} has quotes around it.`,
      `Remove the quotes; user.cfg values are written bare, as in ${example}.`,
    );
  }
  if (!EMAIL_RE.test(email)) {
    const why = email.includes('\n') ? 'runs over several lines' : /\s/.test(email) ? 'contains a space' : 'is not an email address';
    throw new UserError(`${at}: email ${quote(email)} ${why}.`, `Write one address, name@domain, for example ${example}.`);
  }
  const at_ = email.lastIndexOf('@');
  const netid = email.slice(0, at_).toLowerCase();
  const emailDomain = email.slice(at_ + 1).toLowerCase();
  if (course.studentId.templateIds.some((t) => t.toLowerCase() === netid)) {
    throw new UserError(
      `${at}: email is still the template's ${email}; you must change the default email in ${shown}.`,
      `Replace it with your own email, for example ${example}, with your ${label} before the @.`,
    );
  }
  const broken = course.studentId.rules.filter((r) => !compilePattern(r.pattern, 'u').test(netid)).map((r) => r.message);
  if (broken.length) {
    throw new UserError(
      `${at}: ${label} "${netid}" (the part of the email before @) ${broken.join(' and ')}.`,
      `Write your own ${label} before the @, for example ${example}.`,
    );
  }
  const warnings: string[] = [];
  const domains = course.emailDomains.map((d) => d.toLowerCase());
  if (domains.length && !domains.includes(emailDomain)) {
    const list = domains.join(' or ');
    warnings.push(`${at}: ${email} is not a ${list} address; use your ${list} email so your work is matched to you.`);
  }
  let name: string | undefined;
  try {
    name = configGet(cfg, USER_SECTION, 'name');
  } catch {
    name = configEntry(cfg, USER_SECTION, 'name')?.value; // the name is informative only: keep a stray % as written
  }
  return { netid, name: name || undefined, email, warnings, file: where.file ?? '', line: entry.line };
}

/**
 * Reads the student's user.cfg: `opts.file` (the CLI's `--user PATH`, relative to `cwd`), else
 * user.cfg at the repository root found from `cwd` (the folder holding course.yaml, else `.git`).
 */
export async function loadIdentity(course: Course, opts: { file?: string; cwd: string }): Promise<Identity> {
  const cwd = path.resolve(opts.cwd);
  const root = opts.file ? undefined : (await findCourseRoot(cwd)).root;
  const abs = opts.file ? path.resolve(cwd, opts.file) : path.join(root!, USER_FILE);
  const shown = path.relative(cwd, abs) || abs;
  let size: number;
  try {
    const s = await stat(abs);
    if (!s.isFile()) throw new UserError(`${shown} is not a file.`, `Point --user at your ${USER_FILE} file.`);
    size = s.size;
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR')
      throw new UserError(`Cannot read ${shown}: ${(err as Error).message}.`, "Check the file's permissions.");
    if (opts.file)
      throw new UserError(
        `${shown} does not exist.`,
        `Check the path given to --user, or leave --user out to use ${USER_FILE} at the repository root.`,
      );
    const stray =
      path.join(cwd, USER_FILE) !== abs &&
      (await stat(path.join(cwd, USER_FILE)).then(
        (s) => s.isFile(),
        () => false,
      ));
    throw new UserError(
      `No ${USER_FILE} at the repository root (looked for ${shown}).`,
      stray
        ? `Move the ${USER_FILE} in this folder to the repository root, or pass --user ${USER_FILE}.`
        : `Restore the template with "git checkout -- ${USER_FILE}" at the repository root (or copy it from the class repository) and put your name and email in it, or pass --user PATH.`,
    );
  }
  if (size > MAX_BYTES)
    throw new UserError(
      `${shown} is ${size} bytes; a ${USER_FILE} is a few lines.`,
      `Check that --user names your ${USER_FILE} and not another file.`,
    );
  const bytes = await readFile(abs);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UserError(`${shown} is not UTF-8 text.`, 'Save it as UTF-8 in your editor (the encoding setting of "Save As").');
  }
  return validateIdentity(text, course, { file: abs, shown });
}
