// git.private: the repository in an answer file must NOT be readable anonymously. It asks the way
// git's smart HTTP protocol begins (GET <repo>/info/refs?service=git-upload-pack), as a stranger:
// no credentials, no cookies, no proxy, under a time limit. Refs advertised: public (fail). Refused
// (401, 403, 404): private (pass). Anything else: cannot judge (error), never a pass.
//
// The URL is the student's, and the grader runs this for every student, so the probe is fenced:
// http(s) only, ports 80 and 443 only, and every address the host name resolves to must be a
// public one (no loopback, private, link-local or metadata addresses); the connection then goes to
// an address that was checked, so a name cannot resolve to a public address for the check and to
// an internal one for the connection (DNS rebinding). Redirects are followed only to targets that
// pass the same fence. Hosts the instructor allows (course.yaml `gitHosts`, or HARNESS_GIT_HOSTS
// for tests) are exempt. What went wrong is said in our words, never quoted from the connection.
import { defineKind } from './kind.js';
import { Failure, Skip, Unavailable } from '../errors.js';
import { assertLoopback } from '../aws/loopback.js';
import { quoteLine } from '../util/text.js';
import { publicAddressTest } from '../util/public-address.js';

export interface GitPrivateParams {
  file: string;
  /** Seconds for the probe (default 20). */
  probeTimeout?: number;
}

/** Hosts whose SSH URLs have an https twin; an anonymous SSH probe always fails, so it proves nothing. */
const KNOWN_HOSTS = new Set(['bitbucket.org', 'github.com', 'gitlab.com']);
/** The ports a git host serves http(s) on. */
const STANDARD_PORTS = new Set([80, 443]);
const MAX_REDIRECTS = 3;

export interface Probe {
  /** The repository URL probed (http or https). */
  url: string;
  host: string;
  /** The student wrote an SSH URL and we probe its https form. */
  converted: boolean;
}

const notAUrl = (text: string) =>
  new Failure({
    code: 'not-a-url',
    rationale: `${quoteLine(text)} is not a git repository URL.`,
    hint: 'Write the output of `git config --get remote.origin.url` on the first line.',
  });

/** The URL to probe, or a Skip/Failure explaining why there is none. */
export function probeUrl(raw: string): Probe {
  const text = raw.trim();
  if (!text || text.startsWith('-')) throw notAUrl(text);
  // scp-like: git@host:owner/repo(.git)
  const scp = /^(?:[^@/\s]+@)?([A-Za-z0-9.-]+):(?!\/\/)(.+)$/.exec(text);
  const ssh = /^ssh:\/\/(?:[^@/\s]+@)?([A-Za-z0-9.-]+)(?::\d+)?\/(.+)$/.exec(text);
  const m = ssh ?? (text.includes('://') ? null : scp);
  if (m) {
    const host = m[1].toLowerCase();
    if (!KNOWN_HOSTS.has(host))
      throw new Skip(`${host} is not a host this check knows; an anonymous SSH probe cannot tell a private repository from a public one`);
    return { url: `https://${host}/${m[2].replace(/^\/+/, '')}`, host, converted: true };
  }
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw notAUrl(text);
  }
  if (u.protocol === 'git:') {
    throw new Failure({
      code: 'git-protocol',
      rationale: `${quoteLine(text)} uses git://, which has no logins: no host serves a private repository over it.`,
      hint: 'Write the https:// or git@ URL your git host shows for your fork (`git config --get remote.origin.url`).',
    });
  }
  if (!['https:', 'http:'].includes(u.protocol)) {
    throw new Failure({
      code: 'not-a-host',
      rationale: `${quoteLine(text)} uses ${u.protocol}, which is not a git URL a host serves.`,
      hint: 'Use the https:// or git@ URL your git host shows.',
    });
  }
  // A user name or password in the URL would make the probe less anonymous than a stranger.
  u.username = '';
  u.password = '';
  u.hash = '';
  return { url: u.toString(), host: u.host, converted: false };
}

