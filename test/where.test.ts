// Where the work is: a repository without the assignment folder (every real one of the course kept
// A2 in A2_hadoop/) is told so once, with where the harness looked and the likely folder, by
// `check` and by the grader, instead of "q1.txt is missing" once per file.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { harness, REPO } from './helpers/student.js';
import { tempDir, writeFiles, type FileMap } from './helpers/fixture.js';
import { AssignmentFiles } from '../lib/fsio.js';
import { describeMisplaced, findMisplaced } from '../lib/where.js';
import { loadCourse } from '../lib/course.js';
import { loadSpec } from '../lib/spec/load.js';
import { runChecks } from '../lib/engine.js';

const A2 = ['q1.txt', 'q2_mapper.py', 'q2_reducer.py', 'q2_python.py'];
const spec = (dir: string) => ({ dir, files: { required: A2, optional: [] } });
const answers = (names: string[]): FileMap => Object.fromEntries(names.map((n) => [n, n.endsWith('.py') ? 'print(1)\n' : 'x\n']));
const under = (folder: string, m: FileMap): FileMap => Object.fromEntries(Object.entries(m).map(([k, v]) => [`${folder}/${k}`, v]));

describe('findMisplaced', () => {
  it("finds the folder holding most of the required files, never another assignment's own folder", async () => {
    const root = await tempDir({
      ...under('A2_hadoop', answers(['q1.txt', 'q2_mapper.py', 'q2_reducer.py'])),
      ...under('old/A2 copy', answers(['q1.txt', 'q2_mapper.py'])),
      ...under('assignments/A1', { 'assignment.yaml': 'id: A1\n', ...answers(A2) }),
      ...under('.git/objects', answers(A2)),
    });
    const dir = path.join(root, 'assignments', 'A2');
    const m = findMisplaced(new AssignmentFiles(dir), spec(dir));
    expect(m).toEqual({ folder: 'assignments/A2', missing: true, required: 4, likely: { folder: 'A2_hadoop', found: 3 } });
    expect(describeMisplaced(m!, 'A2')).toEqual({
      rationale:
        "The assignment folder assignments/A2/ is not there, so none of A2's 4 required files could be found; this is where the harness looked.",
      hint: 'Your work seems to be in A2_hadoop/ (3 of the 4 required files). Move it: mkdir -p assignments/A2/ && git mv A2_hadoop/* assignments/A2/, then commit and push.',
    });
  });

  it('is quiet when the work is in place, when nothing is required, and for a student who has not started', async () => {
    const root = await tempDir({
      ...under('assignments/A2', answers(['q1.txt'])),
      ...under('assignments/A3', { 'assignment.yaml': 'id: A3\n' }),
    });
    const dir = path.join(root, 'assignments', 'A2');
    expect(findMisplaced(new AssignmentFiles(dir), spec(dir))).toBeUndefined();
    expect(findMisplaced(new AssignmentFiles(dir), { dir, files: { required: [], optional: [] } })).toBeUndefined();
    const fresh = await tempDir({ 'assignments/A2/assignment.yaml': 'id: A2\n', 'notes.md': 'x\n' });
    const d2 = path.join(fresh, 'assignments', 'A2');
    expect(findMisplaced(new AssignmentFiles(d2), spec(d2))).toBeUndefined();
    // The folder is there but empty, and the work sits elsewhere: said once too.
    const moved = await tempDir({ 'assignments/A2/assignment.yaml': 'id: A2\n', ...under('hw/A2 final', answers(A2)) });
    const d3 = path.join(moved, 'assignments', 'A2');
    const m = findMisplaced(new AssignmentFiles(d3), spec(d3))!;
    expect([m.missing, m.likely]).toEqual([false, { folder: 'hw/A2 final', found: 4 }]);
    expect(describeMisplaced(m, 'A2').hint).toContain('git mv "hw/A2 final"/* assignments/A2/');
  });
});

describe('one message, not one per file', () => {
  it('check: the first check that reads answers says where the work is; the others point to it', async () => {
    const course = await loadCourse(REPO);
    const a2 = await loadSpec(path.join(REPO, 'assignments', 'A2', 'assignment.yaml'), course);
    const root = await tempDir(
      under('A2_hadoop', answers(['q1.txt', 'q2_mapper.py', 'q2_reducer.py', 'q2_python.py', 'q2_results.txt', 'q4_run.py'])),
    );
    const dir = path.join(root, 'assignments', 'A2');
    const rs = await runChecks({ ...a2, dir, file: path.join(dir, 'assignment.yaml') }, { course, offline: true });
    const fails = rs.filter((r) => r.status === 'fail');
    expect(fails.map((r) => [r.id, r.code, r.rationale])).toEqual([
      [
        'q1-present',
        'file.present/folder-missing',
        "The assignment folder assignments/A2/ is not there, so none of A2's 11 required files could be found; this is where the harness looked.",
      ],
    ]);
    expect(fails[0].hint).toMatch(/^Your work seems to be in A2_hadoop\/ \(6 of the 11 required files\)/);
    expect(rs.find((r) => r.id === 'q4-monthly')).toMatchObject({ status: 'skip', reason: 'assignments/A2/ is not there: see q1-present' });
    expect(rs.filter((r) => / is missing\./.test(r.rationale ?? ''))).toEqual([]);
  });

  it('grade: a fork without assignments/A2/ (as every real one) gets the same single message', async () => {
    const base = await tempDir({}, 'harness-where-');
    const work = path.join(base, 'fork');
    cpSync(path.join(REPO, 'course.yaml'), path.join(work, 'course.yaml'));
    await writeFiles(work, {
      'user.cfg': '[USER]\nname: Fixture Student\nemail: fx123@georgetown.edu\n',
      ...under('A2_hadoop', answers(A2)),
    });
    const env = {
      ...process.env,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'F',
      GIT_AUTHOR_EMAIL: 'fx123@georgetown.edu',
      GIT_COMMITTER_NAME: 'F',
      GIT_COMMITTER_EMAIL: 'fx123@georgetown.edu',
    };
    const git = (cwd: string, ...args: string[]) =>
      execFileSync('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], { cwd, env, stdio: 'pipe' });
    const origin = path.join(base, 'origin.git');
    git(base, 'init', '-q', '--bare', origin);
    git(work, 'init', '-q');
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', '2017 layout');
    git(work, 'push', '-q', origin, 'main');
    const roster = path.join(base, 'roster.csv');
    writeFileSync(roster, `NetID,name,email,repo\nfx123,Fixture Student,fx123@georgetown.edu,${origin}\n`);
    const out = path.join(base, 'grades');
    expect(harness(REPO, ['collect', 'A2', '--roster', roster, '--out', out, '--quiet']).status).toBe(0);
    const g = harness(REPO, ['grade', 'A2', '--roster', roster, '--out', out, '--offline', '--quiet']);
    expect(g.status, g.stderr).toBe(0);
    const batch = JSON.parse(readFileSync(path.join(out, 'batch.json'), 'utf8')) as {
      students: { results: { id: string; status: string; rationale?: string; hint?: string }[] }[];
    };
    const rs = batch.students[0].results;
    expect(rs.filter((r) => r.status === 'fail').map((r) => r.id)).toEqual(['q1-present']);
    expect(rs.find((r) => r.id === 'q1-present')?.hint).toMatch(/^Your work seems to be in A2_hadoop\/ \(4 of the 11 required files\)/);
    expect(rs.filter((r) => / is missing\./.test(r.rationale ?? ''))).toEqual([]);
  }, 60_000);
});
