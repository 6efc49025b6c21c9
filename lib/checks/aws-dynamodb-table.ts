// aws.dynamodb.table: a DynamoDB table exists, by default named after the student's NetID (as A5's
// extra credit asks), in the student's region or the spec's.
import { defineKind } from './kind.js';
import { Failure } from '../errors.js';
import { budgeted } from '../aws/budget.js';

export interface DynamoTableParams {
  name?: string;
  region?: string;
}

export default defineKind<DynamoTableParams>({
  kind: 'aws.dynamodb.table',
  needs: 'account',
  needsIdentity: true,
  title: (p) => `A DynamoDB table named ${(p.name ?? '{netid}').replace('{netid}', 'after your NetID')} exists`,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      name: {
        type: 'string',
        minLength: 1,
        description: "The table name; `{netid}` is replaced by the student's NetID (default `{netid}`).",
      },
      region: {
        type: 'string',
        pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]$',
        description: "The region to look in (default: --region, then the student's AWS configuration).",
      },
    },
  },
  run: budgeted(async (ctx, p: DynamoTableParams) => {
    const aws = ctx.aws!;
    const name = (p.name ?? '{netid}').replaceAll('{netid}', ctx.identity!.netid);
    const region = await aws.region(p.region);
    const { DescribeTableCommand } = await import('@aws-sdk/client-dynamodb');
    let status: string | undefined;
    try {
      const out = await aws.send<'dynamodb', { Table?: { TableStatus?: string } }>(
        'dynamodb',
        region,
        new DescribeTableCommand({ TableName: name }),
        {
          action: 'DescribeTable',
          permission: 'dynamodb:DescribeTable',
        },
      );
      status = out.Table?.TableStatus;
    } catch (e) {
      if ((e as Error).name !== 'ResourceNotFoundException') throw e;
      throw new Failure({
        code: 'no-such-table',
        rationale: `There is no DynamoDB table named ${name} in ${region}.`,
        hint: `Create it with that exact name (case matters) in ${region}, e.g. aws dynamodb create-table --region ${region} --table-name ${name} --attribute-definitions AttributeName=id,AttributeType=S --key-schema AttributeName=id,KeyType=HASH --billing-mode PAY_PER_REQUEST; if you made it in another region, pass --region.`,
        expected: `table ${name} in ${region}`,
      });
    }
    if (status === 'DELETING') {
      throw new Failure({
        code: 'deleting',
        rationale: `The DynamoDB table ${name} is being deleted.`,
        hint: 'Create it again once the deletion is done, and keep it until grading is over.',
      });
    }
  }),
});
