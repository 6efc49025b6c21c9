// git.private end to end through the engine: a real git smart-HTTP server (git http-backend), servers
// that refuse or hang, and the fence that keeps the probe to public hosts on standard ports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { refusedUrl } from '../standin/index.js';
import { allowedHosts, get, probeUrl } from '../lib/checks/git-private.js';
import { publicAddressTest } from '../lib/util/public-address.js';
import { parseCourse } from '../lib/course.js';
import { loadYaml } from '../lib/util/yaml.js';
import { runLive, said } from './helpers/live-run.js';
import { tempDir } from './helpers/fixture.js';
import { startGitHttp, type GitHttp } from './helpers/git-http.js';

const kind = 'git.private';
const params = { file: 'q1.txt' };
const urlOf = (s: http.Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
const serve = async (handler: http.RequestListener) => {
  const srv = http.createServer(handler);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `${urlOf(srv)}/ab123/anly502.git`, close: () => srv.closeAllConnections?.() ?? srv.close(), srv };
};
const q1 = (url: string) => ({ 'q1.txt': `${url}\n` });

let gitHttp: GitHttp;
let saved: string | undefined;
beforeAll(async () => {
  // Loopback is no public host: the servers below are allowed as an instructor would allow a host.
  saved = process.env.HARNESS_GIT_HOSTS;
  process.env.HARNESS_GIT_HOSTS = '127.0.0.1';
  const root = await tempDir({}, 'harness-githttp-');
  const work = path.join(root, 'work');
  execFileSync('git', ['init', '-q', '--bare', path.join(root, 'public.git')]);
  execFileSync('git', ['init', '-q', '-b', 'main', work]);
  execFileSync('git', ['-C', work, '-c', 'user.name=T', '-c', 'user.email=t@x', 'commit', '-q', '--allow-empty', '-m', 'x']);
  execFileSync('git', ['-C', work, 'push', '-q', path.join(root, 'public.git'), 'main']);
  gitHttp = await startGitHttp(root);
});
afterAll(() => {
  gitHttp?.close();
  if (saved === undefined) delete process.env.HARNESS_GIT_HOSTS;
  else process.env.HARNESS_GIT_HOSTS = saved;
});

