// python.syntax: Python files compile with the student's own python3. The sources are copied to a
// temp folder and compiled there with -I -B, so nothing (no __pycache__) lands in the student's
// folder and nothing of the student's environment (PYTHONPATH, AWS keys) reaches the process.
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { diskVolume } from '../fsio.js';
import { defineKind } from './kind.js';
import { fileParam } from './params.js';
import type { CheckContext } from './kind.js';
import { skipIfOptionalAbsent } from './file-present.js';
import { Failure, CannotJudge, Skip } from '../errors.js';
import { plural, quoteLine, shellQuote } from '../util/text.js';

export interface PythonSyntaxParams {
  file?: string;
  files?: string[];
  /** `fail`: a function whose body is only a stub (`raise NotImplementedError`, `pass`, `...`) fails the check. */
  stubs?: 'fail' | 'allow';
}

/**
 * Python source of `compile_all(data)`: one result per source, shared with grader/pyworker.ts. For
 * a source that compiles: whether it holds any code at all (not only comments, a docstring or
 * \`pass\`), and its stub functions (a body that is only \`raise NotImplementedError\`, \`pass\` or
 * \`...\`), read from its syntax tree; nothing is run. For one that does not, the error. The sources
 * arrive as a JSON line of names and byte lengths, then the bytes, so nothing is written to disk and
 * compile() leaves no __pycache__. Kept Python 2 parsable, so the script can say "Python 2".
 */
export const PY_COMPILE_ALL = `
def _is_stub(fn):
    import ast
    body = fn.body[1:] if ast.get_docstring(fn) is not None else fn.body
    if len(body) != 1:
        return not body
    s = body[0]
    if isinstance(s, ast.Pass):
        return True
    if isinstance(s, ast.Expr) and getattr(s.value, "value", None) is Ellipsis:
        return True
    if isinstance(s, ast.Raise):
        exc = getattr(s, "exc", None) or getattr(s, "type", None)
        if isinstance(exc, ast.Call):
            exc = exc.func
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    return False

def _notes(tree):
    import ast
    body = tree.body
    if ast.get_docstring(tree) is not None:
        body = body[1:]
    stubs = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, getattr(ast, "AsyncFunctionDef", ast.FunctionDef))) and _is_stub(node):
            stubs.append([node.name, node.lineno])
    stubs.sort(key=lambda x: x[1])
    return {"ok": True, "empty": not [s for s in body if not isinstance(s, ast.Pass)], "stubs": stubs}

def compile_all(data):
    import ast
    head, _, body = data.partition(b"\\n")
    out = []
    pos = 0
    for item in json.loads(head):
        src = body[pos:pos + item["size"]]
        pos += item["size"]
        try:
            compile(src, item["name"], "exec", dont_inherit=True)
            out.append(_notes(ast.parse(src, item["name"])))
        except SyntaxError as e:
            out.append({"type": type(e).__name__, "msg": str(e.msg), "line": e.lineno, "col": e.offset, "text": e.text})
        except Exception as e:
            out.append({"type": type(e).__name__, "msg": str(e), "line": None, "col": None, "text": None})
    return out
`;

const SCRIPT = `
import sys, json
if sys.version_info[0] < 3:
    sys.stdout.write(json.dumps({"python2": sys.version.split()[0]}))
    sys.exit(0)
${PY_COMPILE_ALL}
sys.stdout.write(json.dumps(compile_all(sys.stdin.buffer.read())))
`;

/** More than this on stdout means something is badly wrong; stop reading and kill. */
const MAX_OUTPUT = 1024 * 1024;

interface PyError {
  type: string;
  msg: string;
  line: number | null;
  col: number | null;
  text: string | null;
}
interface PyNotes {
  ok: true;
  empty: boolean;
  stubs: [string, number][];
}
type PyResult = PyError | PyNotes;
const isError = (r: PyResult | null): r is PyError => r !== null && !('ok' in r);

const filesOf = (p: PythonSyntaxParams) => p.files ?? (p.file !== undefined ? [p.file] : []);

