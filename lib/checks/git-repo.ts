// git.repo: the assignment is inside a git working copy that has the remote the course expects.
import { defineKind } from './kind.js';
import { Failure } from '../errors.js';
import { requireRepo } from '../git.js';

interface Params {
  remote?: string;
  /** More remotes that must exist too (A0: `upstream`, the class repository), each a different URL. */
  remotes?: string[];
}

const names = (p: Params) => [p.remote ?? 'origin', ...(p.remotes ?? []).filter((r) => r !== (p.remote ?? 'origin'))];

export default defineKind<Params>({
  kind: 'git.repo',
  // Remotes are a clone's: a fork or a commit has none of its own.
  needs: (p) => (p.remotes?.length || (p.remote && p.remote !== 'origin') ? 'machine' : 'history'),
  spawns: true,
  title: (p) => {
    const n = names(p);
    return `The assignment is in a git repository with ${n.length === 1 ? `an ${n[0]} remote` : `${n.slice(0, -1).join(', ')} and ${n.at(-1)} remotes`}`;
  },
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      remote: {
        type: 'string',
        minLength: 1,
        pattern: '^[^\\s-][^\\s]*$',
        default: 'origin',
        description: 'Name of the remote that must exist (your fork on the git host).',
      },
      remotes: {
        type: 'array',
        items: { type: 'string', minLength: 1, pattern: '^[^\\s-][^\\s]*$' },
        description:
          'Further remotes that must exist, such as `upstream` (the class repository); each must point somewhere other than the others.',
      },
    },
  },
  async run(ctx, params) {
    const wanted = names(params);
    // Every question at once: git answers `remote get-url` from any folder inside the work tree.
    await requireRepo(ctx);
    const urls = await Promise.all(wanted.map((r) => ctx.git!.remoteUrl(r, ctx.signal)));
    wanted.forEach((remote, i) => {
      if (urls[i] !== undefined) return;
      const what = i === 0 ? 'so your work cannot be pushed to your fork' : "so you cannot fetch the course's updates";
      throw new Failure({
        code: 'no-remote',
        rationale: `The repository has no remote called ${remote}, ${what}.`,
        hint: `Add it with: git remote add ${remote} <${i === 0 ? "your fork's" : "the class repository's"} URL>   (git remote -v lists the remotes you have)`,
        expected: `a remote named ${remote}`,
      });
    });
    for (let i = 1; i < wanted.length; i++) {
      const j = urls.indexOf(urls[i]);
      if (j < i) {
        throw new Failure({
          code: 'same-remotes',
          rationale: `The remotes ${wanted[j]} and ${wanted[i]} point to the same repository (${urls[i]}).`,
          hint: `${wanted[0]} is your fork; point ${wanted[i]} at the repository you forked: git remote set-url ${wanted[i]} <its URL>`,
        });
      }
    }
  },
});
