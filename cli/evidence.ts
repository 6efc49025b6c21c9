// `harness evidence [ASSIGNMENT] [--output FILE]`: run on the student's EC2 instance, saves the
// instance identity document (IMDSv2) into the assignment folder, where `aws.evidence.instance`
// checks it. The file name is the one the spec's evidence check names, else instance-identity.json.
import path from 'node:path';
import { findRoot, resolveAssignment } from '../lib/repo.js';
import { loadCourse } from '../lib/course.js';
import { loadSpec } from '../lib/spec/load.js';
import { fetchIdentityDocument } from '../lib/aws/imds.js';
import { writeFileAtomic } from '../lib/util/atomic.js';
import { UserError } from '../lib/errors.js';
import { DEFAULT_EVIDENCE_FILE } from '../lib/checks/aws-evidence.js';
import type { GlobalOptions } from './options.js';

const EVIDENCE_KINDS = new Set(['aws.evidence.instance', 'aws.evidence.exists']);

export async function evidence(
  positionals: string[],
  values: Record<string, unknown>,
  g: GlobalOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  if (positionals.length > 1)
    throw new UserError(`expected one assignment id, got ${positionals.length}: ${positionals.join(' ')}`, 'e.g. `harness evidence A1`');
  const root = findRoot(g.cwd);
  const ref = await resolveAssignment(root, positionals[0], g.cwd);
  let out: string;
  if (values.output) out = path.resolve(g.cwd, values.output as string);
  else {
    const spec = await loadSpec(ref.spec, await loadCourse(root));
    const named = spec.checks.find((c) => EVIDENCE_KINDS.has(c.kind) && typeof c.params.file === 'string')?.params.file as
      string | undefined;
    out = path.join(ref.dir, named ?? DEFAULT_EVIDENCE_FILE);
  }
  const doc = await fetchIdentityDocument(env);
  await writeFileAtomic(out, JSON.stringify(doc, null, 2) + '\n');
  const shown = path.relative(g.cwd, out) || out;
  process.stdout.write(
    `wrote ${shown}: instance ${doc.instanceId} (${doc.instanceType}) in ${doc.availabilityZone}, account ${doc.accountId}\n` +
      `commit and push it with your answers (git add ${shown}); \`harness check ${ref.id}\` checks it.\n`,
  );
  return 0;
}
