// git.clean: the files to hand in have no changes that are not committed (staged or not).
import path from 'node:path';
import { defineKind } from './kind.js';
import { filesParam } from './params.js';
import { Failure } from '../errors.js';
import { defaultFiles, listNames, requireRepo, type StatusEntry } from '../git.js';

interface Params {
  files?: string[];
}

export default defineKind<Params>({
  kind: 'git.clean',
  needs: 'machine',
  spawns: true,
  title: () => 'Your answer files have no uncommitted changes',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      files: filesParam(
        'Files (relative to the assignment folder) that must have no uncommitted changes. Default: the required files, and the optional files that exist.',
      ),
    },
  },
  files: (p) => p.files ?? [],
  async run(ctx, params) {
    const files = params.files ?? (await defaultFiles(ctx));
    const { prefix } = await requireRepo(ctx);
    if (files.length === 0) return;
    const status = await ctx.git!.status(ctx.signal);
    // Status paths are relative to the repository root; ours to the assignment folder.
    const byPath = new Map(status.changes.map((c) => [c.path, c]));
    const dirty: { file: string; change: StatusEntry }[] = [];
    for (const file of files) {
      const change = byPath.get(path.posix.normalize(prefix + file.replace(/\\/g, '/')));
      if (change) dirty.push({ file, change });
    }
    if (dirty.length === 0) return;
    const names = dirty.map((d) => d.file);
    const conflict = dirty.some((d) => d.change.conflict);
    const onlyStaged = dirty.every((d) => d.change.worktree === '.');
    throw new Failure({
      code: conflict ? 'merge-conflict' : 'uncommitted-changes',
      rationale: `${listNames(names)} ${names.length === 1 ? 'has' : 'have'} changes that are not committed, so they would not be handed in.`,
      hint: conflict
        ? 'Finish the merge first: edit the files to remove the <<<<<<< / >>>>>>> markers, then git add them and git commit; git status shows where you are.'
        : onlyStaged
          ? 'Commit what you staged: git commit -m "Update my answers" && git push   (git status shows what is staged)'
          : 'Commit them: git commit -am "Update my answers" && git push   (git status shows what changed)',
      actual: dirty.map((d) => `${d.file}: ${describe(d.change)}`).join('\n'),
      file: names[0],
      partial: (files.length - dirty.length) / files.length,
    });
  },
});

const WORDS: Record<string, string> = { M: 'modified', A: 'added', D: 'deleted', R: 'renamed', C: 'copied', T: 'type changed' };

/** "modified, not staged", "added, staged", "merge conflict", ... */
function describe(c: StatusEntry): string {
  if (c.conflict) return 'merge conflict not resolved';
  const parts: string[] = [];
  if (c.index !== '.') parts.push(`${WORDS[c.index] ?? 'changed'} and staged, not committed`);
  if (c.worktree !== '.') parts.push(`${WORDS[c.worktree] ?? 'changed'}, not staged`);
  return parts.join('; ');
}
