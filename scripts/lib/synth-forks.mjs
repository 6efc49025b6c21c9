// Many synthetic student forks, fast: each one a bare repository written by one `git fast-import`
// (5 commits, about 10 files: the course files, then the answers in four steps), so a benchmark
// or a test can make hundreds in seconds. Commit dates are fixed, so hashes are the same each run.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, readdirSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './fork.mjs';

const ENV = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };

/** The files a fork of A1 holds, as [path, content]. */
function baseFiles(id = 'A1') {
  const files = [
    ['course.yaml', readFileSync(path.join(REPO, 'course.yaml'))],
    [`assignments/${id}/assignment.yaml`, readFileSync(path.join(REPO, 'assignments', id, 'assignment.yaml'))],
    [`assignments/${id}/Makefile`, readFileSync(path.join(REPO, 'assignments', id, 'Makefile'))],
  ];
  const answers = [];
  const ex = path.join(REPO, 'examples', `${id}-student`);
  for (const f of readdirSync(ex).sort()) if (f !== 'README.md') answers.push([`assignments/${id}/${f}`, readFileSync(path.join(ex, f))]);
  return { files, answers };
}

/**
 * Writes a bare fork for `netid` at `dir`. `time` (unix seconds) dates the first commit; each next
 * one is an hour later. `mutate(answers)` may change the answer files (a partial student).
 */
export function writeFork(dir, { netid, name = `Student ${netid}`, time = 1484400000, id = 'A1', mutate } = {}) {
  const { files, answers } = baseFiles(id);
  const email = `${netid}@georgetown.edu`;
  let ans = answers.map(([p, b]) => [p, Buffer.from(b)]);
  if (mutate) ans = mutate(ans) ?? ans;
  const user = ['user.cfg', Buffer.from(`[USER]\nname: ${name}\nemail: ${email}\n`)];
  const steps = [[...files, user], ans.slice(0, 2), ans.slice(2, 4), ans.slice(4, 6), ans.slice(6)];
  const chunks = [];
  steps.forEach((step, i) => {
    const who = `${name} <${email}> ${time + i * 3600} +0000`;
    const msg = Buffer.from(i === 0 ? 'Fork of the course repository\n' : `${id} answers, part ${i}\n`);
    chunks.push(Buffer.from(`commit refs/heads/main\nmark :${i + 1}\nauthor ${who}\ncommitter ${who}\ndata ${msg.length}\n`), msg);
    if (i > 0) chunks.push(Buffer.from(`from :${i}\n`));
    for (const [p, body] of step) chunks.push(Buffer.from(`M 100644 inline ${p}\ndata ${body.length}\n`), body, Buffer.from('\n'));
  });
  mkdirSync(dir, { recursive: true });
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', dir], { env: ENV });
  return new Promise((resolve, reject) => {
    const p = spawn('git', ['fast-import', '--quiet'], { cwd: dir, env: { ...ENV, GIT_DIR: dir }, stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => (code === 0 ? resolve(dir) : reject(new Error(`fast-import ${dir}: ${err}`))));
    p.stdin.end(Buffer.concat(chunks));
  });
}

/** `n` forks `<root>/<netid>.git` (netids s0001, s0002, ...), `par` at a time; returns the roster CSV text. */
export async function writeForks(root, n, { par = 4, netid = (i) => `s${String(i + 1).padStart(4, '0')}`, mutate } = {}) {
  const rows = ['NetID,name,email,repo'];
  const ids = Array.from({ length: n }, (_, i) => netid(i));
  let next = 0;
  await Promise.all(
    Array.from({ length: par }, async () => {
      while (next < ids.length) {
        const i = next++;
        await writeFork(path.join(root, `${ids[i]}.git`), { netid: ids[i], mutate: mutate && ((a) => mutate(i, a)) });
      }
    }),
  );
  for (const id of ids) rows.push(`${id},Student ${id},${id}@georgetown.edu,${path.join(root, `${id}.git`)}`);
  return rows.join('\n') + '\n';
}
