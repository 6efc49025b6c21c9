// `aws.ec2.instance`: the student's EC2 instance has the right type, key pair and state. The
// instance is the one whose id an answer or evidence file names, else every instance the filters
// select (all pages). With several, any that satisfies everything passes; otherwise the closest
// one is reported, with one problem and its fix.
import type { DescribeInstancesCommandInput, Instance } from '@aws-sdk/client-ec2';
import { defineKind, type CheckContext } from './kind.js';
import { fileParam } from './params.js';
import { Failure, UserError } from '../errors.js';
import { withNetid, orList } from '../aws/values.js';
import { budgeted } from '../aws/budget.js';
import { skipIfOptionalAbsent } from './file-present.js';

export interface InstanceParams {
  region?: string;
  types?: string[];
  keyName?: string;
  states?: string[];
  instanceIdFrom?: { file: string; json?: string; pattern?: string };
  filters?: { tag?: Record<string, string>; keyName?: string };
}

const DEFAULT_TYPES = ['t2.nano', 't2.micro'];
const ID = /\bi-(?:[0-9a-f]{8}|[0-9a-f]{17})\b/;
/** More instances than any student has; the paginator stops here. */
const MAX_PAGES = 20;
const OP = { action: 'DescribeInstances', permission: 'ec2:DescribeInstances' };

export default defineKind<InstanceParams>({
  kind: 'aws.ec2.instance',
  title: (p) =>
    `Your EC2 instance is a ${orList(p.types ?? DEFAULT_TYPES)}${p.keyName ? ` with key pair "${p.keyName}"` : ''}, ${orList(p.states ?? ['running'])}`,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      region: {
        type: 'string',
        pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]+$',
        description: "The region; default: --region, then the student's AWS configuration, then us-east-1.",
      },
      types: {
        type: 'array',
        minItems: 1,
        items: { type: 'string', minLength: 1 },
        description: 'Allowed instance types; default `[t2.nano, t2.micro]`.',
      },
      keyName: {
        type: 'string',
        minLength: 1,
        description: 'The key pair the instance must have been launched with; `{netid}` is replaced with the NetID.',
      },
      states: {
        type: 'array',
        minItems: 1,
        items: { enum: ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'] },
        description: 'Allowed states; default `[running]`.',
      },
      instanceIdFrom: {
        type: 'object',
        additionalProperties: false,
        required: ['file'],
        description: 'Read the instance id from a file in the assignment folder (default: the first `i-…` in it).',
        properties: {
          file: fileParam('The answer or evidence file'),
          json: { type: 'string', pattern: '^(/[^/]*)*$', description: 'A JSON pointer to the id in a JSON file, e.g. `/instanceId`.' },
          pattern: { type: 'string', minLength: 1, description: 'A regular expression whose first group is the id.' },
        },
      },
      filters: {
        type: 'object',
        additionalProperties: false,
        description: 'Without instanceIdFrom: which instances to consider (default: all in the region).',
        properties: {
          tag: {
            type: 'object',
            additionalProperties: { type: 'string' },
            description: 'Tags the instance must have, `{Name: anly502}`; `{netid}` is replaced in values.',
          },
          keyName: { type: 'string', minLength: 1, description: 'Only instances launched with this key pair; `{netid}` is replaced.' },
        },
      },
    },
  },
  needs: 'account',
  files: (p) => (p.instanceIdFrom ? [p.instanceIdFrom.file] : []),
  validate: (p) => {
    const out: string[] = [];
    const from = p.instanceIdFrom;
    if (from?.json && from.pattern) out.push('instanceIdFrom: give `json` or `pattern`, not both');
    if (from?.pattern) {
      try {
        if (new RegExp(`${from.pattern}|`).exec('')!.length < 2) out.push('instanceIdFrom.pattern needs one capturing group: the id');
      } catch (e) {
        out.push(`instanceIdFrom.pattern is not a valid regular expression: ${(e as Error).message}`);
      }
    }
    return out;
  },
  run: budgeted(async (ctx, p: InstanceParams) => {
    const region = await ctx.aws!.region(p.region);
    const want = {
      types: p.types ?? DEFAULT_TYPES,
      states: p.states ?? ['running'],
      keyName: p.keyName === undefined ? undefined : withNetid(p.keyName, ctx),
    };
    const id = p.instanceIdFrom ? await instanceIdFrom(ctx, p.instanceIdFrom) : undefined;
    const found = id ? await byId(ctx, region, id, p.instanceIdFrom!.file) : await byFilters(ctx, region, p.filters);
    if (found.length === 0) {
      throw new Failure({
        code: 'none',
        rationale: `You have no EC2 instances in ${region}${p.filters ? " matching this check's filters" : ''}.`,
        hint: `Launch one in ${region} (EC2 console → Launch instance; check the region menu at the top right), a ${orList(want.types)}${want.keyName ? ` with key pair "${want.keyName}"` : ''}.`,
      });
    }
    const judged = found.map((i) => ({ i, problems: problemsOf(i, want) }));
    const ok = judged.find((j) => j.problems.length === 0);
    if (ok) return { note: `${describe(ok.i)} in ${region}` };
    // The closest: fewest problems; among equals, one that is not terminated.
    judged.sort((a, b) => a.problems.length - b.problems.length || Number(isGone(a.i)) - Number(isGone(b.i)));
    const best = judged[0];
    const [first, ...more] = best.problems;
    throw new Failure({
      code: first.code,
      rationale: first.rationale,
      hint: first.hint + (more.length ? ` Also: ${more.map((m) => m.rationale).join(' ')}` : ''),
      expected: [orList(want.types), orList(want.states), want.keyName && `key pair ${want.keyName}`].filter(Boolean).join(', '),
      actual: describe(best.i) + (found.length > 1 ? ` (closest of ${found.length} instances)` : ''),
      file: id ? p.instanceIdFrom!.file : undefined,
    });
  }),
});

