// CloudWatch over JSON 1.0 (the installed client is awsJson1_0 with query-compatible errors):
// DescribeAlarms, the harness's "is there a billing alarm?" call.
import { ApiError, jsonInput, jsonReply, pageToken, type Ctx, type Reply } from './protocol.js';
import type { Alarm } from './world.js';

const STATE_TIME = Date.parse('2025-01-15T09:30:00.000Z') / 1000;

export async function cloudwatch(ctx: Ctx): Promise<Reply> {
  if (ctx.action !== 'DescribeAlarms') throw new ApiError('UnknownOperationException', `Unknown operation ${ctx.action}`);
  const input = jsonInput<{
    AlarmNames?: string[];
    AlarmNamePrefix?: string;
    ActionPrefix?: string;
    StateValue?: string;
    MaxRecords?: number;
    NextToken?: string;
    AlarmTypes?: string[];
  }>(ctx);
  if (input.AlarmNames && input.AlarmNamePrefix) {
    throw new ApiError(
      'InvalidParameterCombinationException',
      'AlarmNames and AlarmNamePrefix cannot be used together',
      400,
      'InvalidParameterCombination',
    );
  }
  const max = input.MaxRecords ?? 50;
  if (!Number.isInteger(max) || max < 1 || max > 100)
    throw new ApiError('InvalidParameterValueException', 'MaxRecords must be between 1 and 100', 400, 'InvalidParameterValue');
  let alarms = (ctx.account!.alarms ?? []).filter((a) => a.region === ctx.region).sort((a, b) => a.name.localeCompare(b.name));
  if (input.AlarmNames) alarms = alarms.filter((a) => input.AlarmNames!.includes(a.name));
  if (input.AlarmNamePrefix) alarms = alarms.filter((a) => a.name.startsWith(input.AlarmNamePrefix!));
  if (input.ActionPrefix) alarms = alarms.filter((a) => a.actions.some((x) => x.startsWith(input.ActionPrefix!)));
  if (input.StateValue) alarms = alarms.filter((a) => (a.state ?? 'INSUFFICIENT_DATA') === input.StateValue);
  if (input.AlarmTypes && !input.AlarmTypes.includes('MetricAlarm')) alarms = [];
  const start = pageToken.read(input.NextToken);
  if (start === undefined) throw new ApiError('InvalidNextToken', 'The service returned an invalid next token.');
  const page = alarms.slice(start, start + max);
  const out: Record<string, unknown> = { MetricAlarms: page.map((a) => render(ctx, a)), CompositeAlarms: [] };
  if (start + max < alarms.length) out.NextToken = pageToken.make(start + max);
  return jsonReply(ctx, out);
}

function render(ctx: Ctx, a: Alarm) {
  const state = a.state ?? 'INSUFFICIENT_DATA';
  const dimensions = Object.entries(a.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value }));
  const period = a.period ?? 21600;
  const stat = a.statistic ?? 'Maximum';
  // A metric alarm names its metric directly, or (as the console now makes them) as metric queries.
  const metric = a.metricQuery
    ? {
        Metrics: [
          {
            Id: 'm1',
            MetricStat: {
              Metric: { Namespace: a.namespace, MetricName: a.metricName, Dimensions: dimensions },
              Period: period,
              Stat: stat,
            },
            ReturnData: true,
          },
        ],
      }
    : { MetricName: a.metricName, Namespace: a.namespace, Statistic: stat, Dimensions: dimensions, Period: period };
  return {
    AlarmName: a.name,
    AlarmArn: `arn:aws:cloudwatch:${a.region}:${ctx.account!.id}:alarm:${a.name}`,
    ActionsEnabled: a.actionsEnabled ?? true,
    AlarmActions: a.actions,
    OKActions: [],
    InsufficientDataActions: [],
    StateValue: state,
    StateReason: state === 'ALARM' ? 'Threshold Crossed' : 'Unchecked: Initial alarm creation',
    StateUpdatedTimestamp: STATE_TIME,
    AlarmConfigurationUpdatedTimestamp: STATE_TIME,
    ...metric,
    EvaluationPeriods: a.evaluationPeriods ?? 1,
    DatapointsToAlarm: a.evaluationPeriods ?? 1,
    Threshold: a.threshold ?? 0,
    ComparisonOperator: a.comparisonOperator ?? 'GreaterThanThreshold',
    TreatMissingData: 'missing',
  };
}
