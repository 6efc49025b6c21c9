// git.committed: every file to hand in is tracked by git and present in the last commit (HEAD).
import { defineKind } from './kind.js';
import { filesParam } from './params.js';
import { Failure } from '../errors.js';
import { defaultFiles, listNames, requireRepo } from '../git.js';
import { shellQuote } from '../util/text.js';

interface Params {
  files?: string[];
}

export default defineKind<Params>({
  kind: 'git.committed',
  needs: 'history',
  spawns: true,
  title: () => 'Your answer files are committed to git',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      files: filesParam(
        'Files (relative to the assignment folder) that must be committed. Default: the required files, and the optional files that exist.',
      ),
    },
  },
  files: (p) => p.files ?? [],
  async run(ctx, params) {
    const files = params.files ?? (await defaultFiles(ctx));
    await requireRepo(ctx);
    if (files.length === 0) return;
    const states = await ctx.git!.objectStates(files, ctx.signal);
    const staged = files.filter((f) => states.get(f) === 'staged');
    const untracked = files.filter((f) => states.get(f) === 'untracked');
    const missing = [...untracked, ...staged];
    if (missing.length === 0) return;
    const add = `git add ${missing.map(shellQuote).join(' ')} && git commit -m "Add my answers" && git push`;
    const what =
      untracked.length === 0
        ? `${listNames(staged)} ${staged.length === 1 ? 'is' : 'are'} staged (git add) but not committed yet.`
        : staged.length === 0
          ? `${listNames(untracked)} ${untracked.length === 1 ? 'is' : 'are'} not committed to git.`
          : `${listNames(untracked)} ${untracked.length === 1 ? 'is' : 'are'} not committed to git, and ${listNames(staged)} ${staged.length === 1 ? 'is' : 'are'} staged but not committed.`;
    throw new Failure({
      code: untracked.length === 0 ? 'staged-not-committed' : 'not-committed',
      rationale: what,
      hint: untracked.length === 0 ? 'Commit them: git commit -m "Add my answers" && git push' : `Commit them: ${add}`,
      expected: `${files.length} committed file${files.length === 1 ? '' : 's'}`,
      actual: `${files.length - missing.length} committed`,
      file: missing[0],
      partial: (files.length - missing.length) / files.length,
    });
  },
});