export default defineKind<GitPrivateParams>({
  kind: 'git.private',
  needs: 'internet',
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
    const env = ctx.aws?.env ?? process.env;
    const first = (await ctx.files.read(p.file)).toString('utf8').split('\n')[0].replace(/\r$/, '');
    const probe = probeUrl(first);
    const allowed = allowedHosts(ctx.course.gitHosts, process.env.HARNESS_GIT_HOSTS);
    const via = probe.converted ? ` (probed as ${probe.url}, its https form)` : '';
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout((p.probeTimeout ?? 20) * 1000)]);
    let url = new URL(probe.url.replace(/\/+$/, '') + '/info/refs?service=git-upload-pack');
    for (let hop = 0; ; hop++) {
      const addresses = await fenced(url, allowed, first, p.file, env);
      const r = await get(url, addresses, signal, probe.host);
      if (r.status >= 300 && r.status < 400 && r.location && hop < MAX_REDIRECTS) {
        url = new URL(r.location, url);
        if (!['http:', 'https:'].includes(url.protocol))
          throw new Unavailable(
            `cannot tell whether ${first} is private: its host redirected the probe to something other than a web address`,
            'check the URL in your answer file, then run check again',
          );
        continue;
      }
      if (advertisesRefs(r)) throw publicRepo(probe, first, via, p.file);
      if ([401, 403, 404].includes(r.status)) return;
      throw new Unavailable(
        `cannot tell whether ${first} is private: ${answerInWords(r)}${via}`,
        'check the URL in your answer file and your network connection, then run check again',
      );
    }
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
          : "In your git host's repository settings, make the repository private.";
  return new Failure({
    code: 'public',
    rationale: `Anyone can read your repository ${url}${via}: it is public, and your answers would be visible to everyone.`,
    hint: `Make it private. ${fix}`,
    expected: 'access refused without logging in',
    actual: 'the host listed its branches to a stranger',
    file,
    line: 1,
  });
}

/** `host` or `host:port` entries from the course and the environment, lower-cased. */
export function allowedHosts(course: string[] | undefined, envList: string | undefined): Set<string> {
  return new Set([...(course ?? []), ...(envList ?? '').split(',')].map((h) => h.trim().toLowerCase()).filter(Boolean));
}

const portOf = (u: URL) => Number(u.port || (u.protocol === 'https:' ? 443 : 80));

/**
 * The addresses a probe of `url` may connect to: every one the host name resolves to, each a public
 * address, on a standard port. An allowed host (with or without its port) skips the fence.
 * Anything else is a Failure naming the URL, without contacting it.
 */
