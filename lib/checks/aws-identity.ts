// `aws.identity`: the student's AWS credentials work, and they are an IAM user's, not the root
// account's. The course's rule: create an IAM user; never use root keys (a leaked root key can do
// anything to the account, including closing it, and cannot be limited by any policy).
import { defineKind } from './kind.js';
import { Failure } from '../errors.js';
import { callerIdentity, shortAccount } from '../aws/identity.js';
import { budgeted } from '../aws/budget.js';

export interface IdentityParams {
  /** Accept root-account credentials (default false: root keys fail the check). */
  allowRoot?: boolean;
}

export default defineKind<IdentityParams>({
  kind: 'aws.identity',
  title: () => 'Your AWS credentials work and belong to an IAM user, not the root account',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      allowRoot: { type: 'boolean', description: 'Accept root-account credentials; default `false` (root keys fail the check).' },
    },
  },
  needs: 'account',
  run: budgeted(async (ctx, { allowRoot = false }: IdentityParams) => {
    const who = await callerIdentity(ctx.aws!);
    const account = `account ${shortAccount(who.account)}`;
    if (who.type === 'root') {
      if (allowRoot) return { note: `${account}, root user (allowed by this assignment)` };
      throw new Failure({
        code: 'root',
        rationale: "Your AWS credentials are the root account's access keys; the course requires an IAM user's keys instead.",
        hint: 'Create an IAM user for yourself (IAM → Users → Create user), make an access key for it and run `aws configure` with that key; then delete the root access key (Security credentials → Access keys). Never use root keys.',
        actual: who.arn,
      });
    }
    if (who.type === 'user') return { note: `${account}, IAM user ${who.name}` };
    if (who.type === 'assumed-role') return { note: `${account}, role ${who.name} (session ${who.session})` };
    return { note: `${account}, ${who.arn.split(':').slice(5).join(':')}` };
  }),
});