export default defineKind<PythonSyntaxParams>({
  kind: 'python.syntax',
  spawns: true,
  title: (p) => `${filesOf(p).join(', ')} ${filesOf(p).length === 1 ? 'is' : 'are'} valid Python 3`,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      file: fileParam('The Python file'),
      files: {
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: { type: 'string', minLength: 1 },
        description: 'Several Python files, compiled in one run; give `file` or `files`, not both.',
      },
      stubs: {
        enum: ['fail', 'allow'],
        description:
          "`fail`: a function whose body is only `raise NotImplementedError`, `pass` or `...` (a starter's stub) fails the check, so a starter earns nothing. Default `allow`.",
      },
    },
  },
  files: filesOf,
  validate: (p) => ((p.file === undefined) === (p.files === undefined) ? ['give either `file` or `files` (exactly one of them)'] : []),
  async run(ctx, p) {
    const sources: { name: string; body: Buffer }[] = [];
    for (const name of filesOf(p)) {
      try {
        await skipIfOptionalAbsent(ctx, name);
      } catch (e) {
        if (e instanceof Skip) continue;
        throw e;
      }
      sources.push({ name, body: await ctx.files.read(name) });
    }
    if (sources.length === 0) throw new Skip('optional file not handed in');
    const results = await compileAll(ctx, sources);
    const bad = results.map((r, i) => ({ r, name: sources[i].name })).filter((x): x is { r: PyError; name: string } => isError(x.r));
    if (bad.length === 0)
      return notCode(
        results,
        sources.map((s) => s.name),
        p,
      );
    const { r, name } = bad[0];
    const also =
      bad.length > 1
        ? ` ${bad
            .slice(1)
            .map((b) => b.name)
            .join(', ')} ${bad.length > 2 ? 'have' : 'has'} errors too.`
        : '';
    throw new Failure({
      code: 'syntax-error',
      rationale: r.line
        ? `${name} has ${r.type === 'SyntaxError' ? 'a syntax' : 'an indentation'} error on line ${r.line}${r.col ? `, column ${r.col}` : ''}: ${sentence(r.msg)}`
        : `${name} cannot be compiled: ${sentence(r.msg)}`,
      hint: hintFor(r, name) + also,
      actual: r.text ? quoteLine(r.text.replace(/\r?\n$/, '')) : undefined,
      file: name,
      line: r.line ?? undefined,
      partial: sources.length > 1 ? (sources.length - bad.length) / sources.length : 0,
    });
  },
});

/**
 * Code that compiles but is not work: a file of comments alone (an empty program is not an
 * answer), and, with `stubs: fail`, the starter's stub functions still in place.
 */
function notCode(results: (PyResult | null)[], names: string[], p: PythonSyntaxParams): void {
  const notes = results.map((r, i) => ({ r: r as PyNotes | null, name: names[i] }));
  const empty = notes.filter((n) => n.r?.empty);
  if (empty.length) {
    const name = empty[0].name;
    throw new Failure({
      code: 'empty',
      rationale: `${name} holds no code (only comments, a docstring or pass): an empty program is not an answer.`,
      hint: `Write the program in ${name}.`,
      file: name,
      partial: names.length > 1 ? (names.length - empty.length) / names.length : 0,
    });
  }
  if (p.stubs !== 'fail') return;
  const stubbed = notes.filter((n) => n.r?.stubs.length);
  if (!stubbed.length) return;
  const { r, name } = stubbed[0];
  const [fn, line] = r!.stubs[0];
  const more =
    r!.stubs.length > 1
      ? ` (and ${plural(r!.stubs.length - 1, 'more function')}: ${r!.stubs
          .slice(1, 4)
          .map((s) => `${s[0]}()`)
          .join(', ')})`
      : '';
  throw new Failure({
    code: 'starter-stubs',
    rationale: `${name} still has the starter's stub for ${fn}() on line ${line}${more}: the program is not written yet.`,
    hint: `Write the body of ${fn}() (it only raises NotImplementedError, or passes), then run your program on the sample to see it work.`,
    file: name,
    line,
    partial: names.length > 1 ? (names.length - stubbed.length) / names.length : 0,
  });
}

const sentence = (s: string) => (/[.?!]$/.test(s) ? s : `${s}.`);

