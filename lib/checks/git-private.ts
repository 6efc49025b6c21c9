// git.private: the repository in an answer file must NOT be readable anonymously. Runs
// `git ls-remote` as a stranger would: no credentials, no helpers, no prompts, no SSH agent or keys,
// no user config, under a time limit. Refs listed: public (fail). Refused for authentication:
// private (pass). Anything else (no such host, timeout): cannot judge (error), never a pass.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineKind } from './kind.js';
import { Failure, CannotJudge, Skip, Unavailable, UserError } from '../errors.js';
import { assertLoopback } from '../aws/loopback.js';
import { quoteLine } from '../util/text.js';

export interface GitPrivateParams {
  file: string;
  /** Seconds for the probe (default 20). */
  probeTimeout?: number;
}

/** Hosts whose SSH URLs have an https twin; an anonymous SSH probe always fails, so it proves nothing. */
const KNOWN_HOSTS = new Set(['bitbucket.org', 'github.com', 'gitlab.com']);

export interface Probe {
  /** The URL `git ls-remote` is run on. */
  url: string;
  host: string;
  /** The student wrote an SSH URL and we probe its https form. */
  converted: boolean;
}

/** The URL to probe, or a Skip/Failure explaining why there is none. */
export function probeUrl(raw: string): Probe {
  const text = raw.trim();
  if (!text || text.startsWith('-')) throw new Failure({ rationale: `${quoteLine(text)} is not a git repository URL.`, hint: 'Write the output of `git config --get remote.origin.url` on the first line.' });
  // scp-like: git@host:owner/repo(.git)
  const scp = /^(?:[^@/\s]+@)?([A-Za-z0-9.-]+):(?!\/\/)(.+)$/.exec(text);
  const ssh = /^ssh:\/\/(?:[^@/\s]+@)?([A-Za-z0-9.-]+)(?::\d+)?\/(.+)$/.exec(text);
  const m = ssh ?? (text.includes('://') ? null : scp);
  if (m) {
    const host = m[1].toLowerCase();
    if (!KNOWN_HOSTS.has(host)) throw new Skip(`${host} is not a host this check knows; an anonymous SSH probe cannot tell a private repository from a public one`);
    return { url: `https://${host}/${m[2].replace(/^\/+/, '')}`, host, converted: true };
  }
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Failure({ rationale: `${quoteLine(text)} is not a git repository URL.`, hint: 'Write the output of `git config --get remote.origin.url` on the first line.' });
  }
  if (!['https:', 'http:', 'git:', 'file:'].includes(u.protocol)) {
    throw new Failure({ rationale: `${quoteLine(text)} uses ${u.protocol}, which is not a git URL a host serves.`, hint: 'Use the https:// or git@ URL your git host shows.' });
  }
  // A user name or password in the URL would make the probe less anonymous than a stranger.
  u.username = '';
  u.password = '';
  return { url: u.toString(), host: u.host || 'this machine', converted: false };
}

const REFUSED = [
  /could not read (Username|Password)/i, /terminal prompts disabled/i, /Authentication failed/i,
  /Permission denied \(publickey/i, /Repository not found/i, /repository '[^']*' not found/i, /returned error: (401|403|404)\b/i,
  /HTTP (Basic: )?Access denied/i, /Invalid username or password/i, /access denied or repository not exported/i,
  /remote: .*(private|not authorized|unauthorized|access denied)/i,
];

