// Shared by the kinds that run students' code: turning a bad run (crash, time limit, output cap)
// into a Failure the student can act on, and comparing an output with the expected one (or, when
// the expected output is secret, only checking its shape).
import { Failure, CannotJudge, UserError } from '../errors.js';
import { checkLines } from '../lines.js';
import { patternProblem } from '../util/pattern.js';
import type { CheckContext } from '../context.js';
import { plural, quoteLine } from '../util/text.js';
import type { SandboxResult } from './sandbox.js';

export type CompareMode = 'exact' | 'sorted' | 'normalized';

export interface OutputFormat {
  fields?: number;
  separator?: string;
  names?: string[];
  patterns?: (string | null)[];
  minLines?: number;
}

/** The parameters every output-comparing kind shares. */
export interface ExpectParams {
  expected?: string;
  expectedText?: string;
  compare?: CompareMode;
  format?: OutputFormat;
  partialCredit?: boolean;
}

export const expectSchema: Record<string, unknown> = {
  expected: {
    type: 'string',
    minLength: 1,
    description:
      'A file (relative to the assignment folder) holding the expected output. Only for ungraded examples: students fork the repository.',
  },
  expectedText: {
    type: 'string',
    description: "The expected output inline; for the instructor's hidden-checks file, outside the repository.",
  },
  compare: {
    enum: ['exact', 'sorted', 'normalized'],
    description:
      '`exact` (default): the same lines in the same order; `sorted`: the same lines in any order; `normalized`: as sorted, after trimming lines, collapsing runs of spaces and tabs to one space and dropping blank lines.',
  },
  format: {
    type: 'object',
    additionalProperties: false,
    description: 'With no expected output (the public spec): the shape every output line must have.',
    properties: {
      fields: { type: 'integer', minimum: 1, description: 'Exact number of fields on every line.' },
      separator: { type: 'string', minLength: 1, description: "Field separator; default a tab (Hadoop Streaming's key/value separator)." },
      names: { type: 'array', items: { type: 'string' }, description: 'Field names for messages, such as [WORD, COUNT].' },
      patterns: {
        type: 'array',
        items: { type: ['string', 'null'] },
        description: 'A regular expression per field (null: any); each must match the whole field.',
      },
      minLines: { type: 'integer', minimum: 0, description: 'At least this many lines (default 1).' },
    },
  },
  partialCredit: {
    type: 'boolean',
    description:
      'On a mismatch keep the share of lines that match: matching lines / the larger of expected and actual line counts. Default false (all or nothing).',
  },
};

export function validateExpect(p: ExpectParams): string[] {
  const out: string[] = [];
  if (p.expected !== undefined && p.expectedText !== undefined) out.push('give `expected` or `expectedText`, not both');
  if (p.format && (p.expected !== undefined || p.expectedText !== undefined))
    out.push('`format` is for checks without an expected output; drop it or the expected output');
  for (const [i, re] of (p.format?.patterns ?? []).entries()) {
    if (re === null) continue;
    const problem = patternProblem(re);
    if (problem) out.push(`format.patterns[${i}]: ${problem}`);
  }
  return out;
}

/** Throws a UserError for bad params at run time (lint reports them earlier). */
export function assertParams(ctx: CheckContext, problems: string[]): void {
  if (problems.length)
    throw new UserError(
      `check ${ctx.check.id} (${ctx.check.kind}) has bad parameters: ${problems[0]}`,
      'Fix the check in assignment.yaml; `harness lint` lists every problem.',
      problems,
    );
}

/** Last `n` lines of a process's stderr, for `actual`. */
export function stderrTail(stderr: string, n = 12): string | undefined {
  const lines = stderr.replace(/\s+$/, '').split('\n');
  const tail = lines.slice(-n).join('\n');
  return tail ? (lines.length > n ? `…\n${tail}` : tail) : undefined;
}

/**
 * A run that did not end well, as the student should read it; returns quietly when it did.
 * `label` names the program ("mapper.py"), `rerun` is a shell command that reproduces the run.
 * Limits are quoted as the run was held to them (res.limits: a check's own, lowered by the
 * grader's ceilings), never as the check asked.
 */
