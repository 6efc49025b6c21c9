// aws.cost-guard: nothing left running (and billing) in any region. Advice only: it never fails and
// never costs points, whatever the spec's severity, because a student may be running an instance
// for the assignment on purpose; it makes sure they know. The same scan backs `harness guard`.
import { defineKind } from './kind.js';
import { Advice, Unavailable } from '../errors.js';
import { runningLines, scanCosts } from '../aws/guard.js';
import { budgeted } from '../aws/budget.js';

export default defineKind<Record<string, never>>({
  kind: 'aws.cost-guard',
  needs: 'account',
  title: () => 'Nothing is left running in your AWS account (EC2 instances, EMR clusters, every region)',
  params: { type: 'object', additionalProperties: false, properties: {} },
  run: budgeted(async (ctx) => {
    const scan = await scanCosts(ctx.aws!);
    const lines = runningLines(scan, ctx.now());
    const failed = scan.regions.filter((r) => r.error);
    if (failed.length === scan.regions.length && scan.regions.length) {
      throw new Unavailable(`no region could be scanned (${failed[0].region}: ${failed[0].error!.reason})`, failed[0].error!.hint);
    }
    const unscanned = failed.length ? `Could not scan ${failed.map((r) => `${r.region} (${r.error!.reason})`).join(', ')}.` : '';
    if (lines.length) {
      throw new Advice({
        rationale: `Still running, and billed by the hour: ${lines.join('; ')}.${unscanned ? ` ${unscanned}` : ''}`,
        hint: 'When you are done, stop or terminate instances (aws ec2 terminate-instances --region <region> --instance-ids <id>) and clusters (aws emr terminate-clusters --region <region> --cluster-ids <id>). `harness guard` lists them again.',
      });
    }
    if (unscanned) {
      throw new Advice({
        rationale: `Nothing running in the regions scanned, but: ${unscanned}`,
        hint: 'Look at those regions in the EC2 and EMR consoles, or run `harness guard` again later.',
      });
    }
  }),
});
