// aws.billing-alarm: a CloudWatch alarm on the account's estimated charges, with something to do
// when it fires. Billing metrics live only in us-east-1, whatever region the student works in.
import { defineKind } from './kind.js';
import { Failure } from '../errors.js';

export interface BillingAlarmParams {
  maxThreshold?: number;
}

const REGION = 'us-east-1';

interface Alarm { AlarmName?: string; Namespace?: string; MetricName?: string; Threshold?: number; AlarmActions?: string[]; ActionsEnabled?: boolean }

export default defineKind<BillingAlarmParams>({
  kind: 'aws.billing-alarm',
  needs: 'account',
  title: (p) => `A billing alarm warns you when charges pass${p.maxThreshold !== undefined ? ` $${p.maxThreshold} or less` : ' a limit'}`,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      maxThreshold: { type: 'number', exclusiveMinimum: 0, description: 'The alarm\'s threshold (USD) must be at most this.' },
    },
  },
  async run(ctx, p) {
    const aws = ctx.aws!;
    const { DescribeAlarmsCommand } = await import('@aws-sdk/client-cloudwatch');
    const alarms: Alarm[] = [];
    let token: string | undefined;
    do {
      const out = await aws.send<'cloudwatch', { MetricAlarms?: Alarm[]; NextToken?: string }>('cloudwatch', REGION,
        new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm'], NextToken: token, MaxRecords: 100 }),
        { action: 'DescribeAlarms', permission: 'cloudwatch:DescribeAlarms' });
      alarms.push(...(out.MetricAlarms ?? []));
      token = out.NextToken || undefined;
    } while (token);
    const billing = alarms.filter((a) => a.Namespace === 'AWS/Billing' && a.MetricName === 'EstimatedCharges');
    if (!billing.length) {
      throw new Failure({
        rationale: `There is no billing alarm (CloudWatch, metric AWS/Billing EstimatedCharges) in ${REGION}${alarms.length ? `; your ${alarms.length} other alarm${alarms.length === 1 ? '' : 's'} watch other metrics` : ''}.`,
        hint: `Turn on "Receive CloudWatch billing alerts" (Billing and Cost Management → Billing preferences), then in CloudWatch in ${REGION} (N. Virginia): Alarms → Create alarm → Select metric → Billing → Total Estimated Charge, set a threshold${p.maxThreshold !== undefined ? ` of at most $${p.maxThreshold}` : ''}, and notify an SNS topic with your email.`,
      });
    }
    const withAction = billing.filter((a) => (a.AlarmActions ?? []).length > 0 && a.ActionsEnabled !== false);
    if (!withAction.length) {
      throw new Failure({
        rationale: `Your billing alarm ${names(billing)} has no action${billing.some((a) => a.ActionsEnabled === false) ? ' enabled' : ''}, so nobody is told when it fires.`,
        hint: 'Edit the alarm in CloudWatch: under Notification, send to an SNS topic that emails you (and confirm the subscription email); make sure actions are enabled.',
      });
    }
    if (p.maxThreshold !== undefined && !withAction.some((a) => (a.Threshold ?? Infinity) <= p.maxThreshold!)) {
      const lowest = Math.min(...withAction.map((a) => a.Threshold ?? Infinity));
      throw new Failure({
        rationale: `Your billing alarm fires only above $${lowest}, more than the $${p.maxThreshold} this assignment asks for.`,
        hint: `Edit the alarm ${names(withAction)} in CloudWatch (${REGION}) and lower its threshold to $${p.maxThreshold} or less.`,
        expected: `threshold ≤ ${p.maxThreshold}`,
        actual: String(lowest),
      });
    }
  },
});

const names = (as: Alarm[]) => as.map((a) => `"${a.AlarmName ?? '?'}"`).join(', ');