export function judgeRun(ctx: CheckContext, label: string, res: SandboxResult, rerun: string, file?: string, cmd = ctx.python): void {
  const lim = res.limits;
  const stopped = (code: string, what: string, hint: string) =>
    new Failure({ code, rationale: `${label} ${what}, so it was stopped.`, hint: `${hint} Try it yourself: ${rerun}`, file });
  if (res.startError === 'ENOENT') {
    throw new CannotJudge(
      cmd === ctx.python
        ? `${cmd} was not found; install Python 3 (or set HARNESS_PYTHON) to run this check`
        : `${cmd} was not found on PATH, so this check cannot run here`,
    );
  }
  if (res.startError)
    throw new Failure({
      code: 'not-started',
      rationale: `${label} could not be started (${res.startError}).`,
      hint: `Try it yourself: ${rerun}`,
      file,
    });
  if (res.timedOut)
    throw stopped(
      'time-limit',
      `did not finish within ${fmtSeconds(lim.timeoutMs)}`,
      'Does it loop forever, or wait for input that never comes?',
    );
  if (res.capped) {
    throw new Failure({
      code: 'output-limit',
      rationale: `${label} wrote more than ${fmtBytes(lim.maxOutputBytes)} of output, so it was stopped.`,
      hint: `Print one line per result, not inside an endless loop; try it yourself: ${rerun} | head`,
      file,
    });
  }
  if (res.exceeded === 'memory')
    throw stopped(
      'memory-limit',
      `used more than ${fmtBytes(lim.memoryBytes)} of memory (all its processes together)`,
      'Process the input line by line instead of reading it all at once, and start no processes that each hold a copy.',
    );
  if (res.exceeded === 'processes')
    throw stopped(
      'process-limit',
      `started more than ${plural(lim.maxProcesses, 'process', 'processes')}`,
      'A mapper, reducer or program needs one process; look for a subprocess or fork inside a loop.',
    );
  if (res.exceeded === 'disk')
    throw stopped('disk-limit', `wrote more than ${fmtBytes(lim.diskBytes)} of files`, 'Write only the results the question asks for.');
  if (res.exceeded === 'files')
    throw stopped('file-limit', `created more than ${plural(lim.maxFiles, 'file')}`, 'Write only the results the question asks for.');
  if (res.code === 0) return;
  const tail = stderrTail(res.stderr);
  const last = res.stderr.trim().split('\n').pop() ?? '';
  const quoted = last ? `: ${quoteLine(last, 160)}` : '.';
  // What the limits look like from inside: Python's own words for a cap it ran into.
  if (/MemoryError/.test(last))
    throw new Failure({
      code: 'memory-limit',
      rationale: `${label} ran out of memory (it may use ${fmtBytes(lim.memoryBytes)})${quoted}`,
      hint: `Process the input line by line instead of reading it all at once. Try it yourself: ${rerun}`,
      actual: tail,
      file,
    });
  if (/\[Errno 27\]|File too large|\[Errno 28\]|No space left/.test(last))
    throw new Failure({
      code: 'disk-limit',
      rationale: `${label} wrote more to a file than it may (${fmtBytes(lim.diskBytes)} in its folder, less in /tmp)${quoted}`,
      hint: `Write only the results the question asks for. Try it yourself: ${rerun}`,
      actual: tail,
      file,
    });
  if (/\[Errno 11\]|Resource temporarily unavailable|Cannot fork/i.test(last))
    throw new Failure({
      code: 'process-limit',
      rationale: `${label} tried to start more processes than it may (${lim.maxProcesses})${quoted}`,
      hint: `A mapper, reducer or program needs one process. Try it yourself: ${rerun}`,
      actual: tail,
      file,
    });
  const how = res.signal ? `was killed by ${res.signal}` : `stopped with an error (exit code ${res.code})`;
  const missing = /ModuleNotFoundError: No module named '([^']+)'/.exec(last);
  throw new Failure({
    code: res.signal ? 'killed' : 'crashed',
    rationale: `${label} ${how}${quoted}`,
    hint: missing
      ? `The module ${missing[1]} is not installed for ${ctx.python} here; use only Python's standard library, or install it (pip install --user works: the sandbox sees those packages). Try it yourself: ${rerun}`
      : `Read the error above (the last line says what went wrong, the lines before it where); try it yourself: ${rerun}`,
    actual: tail,
    file,
  });
}

