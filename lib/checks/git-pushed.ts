// git.pushed: the current branch has an upstream, and HEAD is contained in it (nothing left to push).
// Compares with the remote-tracking branch as last fetched; never contacts the remote.
import { defineKind } from './kind.js';
import { Failure } from '../errors.js';
import { requireRepo } from '../git.js';

export default defineKind<Record<string, never>>({
  kind: 'git.pushed',
  needs: 'machine',
  spawns: true,
  title: () => 'Your commits are pushed',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {},
  },
  async run(ctx) {
    await requireRepo(ctx);
    // Porcelain v2 status gives branch, upstream and ahead/behind in one process that always prints.
    // "ahead 0" is the same test as `git merge-base --is-ancestor HEAD @{u}`.
    const st = await ctx.git!.status(ctx.signal);
    if (!st.oid) {
      throw new Failure({
        code: 'no-commits',
        rationale: 'The repository has no commits yet.',
        hint: 'Commit your work, then push it: git add <files> && git commit -m "My answers" && git push -u origin main',
      });
    }
    if (!st.branch) {
      throw new Failure({
        code: 'detached-head',
        rationale: 'HEAD is detached (you are not on a branch), so new commits are not on any branch that can be pushed.',
        hint: 'Go back to your branch with git switch main (if you made commits here, first keep them: git branch my-work, then git switch main && git merge my-work), then git push.',
      });
    }
    const pushU = `git push -u origin ${st.branch}`;
    if (!st.upstream) {
      throw new Failure({
        code: 'no-upstream',
        rationale: `The branch ${st.branch} has no upstream branch, so it has never been pushed (or git does not know where to).`,
        hint: `Push it and set its upstream: ${pushU}`,
      });
    }
    if (st.ahead === undefined) {
      throw new Failure({
        code: 'upstream-gone',
        rationale: `The upstream of ${st.branch}, ${st.upstream}, does not exist (as of your last fetch or push).`,
        hint: `Push the branch again and set its upstream: ${pushU}   (git fetch first if it was pushed from another machine)`,
      });
    }
    if (st.ahead > 0) {
      const n = st.ahead;
      throw new Failure({
        code: 'not-pushed',
        rationale: `${n} commit${n === 1 ? ' on ' + st.branch + ' is' : 's on ' + st.branch + ' are'} not pushed to ${st.upstream}.`,
        hint: (st.behind ?? 0) > 0 ? `Your branch and ${st.upstream} have diverged: git pull, then git push.` : 'Push them: git push',
        expected: `0 commits ahead of ${st.upstream}`,
        actual: `${n} ahead`,
      });
    }
  },
});
