// git.author: at least one commit in HEAD's history is authored with the email in user.cfg.
import { defineKind } from './kind.js';
import { Failure, Skip } from '../errors.js';
import { requireRepo } from '../git.js';

export default defineKind<Record<string, never>>({
  kind: 'git.author',
  needs: 'history',
  spawns: true,
  title: () => 'You authored at least one commit with your user.cfg email',
  needsIdentity: true,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {},
  },
  async run(ctx) {
    const email = ctx.identity?.email;
    if (!email) throw new Skip('user.cfg is missing or not valid, so your email is not known.');
    await requireRepo(ctx);
    if (await ctx.git!.authoredBy(email, ctx.signal)) return;
    const emails = await ctx.git!.authorEmails(ctx.signal);
    const seen = [...new Set(emails.map((e) => e.trim()))];
    const found = seen.length === 0 ? 'no commits' : seen.slice(0, 3).join(', ') + (seen.length > 3 ? ` and ${seen.length - 3} more` : '');
    throw new Failure({
      code: emails.length === 0 ? 'no-commits' : 'not-authored',
      rationale: emails.length === 0 ? 'The repository has no commits yet.' : `No commit is authored with your email ${email}.`,
      hint:
        `Tell git your email with: git config user.email ${email}\nThen make a commit and push it; ` +
        'or, to fix your last commit if it is not pushed yet: git commit --amend --reset-author --no-edit',
      expected: email,
      actual: `author emails found: ${found}`,
    });
  },
});
