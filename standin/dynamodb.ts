// DynamoDB over JSON 1.0: DescribeTable and ListTables (ExclusiveStartTableName pages).
import { ApiError, jsonInput, jsonReply, type Ctx, type Reply } from './protocol.js';

const CREATED = Date.parse('2025-01-15T09:30:00.000Z') / 1000;

export async function dynamodb(ctx: Ctx): Promise<Reply> {
  const input = jsonInput<{ TableName?: string; Limit?: number; ExclusiveStartTableName?: string }>(ctx);
  const tables = (ctx.account!.dynamoTables ?? []).filter((t) => t.region === ctx.region).sort((a, b) => a.name.localeCompare(b.name));
  if (ctx.action === 'DescribeTable') {
    const t = tables.find((x) => x.name === input.TableName);
    if (!t) throw new ApiError('ResourceNotFoundException', `Requested resource not found: Table: ${input.TableName} not found`);
    const arn = `arn:aws:dynamodb:${t.region}:${ctx.account!.id}:table/${t.name}`;
    return jsonReply(ctx, {
      Table: {
        TableName: t.name,
        TableArn: arn,
        TableId: crypto.randomUUID(),
        TableStatus: t.status ?? 'ACTIVE',
        CreationDateTime: CREATED,
        ItemCount: t.itemCount ?? 0,
        TableSizeBytes: (t.itemCount ?? 0) * 100,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
        ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 0, NumberOfDecreasesToday: 0 },
      },
    });
  }
  if (ctx.action !== 'ListTables') throw new ApiError('UnknownOperationException', `Unknown operation ${ctx.action}`);
  const limit = input.Limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ApiError('ValidationException', 'Limit must be between 1 and 100');
  const names = tables.map((t) => t.name).filter((n) => !input.ExclusiveStartTableName || n > input.ExclusiveStartTableName);
  const page = names.slice(0, limit);
  return jsonReply(ctx, { TableNames: page, ...(names.length > limit ? { LastEvaluatedTableName: page.at(-1) } : {}) });
}
