// aws.billing-alarm: a CloudWatch alarm on the account's estimated charges, with something to do
// when it fires. Billing metrics live only in us-east-1, whatever region the student works in.
// An alarm names its metric in one of two ways (PutMetricAlarm): directly (Namespace, MetricName),
// or as metric queries in `Metrics[]`, which is how the CloudWatch console now creates them.
import { defineKind } from './kind.js';
import { Failure } from '../errors.js';
import { budgeted } from '../aws/budget.js';

export interface BillingAlarmParams {
  maxThreshold?: number;
}

const REGION = 'us-east-1';

interface Metric {
  Namespace?: string;
  MetricName?: string;
}
interface Query {
  Id?: string;
  MetricStat?: { Metric?: Metric };
  Expression?: string;
  ReturnData?: boolean;
}
interface Alarm extends Metric {
  AlarmName?: string;
  Threshold?: number;
  AlarmActions?: string[];
  ActionsEnabled?: boolean;
  Metrics?: Query[];
}

const isCharges = (m: Metric | undefined) => m?.Namespace === 'AWS/Billing' && m.MetricName === 'EstimatedCharges';

/** Watches EstimatedCharges: as its metric, or through a metric query (alone, or inside an expression). */
export function isBillingAlarm(a: Alarm): boolean {
  return isCharges(a) || (a.Metrics ?? []).some((q) => isCharges(q.MetricStat?.Metric));
}

export default defineKind<BillingAlarmParams>({
  kind: 'aws.billing-alarm',
  needs: 'account',
  title: (p) => `A billing alarm warns you when charges pass${p.maxThreshold !== undefined ? ` $${p.maxThreshold} or less` : ' a limit'}`,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      maxThreshold: { type: 'number', exclusiveMinimum: 0, description: "The alarm's threshold (USD) must be at most this." },
    },
  },
  run: budgeted(async (ctx, p: BillingAlarmParams) => {
    const aws = ctx.aws!;
    const { DescribeAlarmsCommand } = await import('@aws-sdk/client-cloudwatch');
    const alarms: Alarm[] = [];
    let token: string | undefined;
    do {
      const out = await aws.send<'cloudwatch', { MetricAlarms?: Alarm[]; NextToken?: string }>(
        'cloudwatch',
        REGION,
        new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm'], NextToken: token, MaxRecords: 100 }),
        { action: 'DescribeAlarms', permission: 'cloudwatch:DescribeAlarms' },
      );
      alarms.push(...(out.MetricAlarms ?? []));
      token = out.NextToken || undefined;
    } while (token);
    const billing = alarms.filter(isBillingAlarm);
    if (!billing.length) {
      throw new Failure({
        code: 'none',
        rationale: `There is no billing alarm (CloudWatch, metric AWS/Billing EstimatedCharges) in ${REGION}${alarms.length ? `; your ${alarms.length} other alarm${alarms.length === 1 ? '' : 's'} watch other metrics` : ''}.`,
        hint: `Turn on "Receive CloudWatch billing alerts" (Billing and Cost Management → Billing preferences), then in CloudWatch in ${REGION} (N. Virginia): Alarms → Create alarm → Select metric → Billing → Total Estimated Charge, set a threshold${p.maxThreshold !== undefined ? ` of at most $${p.maxThreshold}` : ''}, and notify an SNS topic with your email.`,
      });
    }
    const withAction = billing.filter((a) => (a.AlarmActions ?? []).length > 0 && a.ActionsEnabled !== false);
    if (!withAction.length) {
      throw new Failure({
        code: 'no-action',
        rationale: `Your billing alarm ${names(billing)} has no action${billing.some((a) => a.ActionsEnabled === false) ? ' enabled' : ''}, so nobody is told when it fires.`,
        hint: 'Edit the alarm in CloudWatch: under Notification, send to an SNS topic that emails you (and confirm the subscription email); make sure actions are enabled.',
      });
    }
    if (p.maxThreshold !== undefined && !withAction.some((a) => (a.Threshold ?? Infinity) <= p.maxThreshold!)) {
      const lowest = Math.min(...withAction.map((a) => a.Threshold ?? Infinity));
      throw new Failure({
        code: 'threshold',
        rationale: `Your billing alarm fires only above $${lowest}, more than the $${p.maxThreshold} this assignment asks for.`,
        hint: `Edit the alarm ${names(withAction)} in CloudWatch (${REGION}) and lower its threshold to $${p.maxThreshold} or less.`,
        expected: `threshold ≤ ${p.maxThreshold}`,
        actual: String(lowest),
      });
    }
  }),
});

const names = (as: Alarm[]) => as.map((a) => `"${a.AlarmName ?? '?'}"`).join(', ');