describe('git.private: the verdicts', () => {
  it('probes SSH URLs of known hosts through their https form; unknown SSH hosts are skipped', () => {
    expect(probeUrl('git@bitbucket.org:ab123/anly502.git')).toMatchObject({
      url: 'https://bitbucket.org/ab123/anly502.git',
      converted: true,
    });
    expect(probeUrl('ssh://git@github.com/ab123/anly502.git').url).toBe('https://github.com/ab123/anly502.git');
    expect(probeUrl('https://ab123:pw@bitbucket.org/ab123/anly502.git').url).toBe('https://bitbucket.org/ab123/anly502.git');
    expect(() => probeUrl('git@git.example.edu:ab123/anly502.git')).toThrow(/not a host this check knows/);
  });

  it('a repository a real git server lists to anyone is public: fail, with the fix', async () => {
    const r = await runLive({ kind, params, files: q1(`${gitHttp.url}/public.git`) });
    expect(said(r)).toMatch(/^fail: Anyone can read your repository http:\/\/127\.0\.0\.1:\d+\/public\.git: it is public/);
    expect(r.hint).toMatch(/private/);
    // The same URL as git itself sees it: listed, so the verdict is git's own.
    // (execFile, not execFileSync: the server runs in this process's event loop.)
    const { stdout } = await promisify(execFile)('git', ['ls-remote', '--heads', `${gitHttp.url}/public.git`], { encoding: 'utf8' });
    expect(stdout).toMatch(/refs\/heads\/main/);
  });

  it('a server that asks for a login (401, 403, 404) is private: pass', async () => {
    for (const status of [401, 403, 404]) {
      const s = await serve((_req, res) =>
        res.writeHead(status, status === 401 ? { 'www-authenticate': 'Basic realm="Bitbucket"' } : {}).end('no'),
      );
      try {
        expect(said(await runLive({ kind, params, files: q1(s.url) })), String(status)).toMatch(/^pass/);
      } finally {
        s.close();
      }
    }
    // The real server, for a repository it does not serve: 404, as hosts answer for a private one.
    expect(said(await runLive({ kind, params, files: q1(`${gitHttp.url}/nope.git`) }))).toMatch(/^pass/);
  });

  it('no answer is an error in our words, never a pass: refused port, a server that hangs, a server error', async () => {
    const refused = await runLive({ kind, params, files: q1(`${await refusedUrl()}/ab123/r.git`) });
    expect(said(refused)).toMatch(/^error: cannot tell whether the repository is private: 127\.0\.0\.1:\d+ refused the connection \|/);
    expect(refused.reason).not.toMatch(/ECONN|connect ECONN|127\.0\.0\.1:\d+ - /);
    const hang = await serve(() => {}); // accepts, never answers
    try {
      const hung = await runLive({ kind, params: { ...params, probeTimeout: 1 }, files: q1(hang.url) });
      expect(said(hung)).toMatch(/^error: cannot tell whether the repository is private: 127\.0\.0\.1:\d+ did not answer in time/);
    } finally {
      hang.close();
    }
    const broken = await serve((_req, res) => res.writeHead(502).end('<html>bad gateway</html>'));
    try {
      expect(said(await runLive({ kind, params, files: q1(broken.url) }))).toMatch(
        /^error: cannot tell whether .* is private: its host answered with a server error \(HTTP 502\)/,
      );
    } finally {
      broken.close();
    }
  });

  it('git:// and file:// are not hosts that can keep a repository private', async () => {
    expect(said(await runLive({ kind, params, files: q1('git://127.0.0.1/ab123/r.git') }))).toMatch(
      /^fail: "git:\/\/127\.0\.0\.1\/ab123\/r\.git" uses git:\/\/, which has no logins/,
    );
    expect(said(await runLive({ kind, params, files: q1('file:///etc/passwd') }))).toMatch(
      /^fail: .* uses file:, which is not a git URL a host serves/,
    );
  });

  it('refuses loudly to contact a real host in loopback-only mode (SSH URLs too, as https)', async () => {
    const r = await runLive({ kind, params, files: q1('git@bitbucket.org:ab123/anly502.git') });
    expect(said(r)).toMatch(/^error: .*HARNESS_LOOPBACK_ONLY is set, but git\.private would reach bitbucket\.org/);
    expect(said(await runLive({ kind, params, files: q1('git@git.example.edu:ab123/r.git') }))).toMatch(
      /^skip: git\.example\.edu is not a host/,
    );
  });
});