function hintFor(r: PyError, name: string): string {
  const q = shellQuote(name);
  if (r.type === 'TabError' || r.type === 'IndentationError') {
    return `Indent with spaces only (4 per level) and line each block up with the lines around it; python3 -m tabnanny ${q} shows where tabs and spaces mix.`;
  }
  if (/Missing parentheses in call to 'print'/.test(r.msg)) return 'This is Python 2 code; in Python 3 print is a function: print(...).';
  if (/unicode error|codec can't decode|encoding/i.test(r.msg))
    return `Save ${name} as UTF-8 (or declare its encoding in a "# -*- coding: ... -*-" first line).`;
  if (/null bytes/.test(r.msg)) return `${name} contains NUL bytes, so it is not a plain source file; write it again with a code editor.`;
  const before = (r.line ?? 0) > 1 ? ', or at the end of the line before' : '';
  return `Run python3 ${q} to see the error, then fix line ${r.line ?? '?'}; look for a missing ), ] or : there${before}.`;
}

async function compileAll(ctx: CheckContext, sources: { name: string; body: Buffer }[]): Promise<(PyResult | null)[]> {
  const head = JSON.stringify(sources.map((s) => ({ name: s.name, size: s.body.length })));
  const input = Buffer.concat([Buffer.from(head + '\n'), ...sources.map((s) => s.body)]);
  const out = ctx.compilePython
    ? await ctx.compilePython(input, ctx.signal)
    : await runPython(
        ctx,
        input,
        sources.map((s) => s.name),
      );
  if (!Array.isArray(out) && out && typeof out === 'object' && 'python2' in out) {
    throw new CannotJudge(
      `${ctx.python} is Python ${(out as { python2: string }).python2}; install Python 3 (or set HARNESS_PYTHON to a python3) to check ${sources.map((s) => s.name).join(', ')}`,
    );
  }
  if (!Array.isArray(out) || out.length !== sources.length)
    throw new Error(`unexpected output from ${ctx.python}: ${JSON.stringify(out).slice(0, 200)}`);
  return out as (PyResult | null)[];
}

function runPython(ctx: CheckContext, input: Buffer, names: string[]): Promise<unknown> {
  // AWS_* could carry the student's keys; PYTHON* would change what -I already ignores.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(AWS_|PYTHON)/.test(k)) env[k] = v;
  env.PYTHONDONTWRITEBYTECODE = '1';
  // Run from the assignment folder, so a pyenv shim picks the student's version (.python-version).
  // Nothing is imported or executed: -I keeps the folder off sys.path, and compile() runs no code.
  // -S skips site (about 20 ms of a 35 ms start); compile() and json need nothing from it.
  return new Promise((resolve, reject) => {
    const child = spawn(ctx.python, ['-I', '-B', '-S', '-c', SCRIPT], {
      cwd: ctx.files.volume === diskVolume ? ctx.spec.dir : tmpdir(),
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: ctx.signal,
      windowsHide: true,
    });
    child.stdin.on('error', () => {}); // a python that exits early closes the pipe; 'close' reports it
    child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (stdout.length > MAX_OUTPUT) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 64 * 1024) stderr += d;
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.name === 'AbortError') return reject(ctx.signal.reason ?? e);
      const what = names.join(', ');
      if (e.code === 'ENOENT') {
        const where = ctx.python.includes('/') || ctx.python.includes('\\') ? '' : ' on PATH';
        return reject(new CannotJudge(`${ctx.python} was not found${where}; install Python 3 (or set HARNESS_PYTHON) to check ${what}`));
      }
      if (e.code === 'EACCES')
        return reject(new CannotJudge(`${ctx.python} cannot be run (permission denied); fix it or set HARNESS_PYTHON to check ${what}`));
      reject(e);
    });
    child.on('close', (code, signal) => {
      if (ctx.signal.aborted) return reject(ctx.signal.reason);
      if (code !== 0) return reject(new Error(`${ctx.python} failed (${signal ?? `exit ${code}`}): ${stderr.trim().slice(-500)}`));
      try {
        resolve(JSON.parse(stdout));
      } catch {
        reject(new Error(`${ctx.python} printed something unexpected: ${stdout.slice(0, 200)}`));
      }
    });
  });
}
