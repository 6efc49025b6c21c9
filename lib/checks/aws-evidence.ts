// `aws.evidence.instance`: the instance identity document the student saved on their EC2 instance
// with `harness evidence` is well-formed (and, when the spec says so, from an allowed type and
// region). Offline: it reads only the file. That it names a real instance in the student's own
// account is `aws.evidence.exists` (aws-evidence-exists.ts), a separate live check, so this part
// still runs under --offline and on the grader without credentials.
import { defineKind, type CheckContext } from './kind.js';
import { Failure } from '../errors.js';
import { skipIfOptionalAbsent } from './file-present.js';
import { orList } from '../aws/values.js';
import type { IdentityDocument } from '../aws/imds.js';

export interface EvidenceParams {
  file: string;
  types?: string[];
  region?: string;
}

export const DEFAULT_EVIDENCE_FILE = 'instance-identity.json';

/** Each key the document must have, with the shape of its value and how to describe it. */
const SHAPE: [key: string, re: RegExp, what: string][] = [
  ['accountId', /^[0-9]{12}$/, 'a 12-digit AWS account id'],
  ['instanceId', /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/, 'an instance id like i-0123456789abcdef0'],
  ['instanceType', /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/, 'an instance type like t2.micro'],
  ['region', /^[a-z]{2}(-[a-z]+)+-[0-9]+$/, 'a region like us-east-1'],
  ['availabilityZone', /^[a-z]{2}(-[a-z]+)+-[0-9]+(-[a-z0-9]+)*[a-z]$/, 'a zone like us-east-1a'],
  ['imageId', /^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$/, 'an image id like ami-0123456789abcdef0'],
  ['pendingTime', /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$/, 'a UTC time like 2017-01-15T09:30:00Z'],
  ['version', /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, 'a date like 2017-09-30'],
];

/** The fix for every problem with the file: make it again, where it can only be made. */
export const remake = (id: string) =>
  `Make it again on your EC2 instance: \`npm run harness -- evidence ${id}\` (inside your clone of the repository), then commit it; do not edit it by hand.`;

/** Reads and validates the evidence file; every problem is a Failure naming the bad key. */
export async function readEvidence(ctx: CheckContext, file: string): Promise<IdentityDocument> {
  await skipIfOptionalAbsent(ctx, file);
  const REMAKE = remake(ctx.spec.id);
  const text = (await ctx.files.read(file)).toString('utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Failure({ code: 'not-json', rationale: `${file} is not valid JSON (${(e as Error).message}).`, hint: REMAKE, file });
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new Failure({
      code: 'not-identity',
      rationale: `${file} is not an instance identity document (a JSON object).`,
      hint: REMAKE,
      file,
    });
  }
  const d = doc as Record<string, unknown>;
  for (const [key, re, what] of SHAPE) {
    const v = d[key];
    if (v === undefined)
      throw new Failure({
        code: 'missing-field',
        rationale: `${file} has no "${key}"; an instance identity document always has one.`,
        hint: REMAKE,
        file,
        expected: what,
      });
    if (typeof v !== 'string' || !re.test(v)) {
      throw new Failure({
        code: 'bad-field',
        rationale: `In ${file}, "${key}" is not ${what}.`,
        hint: REMAKE,
        file,
        expected: what,
        actual: JSON.stringify(v),
      });
    }
  }
  if (!(d.availabilityZone as string).startsWith(d.region as string)) {
    throw new Failure({
      code: 'zone-region',
      rationale: `In ${file}, the zone ${d.availabilityZone} is not in the region ${d.region}.`,
      hint: REMAKE,
      file,
    });
  }
  if (Number.isNaN(Date.parse(d.pendingTime as string))) {
    throw new Failure({
      code: 'bad-time',
      rationale: `In ${file}, "pendingTime" is not a real time.`,
      hint: REMAKE,
      file,
      actual: String(d.pendingTime),
    });
  }
  return d as IdentityDocument;
}

export default defineKind<EvidenceParams>({
  kind: 'aws.evidence.instance',
  title: (p) => `${p.file} is the identity document of your EC2 instance${p.types ? ` (a ${orList(p.types)})` : ''}`,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['file'],
    properties: {
      file: {
        type: 'string',
        minLength: 1,
        description:
          'The evidence file written by `harness evidence`, relative to the assignment folder (conventionally `instance-identity.json`).',
      },
      types: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, description: 'Allowed instance types; default: any.' },
      region: { type: 'string', pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]+$', description: 'The region the instance must be in; default: any.' },
    },
  },
  files: (p) => [p.file],
  async run(ctx, p) {
    const doc = await readEvidence(ctx, p.file);
    if (p.types && !p.types.includes(doc.instanceType)) {
      throw new Failure({
        code: 'instance-type',
        rationale: `${p.file} comes from a ${doc.instanceType} instance; this assignment uses a ${orList(p.types)}.`,
        hint: `Run the assignment on a ${orList(p.types)} (change the type while the instance is stopped, or launch a new one), then make the file again there: \`npm run harness -- evidence ${ctx.spec.id}\`.`,
        expected: orList(p.types),
        actual: doc.instanceType,
        file: p.file,
      });
    }
    if (p.region && doc.region !== p.region) {
      throw new Failure({
        code: 'region',
        rationale: `${p.file} comes from an instance in ${doc.region}; this assignment uses ${p.region}.`,
        hint: `Launch the instance in ${p.region} (the region menu at the top right of the EC2 console), then make the file again there: \`npm run harness -- evidence ${ctx.spec.id}\`.`,
        expected: p.region,
        actual: doc.region,
        file: p.file,
      });
    }
    return { note: `instance ${doc.instanceId} (${doc.instanceType}) in ${doc.availabilityZone}, started ${doc.pendingTime}` };
  },
});