describe('git.private: only public hosts, on standard ports', () => {
  const withoutAllowList = async <T>(f: () => Promise<T>) => {
    delete process.env.HARNESS_GIT_HOSTS;
    try {
      return await f();
    } finally {
      process.env.HARNESS_GIT_HOSTS = '127.0.0.1';
    }
  };

  it('never contacts this machine, a private network or a non-standard port, and says why in its own words', async () => {
    let contacted = 0;
    const s = await serve((_req, res) => {
      contacted++;
      res.writeHead(401).end();
    });
    try {
      const port = (s.srv.address() as AddressInfo).port;
      const out = await withoutAllowList(async () => ({
        port: said(await runLive({ kind, params, files: q1(s.url) })),
        loopback: said(await runLive({ kind, params, files: q1('http://127.0.0.1/ab123/r.git') })),
        name: said(await runLive({ kind, params, files: q1('https://localhost/ab123/r.git') })),
        v6: said(await runLive({ kind, params, files: q1('http://[::1]:443/ab123/r.git') })),
      }));
      expect(out.port).toMatch(
        new RegExp(
          `^fail: "http://127\\.0\\.0\\.1:${port}/ab123/anly502\\.git" does not point at a public git host: port ${port} is not one a git host serves \\(80 or 443\\)\\.`,
        ),
      );
      expect(out.loopback).toMatch(
        /^fail: .* does not point at a public git host: 127\.0\.0\.1 is an address on this computer or a private network, not on the internet\./,
      );
      expect(out.name).toMatch(
        /^fail: .* does not point at a public git host: localhost is an address on this computer or a private network/,
      );
      expect(out.v6).toMatch(/^fail: .* does not point at a public git host: ::1 is an address/);
      expect(contacted).toBe(0);
    } finally {
      s.close();
    }
  });

  it('an allowed host (course.yaml gitHosts, HARNESS_GIT_HOSTS) is contacted on any port', async () => {
    expect([...allowedHosts(['git.example.edu:8443'], ' 10.0.0.5 ,LOCALHOST')]).toEqual(['git.example.edu:8443', '10.0.0.5', 'localhost']);
    await loadYaml();
    expect(parseCourse('gitHosts: [git.example.edu:8443, "[fd00::1]"]\n').gitHosts).toEqual(['git.example.edu:8443', '[fd00::1]']);
    expect(() => parseCourse('gitHosts: ["http://x/"]\n')).toThrow(/problem/);
    const s = await serve((_req, res) => res.writeHead(401).end());
    try {
      const port = (s.srv.address() as AddressInfo).port;
      process.env.HARNESS_GIT_HOSTS = `127.0.0.1:${port}`;
      expect(said(await runLive({ kind, params, files: q1(s.url) }))).toMatch(/^pass/);
    } finally {
      process.env.HARNESS_GIT_HOSTS = '127.0.0.1';
      s.close();
    }
  });

  it('connects to the address it checked, not to a second lookup of the name (DNS rebinding)', async () => {
    // `rebinding.invalid` never resolves (RFC 6761); the request still reaches the checked address.
    let host = '';
    const s = await serve((req, res) => {
      host = String(req.headers.host);
      res.writeHead(401).end();
    });
    try {
      const port = (s.srv.address() as AddressInfo).port;
      const r = await get(
        new URL(`http://rebinding.invalid:${port}/r.git/info/refs?service=git-upload-pack`),
        [{ address: '127.0.0.1', family: 4 }],
        AbortSignal.timeout(5000),
        'rebinding.invalid',
      );
      expect([r.status, host]).toEqual([401, `rebinding.invalid:${port}`]);
    } finally {
      s.close();
    }
  });

  it('follows a redirect only to a target that passes the same fence', async () => {
    const target = await serve((_req, res) => res.writeHead(401).end());
    const redirect = await serve((_req, res) => res.writeHead(301, { location: `${target.url}/info/refs?service=git-upload-pack` }).end());
    const inward = await serve((_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end());
    try {
      expect(said(await runLive({ kind, params, files: q1(redirect.url) }))).toMatch(/^pass/);
      const r = await runLive({ kind, params, files: q1(inward.url) });
      expect(said(r)).toMatch(
        /^fail: .* does not point at a public git host: 169\.254\.169\.254 is an address on this computer or a private network/,
      );
    } finally {
      for (const s of [target, redirect, inward]) s.close();
    }
  });

  it('public addresses, and the ranges that are not (IANA special-purpose registries)', async () => {
    const isPublic = await publicAddressTest();
    for (const a of ['8.8.8.8', '104.192.141.1', '140.82.112.3', '2606:4700::1111', '2a00:1450:4001:80b::200e'])
      expect(isPublic(a), a).toBe(true);
    for (const a of [
      '127.0.0.1',
      '127.9.9.9',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '192.0.2.1',
      '198.18.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      'fc00::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:169.254.169.254',
      '64:ff9b::a00:1',
      '2001:db8::1',
      'not-an-address',
    ])
      expect(isPublic(a), a).toBe(false);
  });
});
