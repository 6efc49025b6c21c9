// Who the student's credentials belong to (STS GetCallerIdentity), asked once per run: the
// identity check and the evidence check both need it.
import type { GetCallerIdentityCommandOutput } from '@aws-sdk/client-sts';
import type { AwsAccess } from './access.js';

export interface Caller {
  account: string;
  arn: string;
  /** `root`, `user`, `assumed-role`, `federated-user`, … (the Arn's resource type). */
  type: string;
  /** The IAM user's (or role's) name. */
  name?: string;
  /** For an assumed role: the session name. */
  session?: string;
}

const asked = new WeakMap<AwsAccess, Promise<Caller>>();

export function callerIdentity(aws: AwsAccess): Promise<Caller> {
  let p = asked.get(aws);
  if (!p) {
    p = (async () => {
      const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
      const region = await aws.region();
      const out = await aws.send<'sts', GetCallerIdentityCommandOutput>('sts', region, new GetCallerIdentityCommand({}), {
        action: 'GetCallerIdentity',
        permission: '',
      });
      return parseArn(out.Account ?? '', out.Arn ?? '');
    })();
    asked.set(aws, p);
    p.catch(() => asked.delete(aws)); // a failed call may be retried by the next check
  }
  return p;
}

/** `arn:aws:iam::123456789012:user/path/qz417`, `arn:aws:iam::123456789012:root`, `arn:aws:sts::…:assumed-role/R/s`. */
export function parseArn(account: string, arn: string): Caller {
  const resource = arn.split(':').slice(5).join(':');
  if (resource === 'root') return { account, arn, type: 'root' };
  const [type, ...rest] = resource.split('/');
  if (type === 'assumed-role') return { account, arn, type, name: rest[0], session: rest.slice(1).join('/') };
  return { account, arn, type: type || 'unknown', name: rest.at(-1) };
}

/** An account id as shown in notes: `1234…9012` (not a secret, but no need to show it whole). */
export function shortAccount(id: string): string {
  return id.length === 12 ? `${id.slice(0, 4)}…${id.slice(-4)}` : id;
}