/** Compares (or shape-checks) an output; throws a Failure on a mismatch, returns a note on a pass. */
export async function judgeOutput(
  ctx: CheckContext,
  p: ExpectParams,
  output: Buffer,
  what: string,
  rerun: string,
): Promise<{ note: string }> {
  const text = output.toString('utf8');
  const lines = splitLines(text);
  if (p.expected === undefined && p.expectedText === undefined) {
    const f = p.format ?? {};
    const findings = await checkLines(text, {
      file: what,
      blankLines: 'forbid',
      count: { min: f.minLines ?? 1 },
      fields:
        f.fields || f.patterns || f.separator
          ? { separator: f.separator, count: f.fields, names: f.names, patterns: f.patterns }
          : undefined,
    });
    if (findings.length === 0) return { note: `${plural(lines.length, 'line')} in the expected form` };
    const first = findings[0];
    throw new Failure({
      ...first,
      hint: `${first.hint ?? ''} Try it yourself: ${rerun}`.trim(),
      partial: p.partialCredit ? (first.partial ?? 0) : 0,
      file: undefined,
    });
  }
  const expText = p.expectedText ?? (ctx.check.material?.get(p.expected!) ?? (await ctx.files.read(p.expected!))).toString('utf8');
  const mode = p.compare ?? 'exact';
  const norm = (ls: string[]) => (mode === 'normalized' ? ls.map((l) => l.trim().replace(/\s+/g, ' ')).filter((l) => l !== '') : ls);
  const exp = norm(splitLines(expText));
  const act = norm(lines);
  const matched = multisetOverlap(exp, act);
  const partial = p.partialCredit ? matched / Math.max(exp.length, act.length, 1) : 0;
  const counts = `The output has ${plural(act.length, 'line')}; ${exp.length} ${exp.length === 1 ? 'is' : 'are'} expected.`;
  if (mode === 'exact') {
    const i = firstDiff(exp, act);
    if (i < 0) return { note: `all ${plural(exp.length, 'line')} match the expected output` };
    throw new Failure({
      code: 'output-differs',
      rationale:
        i >= act.length
          ? `${cap(what)} stops after line ${act.length}, but more lines are expected.`
          : `Line ${i + 1} of ${what} differs from the expected output.`,
      hint: `${counts} Compare your output with the expected one from line ${i + 1} on: ${rerun}`,
      expected: i < exp.length ? quoteLine(exp[i]) : '(no more lines)',
      actual: i < act.length ? quoteLine(act[i]) : '(no more lines)',
      line: i + 1,
      partial,
    });
  }
  const sortB = (ls: string[]) => [...ls].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)); // byte order, like LC_ALL=C sort
  const e = sortB(exp);
  const a = sortB(act);
  if (firstDiff(e, a) < 0)
    return {
      note: `all ${plural(exp.length, 'line')} match the expected output${mode === 'sorted' ? ' (in any order)' : ' (order and spacing ignored)'}`,
    };
  const missing = difference(e, a);
  const extra = difference(a, e);
  const parts = [
    missing.length ? `lacks ${plural(missing.length, 'expected line')}` : '',
    extra.length ? `has ${plural(extra.length, 'line')} that ${extra.length === 1 ? 'is' : 'are'} not expected` : '',
  ].filter(Boolean);
  const at = extra.length ? act.indexOf(extra[0]) + 1 : undefined;
  throw new Failure({
    code: 'output-differs',
    rationale: `${cap(what)} ${parts.join(' and ')}${mode === 'sorted' ? ' (order ignored)' : ' (order and spacing ignored)'}.`,
    hint: `${counts}${at ? ` The first unexpected line is line ${at} of the output.` : ''} Try it yourself: ${rerun}`,
    expected: missing.length ? `${quoteLine(missing[0])}${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}` : undefined,
    actual: extra.length ? `${quoteLine(extra[0])}${extra.length > 1 ? ` (and ${extra.length - 1} more)` : ''}` : undefined,
    line: at,
    partial,
  });
}

export function splitLines(text: string): string[] {
  const ls = text.split('\n');
  if (ls.length && ls[ls.length - 1] === '') ls.pop(); // a final newline ends the last line
  return ls;
}

function firstDiff(a: string[], b: string[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Elements of `a` not matched in `b`, counting repeats (multiset difference), in `a`'s order. */
function difference(a: string[], b: string[]): string[] {
  const counts = new Map<string, number>();
  for (const x of b) counts.set(x, (counts.get(x) ?? 0) + 1);
  return a.filter((x) => {
    const c = counts.get(x) ?? 0;
    if (c > 0) counts.set(x, c - 1);
    return c === 0;
  });
}

function multisetOverlap(a: string[], b: string[]): number {
  return a.length - difference(a, b).length;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
export const fmtSeconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`);
export const fmtBytes = (n: number) =>
  n >= 1024 ** 3
    ? `${+(n / 1024 ** 3).toFixed(1)} GiB`
    : n >= 1024 * 1024
      ? `${Math.round(n / 1024 / 1024)} MB`
      : n >= 1024
        ? `${Math.round(n / 1024)} KB`
        : `${n} bytes`;
