// `aws.ec2.keypair`: an EC2 key pair of the given name exists in the region, and the private key
// on the student's computer is its key (fingerprints as EC2 computes them: lib/aws/keyfp.ts).
// Local problems (missing file, readable by others, not a private key) are found before AWS is
// asked; the passphrase advice comes last, because Advice ends the check.
import { readFile, stat } from 'node:fs/promises';
import type { DescribeKeyPairsCommandOutput } from '@aws-sdk/client-ec2';
import { defineKind } from './kind.js';
import { Advice, Failure, Skip } from '../errors.js';
import { withNetid, localPath } from '../aws/values.js';
import { readLocalKey, KeyProblem, matchingFingerprint, samePublicKey, comparableFingerprint, type LocalKey } from '../aws/keyfp.js';
import type { AwsAccess } from '../aws/access.js';
import { budgeted } from '../aws/budget.js';

export interface KeyPairParams {
  name: string;
  region?: string;
  keyFile: string;
}

/** A private key is a few kilobytes; anything much larger is not one. */
const MAX_KEY_BYTES = 64 * 1024;

export default defineKind<KeyPairParams>({
  kind: 'aws.ec2.keypair',
  title: (p) => `EC2 key pair "${p.name}" exists and matches your private key ${p.keyFile}`,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'keyFile'],
    properties: {
      name: {
        type: 'string',
        minLength: 1,
        maxLength: 255,
        description: "The key pair's name; `{netid}` is replaced with the student's NetID.",
      },
      region: {
        type: 'string',
        pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]+$',
        description: "The region; default: --region, then the student's AWS configuration, then us-east-1.",
      },
      keyFile: {
        type: 'string',
        minLength: 1,
        description:
          "The private key on the student's computer; `~` is the home folder, a relative path is relative to the assignment folder; `{netid}` is replaced.",
      },
    },
  },
  needs: 'account',
  run: budgeted(async (ctx, p: KeyPairParams) => {
    const name = withNetid(p.name, ctx);
    const shown = withNetid(p.keyFile, ctx);
    // The run's environment (process.env in the CLI) says where the home folder is.
    const local = await readKeyFile(localPath(shown, ctx, ctx.aws?.env), shown, name);

    const region = await ctx.aws!.region(p.region);
    const { DescribeKeyPairsCommand } = await import('@aws-sdk/client-ec2');
    const op = { action: 'DescribeKeyPairs', permission: 'ec2:DescribeKeyPairs' };
    let out: DescribeKeyPairsCommandOutput;
    try {
      out = await ctx.aws!.send('ec2', region, new DescribeKeyPairsCommand({ KeyNames: [name], IncludePublicKey: true }), op);
    } catch (e) {
      if ((e as Error).name === 'InvalidKeyPair.NotFound') throw await notFound(ctx.aws!, region, name, shown);
      throw e;
    }
    const kp = out.KeyPairs?.find((k) => k.KeyName === name) ?? out.KeyPairs?.[0];
    if (!kp) throw await notFound(ctx.aws!, region, name, shown);

    const byFingerprint = kp.KeyFingerprint ? matchingFingerprint(kp.KeyFingerprint, local) : undefined;
    const byKey = kp.PublicKey ? await samePublicKey(kp.PublicKey, local) : false;
    if (!byFingerprint && !byKey) {
      const ours = kp.KeyFingerprint ? comparableFingerprint(kp.KeyFingerprint, local) : undefined;
      if (!ours && !kp.PublicKey) {
        // An EC2-created RSA key pair's fingerprint hashes the private key, which a passphrase hides.
        throw new Skip(
          `cannot compare ${shown} with key pair "${name}": its fingerprint is computed from the private key, which is protected by a passphrase here`,
        );
      }
      const kinds = kp.KeyType && kp.KeyType !== local.type ? ` (AWS has an ${kp.KeyType} key, ${shown} is ${local.type})` : '';
      throw new Failure({
        code: 'different-key',
        rationale: `The key pair "${name}" in ${region} is a different key from ${shown}${kinds}.`,
        hint: `Put the private key you downloaded when you created "${name}" at ${shown}. If that key is lost, delete the key pair and import this key instead: \`aws ec2 import-key-pair --region ${region} --key-name ${name} --public-key-material fileb://${shown}.pub\` (make the .pub with \`ssh-keygen -y -f ${shown}\`).`,
        expected: kp.KeyFingerprint ? `${kp.KeyFingerprint} (fingerprint in AWS)` : undefined,
        actual: ours ? `${ours.value} (fingerprint of ${shown})` : undefined,
      });
    }
    const how = byFingerprint ? `fingerprint ${byFingerprint.value}` : 'same public key';
    if (!local.encrypted) {
      throw new Advice({
        rationale: `Key pair "${name}" matches ${shown}, but the private key is not protected by a passphrase: anyone who copies the file can use it.`,
        hint: `Consider adding one: \`ssh-keygen -p -f ${shown}\` (ssh then asks for it; \`ssh-add\` remembers it for a session).`,
      });
    }
    return { note: `key pair "${name}" in ${region} matches ${shown} (${how})` };
  }),
});