interface Want {
  types: string[];
  states: string[];
  keyName?: string;
}

function problemsOf(i: Instance, want: Want): { code: string; rationale: string; hint: string }[] {
  const id = i.InstanceId ?? 'the instance';
  const state = i.State?.Name ?? 'unknown';
  const out: { code: string; rationale: string; hint: string }[] = [];
  if (!want.states.includes(state)) {
    out.push({
      code: 'state',
      rationale: `Instance ${id} is ${state}, not ${orList(want.states)}.`,
      hint:
        state === 'stopped' && want.states.includes('running')
          ? `Start it: \`aws ec2 start-instances --instance-ids ${id}\` (or EC2 console → Instance state → Start).`
          : isGone(i)
            ? 'A terminated instance cannot be started again: launch a new one.'
            : `Wait a minute and run check again, or change its state in the EC2 console.`,
    });
  }
  if (!want.types.includes(i.InstanceType ?? '')) {
    out.push({
      code: 'type',
      rationale: `Instance ${id} is a ${i.InstanceType}; this assignment uses a ${orList(want.types)}.`,
      hint: `Stop it, change its type (EC2 console → Actions → Instance settings → Change instance type) and start it again, or launch a new ${want.types[0]}. Larger types cost more.`,
    });
  }
  if (want.keyName && i.KeyName !== want.keyName) {
    out.push({
      code: 'key-pair',
      rationale: i.KeyName
        ? `Instance ${id} was launched with key pair "${i.KeyName}", not "${want.keyName}".`
        : `Instance ${id} was launched without a key pair; it needs "${want.keyName}".`,
      hint: `An instance's key pair is fixed at launch: launch a new instance with key pair "${want.keyName}" (and terminate this one when you no longer need it).`,
    });
  }
  return out;
}

const isGone = (i: Instance) => ['terminated', 'shutting-down'].includes(i.State?.Name ?? '');
const describe = (i: Instance) =>
  `${i.InstanceId} (${i.InstanceType}, ${i.State?.Name ?? 'unknown'}${i.KeyName ? `, key pair ${i.KeyName}` : ', no key pair'})`;