async function fenced(
  url: URL,
  allowed: Set<string>,
  shown: string,
  file: string,
  env: NodeJS.ProcessEnv,
): Promise<{ address: string; family: number }[] | undefined> {
  const named = url.hostname.toLowerCase(); // IPv6 in brackets
  const host = named.replace(/^\[|\]$/g, '');
  const port = portOf(url);
  if ([named, host, `${named}:${port}`].some((h) => allowed.has(h))) {
    assertLoopback(url, 'git.private', env);
    return undefined;
  }
  const refuse = (why: string) =>
    new Failure({
      code: 'not-public-host',
      rationale: `${quoteLine(shown)} does not point at a public git host: ${why}.`,
      hint: 'Write the URL of your fork on your git host (`git config --get remote.origin.url`), e.g. git@bitbucket.org:you/anly502.git.',
      file,
      line: 1,
    });
  if (!STANDARD_PORTS.has(port)) throw refuse(`port ${port} is not one a git host serves (80 or 443)`);
  const [{ lookup }, isPublic] = await Promise.all([import('node:dns/promises'), publicAddressTest()]);
  const literal = (await import('node:net')).isIP(host);
  // An address is judged before anything is sent; a name is looked up, which tests must not do.
  if (literal && !isPublic(host)) throw refuse(`${host} is an address on this computer or a private network, not on the internet`);
  assertLoopback(url, 'git.private', env);
  let found: { address: string; family: number }[];
  try {
    found = literal ? [{ address: host, family: literal }] : await lookup(host, { all: true, verbatim: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') throw refuse(`the name ${host} does not exist`);
    throw new Unavailable(
      `cannot tell whether ${shown} is private: the name ${host} could not be looked up just now`,
      'check your network connection and run check again',
    );
  }
  if (!found.length) throw refuse(`the name ${host} has no address`);
  if (!found.every((a) => isPublic(a.address)))
    throw refuse(`${host} is an address on this computer or a private network, not on the internet`);
  return found;
}

interface Answer {
  status: number;
  contentType: string;
  location?: string;
  /** The first bytes of the body. */
  head: string;
}

/**
 * One GET, connecting only to `addresses` (the ones checked) while naming the host in the URL (for
 * TLS and virtual hosting). Connection problems are Unavailable, in our words.
 */
export async function get(
  url: URL,
  addresses: { address: string; family: number }[] | undefined,
  signal: AbortSignal,
  shownHost: string,
): Promise<Answer> {
  const mod = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  type LookupCb = (err: Error | null, address: string | { address: string; family: number }[], family?: number) => void;
  const lookup = addresses
    ? (_host: string, opts: { all?: boolean }, cb: LookupCb) =>
        opts.all ? cb(null, addresses) : cb(null, addresses[0].address, addresses[0].family)
    : undefined;
  return new Promise<Answer>((resolve, reject) => {
    const req = mod.request(
      url,
      {
        method: 'GET',
        agent: false,
        signal,
        ...(lookup ? { lookup: lookup as never } : {}),
        headers: { 'user-agent': 'git/2.0 (course-harness git.private)', accept: '*/*' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let n = 0;
        res.on('data', (c: Buffer) => {
          if (n < 4096) chunks.push(c);
          n += c.length;
          if (n >= 4096) res.destroy();
        });
        const done = () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            location: res.headers.location,
            head: Buffer.concat(chunks).toString('latin1', 0, 4096),
          });
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        new Unavailable(
          `cannot tell whether the repository is private: ${connectionInWords(e, shownHost)}`,
          'check the URL in your answer file and your network connection, then run check again',
        ),
      ),
    );
    req.end();
  });
}

/** The smart protocol's advertisement, or a dumb server's refs list: either way, a stranger can read it. */
function advertisesRefs(r: Answer): boolean {
  if (r.status !== 200) return false;
  if (r.contentType.startsWith('application/x-git-upload-pack-advertisement')) return true;
  return /^[0-9a-f]{40}(?:[0-9a-f]{24})?\trefs\//m.test(r.head);
}

function answerInWords(r: Answer): string {
  if (r.status >= 300 && r.status < 400) return 'its host kept redirecting the probe';
  if (r.status >= 500) return `its host answered with a server error (HTTP ${r.status})`;
  if (r.status === 200) return 'its host answered, but not as a git repository';
  return `its host answered HTTP ${r.status}, which says neither "public" nor "private"`;
}

/** What a failed connection means, said by us: the system's message is not passed on. */
export function connectionInWords(e: NodeJS.ErrnoException, host: string): string {
  const code = e.code ?? e.name;
  if (e.name === 'AbortError' || e.name === 'TimeoutError' || code === 'ETIMEDOUT' || code === 'ABORT_ERR')
    return `${host} did not answer in time`;
  if (code === 'ECONNREFUSED') return `${host} refused the connection`;
  if (code === 'ECONNRESET' || code === 'EPIPE') return `${host} closed the connection`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `the name ${host} could not be looked up`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `${host} cannot be reached from this network`;
  if (typeof code === 'string' && /CERT|TLS|SSL/.test(code)) return `${host}'s TLS certificate was not accepted`;
  return `the connection to ${host} failed`;
}
