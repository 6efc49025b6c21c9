// git.repo: the assignment is inside a git working copy that has the remote the course expects.
import { defineKind } from './kind.js';
import { Failure } from '../errors.js';
import { notARepo, remoteUrl, repoInfo } from '../git.js';

interface Params {
  remote?: string;
}

export default defineKind<Params>({
  kind: 'git.repo',
  spawns: true,
  title: (p) => `The assignment is in a git repository with an ${p.remote ?? 'origin'} remote`,
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
    },
  },
  async run(ctx, params) {
    const remote = params.remote ?? 'origin';
    // Both questions at once: git answers `remote get-url` from any folder inside the work tree.
    const [info, url] = await Promise.all([repoInfo(ctx.spec.dir, ctx.signal), remoteUrl(ctx.spec.dir, remote, ctx.signal)]);
    if (!info.ok) throw notARepo(info);
    if (url === undefined) {
      throw new Failure({
        rationale: `The repository has no remote called ${remote}, so your work cannot be pushed to your fork.`,
        hint: `Add it with: git remote add ${remote} <your fork's URL>   (git remote -v lists the remotes you have)`,
        expected: `a remote named ${remote}`,
      });
    }
  },
});
