// Temporary folders built from inline file maps (publint's habit), and a CheckContext over them.
import { CloneGit } from '../../lib/git.js';
import { mkdtemp, mkdir, rm, writeFile, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { CheckContext } from '../../lib/checks/kind.js';
import type { CheckSpec, Spec } from '../../lib/types.js';
import type { Course } from '../../lib/course.js';
import type { Identity } from '../../lib/usercfg.js';
import { AssignmentFiles } from '../../lib/fsio.js';

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

export type FileMap = Record<string, string | Buffer>;

/** Makes a fresh temp dir holding `files`; removed after the test file. */
export async function tempDir(files: FileMap = {}, prefix = 'harness-'): Promise<string> {
  const dir = await realpath(await mkdtemp(path.join(tmpdir(), prefix)));
  made.push(dir);
  await writeFiles(dir, files);
  return dir;
}

export async function writeFiles(dir: string, files: FileMap): Promise<void> {
  for (const [rel, body] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, body);
  }
}

export const testCourse = (root = '/nonexistent'): Course => ({
  name: 'Test Course',
  studentId: {
    label: 'NetID',
    rules: [
      { pattern: '^[A-Za-z]', message: 'must begin with a letter' },
      { pattern: '[0-9]$', message: 'must end with a digit' },
    ],
    templateIds: ['pat'],
  },
  emailDomains: ['example.edu'],
  timezone: 'America/New_York',
  late: { graceMinutes: 0, penaltyPercentPerDay: 0, maxPenaltyPercent: 100, base: 'score' },
  file: '',
  root,
});

export const testIdentity = (over: Partial<Identity> = {}): Identity => ({
  netid: 'ab123',
  name: 'Ada Byron',
  email: 'ab123@example.edu',
  warnings: [],
  file: '/nonexistent/user.cfg',
  ...over,
});

/** A CheckContext over `dir` for calling a kind's `run` directly. */
export function makeCtx(dir: string, params: Record<string, unknown> = {}, over: Partial<CheckContext> = {}): CheckContext {
  const check: CheckSpec = { id: 't', kind: 'test', points: 1, dependsOn: [], severity: 'error', timeout: 30, extraCredit: false, params };
  const spec: Spec = {
    id: 'T1',
    title: 'Test',
    timezone: 'America/New_York',
    points: 1,
    files: { required: [], optional: [] },
    checks: [check],
    dir,
    file: path.join(dir, 'assignment.yaml'),
    hash: '0',
  };
  return {
    spec,
    check,
    course: testCourse(),
    identity: testIdentity(),
    files: new AssignmentFiles(dir),
    git: new CloneGit(dir),
    python: process.env.HARNESS_PYTHON ?? 'python3',
    signal: new AbortController().signal,
    now: () => new Date(),
    ...over,
  };
}