export default defineKind<GitPrivateParams>({
  kind: 'git.private',
  needs: 'internet',
  spawns: true,
  title: (p) => `The repository in ${p.file} is private (not readable without logging in)`,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['file'],
    properties: {
      file: { type: 'string', minLength: 1, description: 'The answer file whose first line is the repository URL (e.g. `q1.txt`).' },
      probeTimeout: { type: 'number', exclusiveMinimum: 0, maximum: 120, description: 'Seconds to wait for the git host (default 20).' },
    },
  },
  files: (p) => [p.file],
  async run(ctx, p) {
    const env0 = ctx.aws?.env ?? process.env;
    const first = (await ctx.files.read(p.file)).toString('utf8').split('\n')[0].replace(/\r$/, '');
    const probe = probeUrl(first);
    assertLoopback(probe.url.startsWith('file:') ? 'http://localhost/' : probe.url, 'git.private', env0);
    const r = await lsRemote(probe.url, env0, ctx.signal, (p.probeTimeout ?? 20) * 1000);
    const via = probe.converted ? ` (probed as ${probe.url}, its https form)` : '';
    if (r.code === 0) throw publicRepo(probe, first, via, p.file);
    if (REFUSED.some((re) => re.test(r.stderr))) return;
    if (r.timedOut) throw new Unavailable(`${probe.host} did not answer in time${via}`, 'check your network connection and run check again');
    const why = r.stderr.split('\n').map((l) => l.trim()).filter(Boolean).slice(-2).join(' / ') || `git exited with ${r.code}`;
    throw new Unavailable(`cannot tell whether ${first} is private: ${why}`, 'check the URL and your network connection, then run check again');
  },
});

function publicRepo(probe: Probe, url: string, via: string, file: string): Failure {
  const fix =
    probe.host === 'bitbucket.org'
      ? 'Bitbucket: open the repository → Repository settings → Repository details, tick "This is a private repository", and Save.'
      : probe.host === 'github.com'
        ? 'GitHub: open the repository → Settings → General → Danger Zone → Change repository visibility → Make private.'
        : probe.host === 'gitlab.com'
          ? 'GitLab: open the project → Settings → General → Visibility, project features, permissions → Project visibility: Private → Save changes.'
          : 'In your git host\'s repository settings, make the repository private.';
  return new Failure({
    rationale: `Anyone can read your repository ${url}${via}: it is public, and your answers would be visible to everyone.`,
    hint: `Make it private. ${fix}`,
    expected: 'access refused without logging in',
    actual: 'git ls-remote listed its branches anonymously',
    file,
    line: 1,
  });
}

interface LsRemote { code: number | null; stderr: string; timedOut: boolean }

/** `git ls-remote` with nothing that could log in: no helpers, no prompts, no agent, an empty HOME. */
export async function lsRemote(url: string, env0: NodeJS.ProcessEnv, signal: AbortSignal, timeoutMs: number): Promise<LsRemote> {
  const home = await mkdtemp(path.join(tmpdir(), 'harness-anon-'));
  const no = process.platform === 'win32' ? '' : existsSync('/bin/false') ? '/bin/false' : '/usr/bin/false';
  const env: NodeJS.ProcessEnv = {
    ...env0,
    HOME: home, USERPROFILE: home, XDG_CONFIG_HOME: home,
    GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: path.join(home, 'gitconfig'),
    GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: no, SSH_ASKPASS: no, GCM_INTERACTIVE: 'never',
    GIT_SSH_COMMAND: 'ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o IdentitiesOnly=yes -o IdentityFile=/dev/null -o ConnectTimeout=5',
    GIT_ALLOW_PROTOCOL: 'http:https:git:file',
    LC_ALL: 'C', LANG: 'C',
  };
  for (const k of ['SSH_AUTH_SOCK', 'GIT_DIR', 'GIT_WORK_TREE', 'GIT_CONFIG_PARAMETERS', 'GIT_CONFIG_COUNT', 'GIT_SSH', 'GIT_PROXY_COMMAND', 'GITHUB_TOKEN', 'GH_TOKEN']) delete env[k];
  const args = ['-c', 'credential.helper=', '-c', 'core.askPass=', '-c', 'http.lowSpeedLimit=1', '-c', `http.lowSpeedTime=${Math.max(1, Math.ceil(timeoutMs / 1000))}`, 'ls-remote', '--heads', '--', url];
  try {
    return await new Promise<LsRemote>((resolve, reject) => {
      let stderr = '';
      let timedOut = false;
      const child = spawn('git', args, { env, cwd: home, stdio: ['ignore', 'ignore', 'pipe'], signal });
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.stderr!.on('data', (d: Buffer) => {
        if (stderr.length < 16_384) stderr += d.toString('utf8');
      });
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (e.code === 'ENOENT') reject(new CannotJudge('git is not installed, so the repository\'s privacy cannot be checked here'));
        else if (e.name === 'AbortError') reject(e);
        else reject(new UserError(`cannot run git: ${e.message}`));
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: timedOut ? null : code, stderr, timedOut });
      });
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
