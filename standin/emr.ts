// EMR over JSON 1.1: ListClusters (with its ClusterStates filter and Marker pages of 50) and
// DescribeCluster, enough to find a student's cluster and see whether it was left running.
import { ApiError, jsonInput, jsonReply, pageToken, type Ctx, type Reply } from './protocol.js';
import type { EmrCluster } from './world.js';

const PAGE = 50;
const CREATED = '2025-01-15T09:30:00.000Z';
const epoch = (iso: string) => Date.parse(iso) / 1000;

export async function emr(ctx: Ctx): Promise<Reply> {
  const input = jsonInput<{ ClusterStates?: string[]; Marker?: string; ClusterId?: string; CreatedAfter?: number; CreatedBefore?: number }>(
    ctx,
  );
  const mine = (ctx.account!.emrClusters ?? []).filter((c) => c.region === ctx.region);
  if (ctx.action === 'DescribeCluster') {
    const c = mine.find((x) => x.id === input.ClusterId);
    if (!c) throw new ApiError('InvalidRequestException', `Cluster id '${input.ClusterId}' is not valid.`);
    return jsonReply(ctx, {
      Cluster: { ...summary(ctx, c), ReleaseLabel: 'emr-7.2.0', Applications: [{ Name: 'Hadoop' }, { Name: 'Spark' }] },
    });
  }
  if (ctx.action !== 'ListClusters') throw new ApiError('UnknownOperationException', `Unknown operation ${ctx.action}`);
  let list = mine.slice().sort((a, b) => epoch(b.createdAt ?? CREATED) - epoch(a.createdAt ?? CREATED)); // newest first, like EMR
  if (input.ClusterStates?.length) list = list.filter((c) => input.ClusterStates!.includes(c.state));
  if (input.CreatedAfter !== undefined) list = list.filter((c) => epoch(c.createdAt ?? CREATED) >= input.CreatedAfter!);
  if (input.CreatedBefore !== undefined) list = list.filter((c) => epoch(c.createdAt ?? CREATED) <= input.CreatedBefore!);
  const start = pageToken.read(input.Marker);
  if (start === undefined) throw new ApiError('InvalidRequestException', 'Invalid marker.');
  const out: Record<string, unknown> = { Clusters: list.slice(start, start + PAGE).map((c) => summary(ctx, c)) };
  if (start + PAGE < list.length) out.Marker = pageToken.make(start + PAGE);
  return jsonReply(ctx, out);
}

function summary(ctx: Ctx, c: EmrCluster) {
  const created = epoch(c.createdAt ?? CREATED);
  const ended = c.state.startsWith('TERMINATED');
  return {
    Id: c.id,
    Name: c.name,
    Status: {
      State: c.state,
      StateChangeReason: ended ? { Code: 'USER_REQUEST', Message: 'Terminated by user request' } : {},
      Timeline: { CreationDateTime: created, ...(ended ? { EndDateTime: created + 3600 } : { ReadyDateTime: created + 420 }) },
    },
    NormalizedInstanceHours: c.normalizedInstanceHours ?? 0,
    ClusterArn: `arn:aws:elasticmapreduce:${c.region}:${ctx.account!.id}:cluster/${c.id}`,
  };
}