/** The id from the answer/evidence file: a JSON pointer, a pattern's first group, or the first `i-…`. */
async function instanceIdFrom(ctx: CheckContext, from: NonNullable<InstanceParams['instanceIdFrom']>): Promise<string> {
  await skipIfOptionalAbsent(ctx, from.file);
  const text = (await ctx.files.read(from.file)).toString('utf8');
  let value: unknown;
  if (from.json !== undefined) {
    try {
      value = pointer(JSON.parse(text), from.json);
    } catch {
      throw new Failure({
        code: 'not-json',
        rationale: `${from.file} is not valid JSON.`,
        hint: `Write it again with \`npm run harness -- evidence ${ctx.spec.id}\` (on the instance), or fix the syntax.`,
        file: from.file,
      });
    }
  } else if (from.pattern !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(from.pattern, 'm');
    } catch (e) {
      throw new UserError(
        `the spec's instanceIdFrom.pattern is not a valid regular expression: ${(e as Error).message}`,
        'fix the spec (run `harness lint`)',
      );
    }
    value = re.exec(text)?.[1];
  } else value = ID.exec(text)?.[0];
  if (typeof value !== 'string' || !/^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/.test(value.trim())) {
    throw new Failure({
      code: 'no-instance-id',
      rationale: `${from.file} does not name an EC2 instance id (i-0123456789abcdef0).`,
      hint: `Copy your instance's id from the EC2 console (Instances → Instance ID) into ${from.file}.`,
      actual: typeof value === 'string' ? value : undefined,
      file: from.file,
    });
  }
  return value.trim();
}

/** RFC 6901 JSON pointer. */
function pointer(doc: unknown, ptr: string): unknown {
  if (ptr === '') return doc;
  let cur: unknown = doc;
  for (const raw of ptr.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

async function byId(ctx: CheckContext, region: string, id: string, file: string): Promise<Instance[]> {
  const { DescribeInstancesCommand } = await import('@aws-sdk/client-ec2');
  try {
    const out = await ctx.aws!.send<'ec2', { Reservations?: { Instances?: Instance[] }[] }>(
      'ec2',
      region,
      new DescribeInstancesCommand({ InstanceIds: [id] }),
      OP,
    );
    return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
  } catch (e) {
    const name = (e as Error).name;
    if (name === 'InvalidInstanceID.NotFound' || name === 'InvalidInstanceID.Malformed') {
      throw new Failure({
        code: 'no-such-instance',
        rationale: `AWS has no instance ${id} in ${region} in your account.`,
        hint: `Check the id in ${file} and the region (instances belong to one region); terminated instances disappear from AWS about an hour after termination.`,
        actual: id,
        file,
      });
    }
    throw e;
  }
}

async function byFilters(ctx: CheckContext, region: string, f: InstanceParams['filters']): Promise<Instance[]> {
  const { DescribeInstancesCommand } = await import('@aws-sdk/client-ec2');
  const Filters: NonNullable<DescribeInstancesCommandInput['Filters']> = [];
  for (const [k, v] of Object.entries(f?.tag ?? {})) Filters.push({ Name: `tag:${k}`, Values: [withNetid(v, ctx)] });
  if (f?.keyName) Filters.push({ Name: 'key-name', Values: [withNetid(f.keyName, ctx)] });
  // Page by page through send (not the SDK's paginator), so every page carries the check's deadline.
  const found: Instance[] = [];
  let token: string | undefined;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const out = await ctx.aws!.send<'ec2', { Reservations?: { Instances?: Instance[] }[]; NextToken?: string }>(
      'ec2',
      region,
      new DescribeInstancesCommand({ ...(Filters.length ? { Filters } : {}), MaxResults: 100, NextToken: token }),
      OP,
    );
    for (const r of out.Reservations ?? []) found.push(...(r.Instances ?? []));
    token = out.NextToken || undefined;
    if (!token) break;
  }
  return found;
}
