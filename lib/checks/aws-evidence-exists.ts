// `aws.evidence.exists`: the instance the evidence file names is in the student's own account (the
// document's accountId is the account of their credentials) and AWS still knows it, with the same
// type. Live, with credentials; `aws.evidence.instance` checks the file's shape offline.
// An instance terminated more than about an hour ago is gone from DescribeInstances. Students are
// told to terminate instances when done, so that is a Skip (cannot confirm), never a failure.
import type { DescribeInstancesCommandOutput } from '@aws-sdk/client-ec2';
import { defineKind } from './kind.js';
import { fileParam } from './params.js';
import { Failure, Skip } from '../errors.js';
import { callerIdentity, shortAccount } from '../aws/identity.js';
import { readEvidence } from './aws-evidence.js';
import { budgeted } from '../aws/budget.js';

export interface EvidenceExistsParams {
  file: string;
}

export default defineKind<EvidenceExistsParams>({
  kind: 'aws.evidence.exists',
  title: (p) => `The instance in ${p.file} is in your AWS account`,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['file'],
    properties: {
      file: fileParam('The evidence file written by `harness evidence`'),
    },
  },
  needs: 'account',
  files: (p) => [p.file],
  run: budgeted(async (ctx, { file }: EvidenceExistsParams) => {
    const doc = await readEvidence(ctx, file);
    const who = await callerIdentity(ctx.aws!);
    if (who.account !== doc.accountId) {
      throw new Failure({
        code: 'other-account',
        rationale: `${file} comes from an instance in AWS account ${shortAccount(doc.accountId)}, but your credentials are for account ${shortAccount(who.account)}.`,
        hint: `Make the file on your own instance (\`npm run harness -- evidence ${ctx.spec.id}\` there), with the same account as \`aws configure\` on this computer.`,
        expected: shortAccount(who.account),
        actual: shortAccount(doc.accountId),
        file,
      });
    }
    const { DescribeInstancesCommand } = await import('@aws-sdk/client-ec2');
    let out: DescribeInstancesCommandOutput;
    try {
      // The region is the document's: an instance answers only in its own region.
      out = await ctx.aws!.send('ec2', doc.region, new DescribeInstancesCommand({ InstanceIds: [doc.instanceId] }), {
        action: 'DescribeInstances',
        permission: 'ec2:DescribeInstances',
      });
    } catch (e) {
      if ((e as Error).name === 'InvalidInstanceID.NotFound') {
        throw new Skip(
          `cannot confirm ${doc.instanceId}: AWS no longer lists it in ${doc.region} (terminated instances disappear after about an hour); that is expected if you terminated it`,
        );
      }
      throw e;
    }
    const inst = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === doc.instanceId);
    if (!inst) throw new Skip(`cannot confirm ${doc.instanceId}: AWS did not list it in ${doc.region}`);
    if (inst.InstanceType && inst.InstanceType !== doc.instanceType) {
      // The type may change while an instance is stopped: the file then describes an earlier run.
      throw new Failure({
        code: 'type-changed',
        rationale: `${file} says ${doc.instanceId} is a ${doc.instanceType}, but AWS says it is now a ${inst.InstanceType}.`,
        hint: `Make the file again on the instance as it is now: \`npm run harness -- evidence ${ctx.spec.id}\`.`,
        expected: inst.InstanceType,
        actual: doc.instanceType,
        file,
      });
    }
    return {
      note: `${doc.instanceId} (${inst.InstanceType}, ${inst.State?.Name ?? 'unknown'}) in ${doc.region}, account ${shortAccount(who.account)}`,
    };
  }),
});