/** The local checks: the file exists, only its owner can read it, and it is a private key. */
async function readKeyFile(file: string, shown: string, name: string): Promise<LocalKey> {
  let st;
  try {
    st = await stat(file);
  } catch {
    throw new Failure({
      code: 'no-key-file',
      rationale: `The private key file ${shown} does not exist.`,
      hint: `Save the private key of key pair "${name}" as ${shown} (EC2 offers it for download only once, when the key pair is created; if it is lost, create a new key pair and launch with that).`,
    });
  }
  if (!st.isFile())
    throw new Failure({
      code: 'not-a-file',
      rationale: `${shown} is not a file.`,
      hint: `Save the private key of key pair "${name}" as ${shown}.`,
    });
  if (st.size > MAX_KEY_BYTES) throw notAKey(shown, name);
  const text = await readFile(file);
  const pub =
    (await readFile(`${file}.pub`).catch(() => undefined)) ?? (await readFile(file.replace(/\.pem$/, '.pub')).catch(() => undefined));
  let key: LocalKey | undefined;
  let problem: KeyProblem | undefined;
  try {
    key = await readLocalKey(text, shown, pub);
  } catch (e) {
    if (!(e instanceof KeyProblem)) throw e;
    problem = e;
  }
  // A public key named by mistake is the real problem, whatever its mode (.pub files are 644).
  if (problem?.code === 'public-key') {
    throw new Failure({
      code: 'public-key',
      rationale: `${shown} holds a public key, but this check needs the private key.`,
      hint: `Save the private key of "${name}" (the file without .pub, or the .pem EC2 gave you) as ${shown}.`,
    });
  }
  // Windows has no Unix modes to speak of; ssh there checks ACLs instead.
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new Failure({
      code: 'key-readable',
      rationale: `${shown} can be read by other users of this computer (mode ${(st.mode & 0o777).toString(8)}), so ssh refuses to use it.`,
      hint: `Run \`chmod 600 ${shown}\`.`,
      expected: 'mode 600 (or 400)',
      actual: `mode ${(st.mode & 0o777).toString(8)}`,
    });
  }
  if (problem?.code === 'encrypted-no-public') {
    throw new Skip(
      `${shown} is protected by a passphrase, so its public half cannot be read; save it beside the key to have it checked: \`ssh-keygen -y -f ${shown} > ${shown}.pub\``,
    );
  }
  if (!key) throw notAKey(shown, name);
  return key;
}

const notAKey = (shown: string, name: string) =>
  new Failure({
    code: 'not-a-key',
    rationale: `${shown} is not an SSH private key.`,
    hint: `Save the private key of key pair "${name}" (a file beginning "-----BEGIN … PRIVATE KEY-----") as ${shown}.`,
  });

/** No key pair by that name: list (up to 5 of) the ones that do exist there, to spot a typo or a wrong region. */
async function notFound(aws: AwsAccess, region: string, name: string, shown: string): Promise<Failure> {
  let names: string[] | undefined;
  try {
    const { DescribeKeyPairsCommand } = await import('@aws-sdk/client-ec2');
    const all = await aws.send<'ec2', DescribeKeyPairsCommandOutput>('ec2', region, new DescribeKeyPairsCommand({}), {
      action: 'DescribeKeyPairs',
      permission: 'ec2:DescribeKeyPairs',
    });
    names = (all.KeyPairs ?? [])
      .map((k) => k.KeyName ?? '')
      .filter(Boolean)
      .sort();
  } catch {
    /* the list is only a help; the finding stands without it */
  }
  const listed =
    names === undefined
      ? undefined
      : names.length === 0
        ? `no key pairs in ${region}`
        : names.slice(0, 5).join(', ') + (names.length > 5 ? ` (and ${names.length - 5} more)` : '');
  const near = names?.find((n) => n.toLowerCase() === name.toLowerCase());
  return new Failure({
    code: 'no-such-key-pair',
    rationale: `There is no EC2 key pair named "${name}" in ${region}.`,
    hint: near
      ? `Key pair names are case-sensitive: "${near}" is not "${name}". Import your key under the expected name: \`aws ec2 import-key-pair --region ${region} --key-name ${name} --public-key-material fileb://${shown}.pub\`.`
      : `Key pairs belong to one region: create "${name}" in ${region} (EC2 console → Key pairs → Create key pair), or import your own: \`aws ec2 import-key-pair --region ${region} --key-name ${name} --public-key-material fileb://${shown}.pub\`.`,
    expected: name,
    actual: listed,
  });
}
