// STS over the Query protocol: GetCallerIdentity, the harness's "whose keys are these?" call. The
// `<GetCallerIdentityResult>` wrapper matters: without it the SDK silently parses `{}`.
import { ApiError, xmlReply, type Ctx, type Reply } from './protocol.js';
import { doc, el, wrap } from './xml.js';
import { hexOf } from './ec2.js';

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** A made-up but stable unique id in AWS's shape (prefix + 17 upper-case characters). */
const uniqueId = (prefix: string, seed: string) =>
  prefix +
  BigInt('0x' + hexOf(seed, 22))
    .toString(36)
    .toUpperCase()
    .padStart(17, '0')
    .slice(0, 17);

export function callerIdentity(ctx: Ctx): { Account: string; Arn: string; UserId: string } {
  const { account, credential: c } = ctx;
  const acct = account!.id;
  if (c!.root) return { Account: acct, Arn: `arn:aws:iam::${acct}:root`, UserId: acct };
  if (c!.user) return { Account: acct, Arn: `arn:aws:iam::${acct}:user/${c!.user}`, UserId: uniqueId('AIDA', `${acct}/${c!.user}`) };
  const session = ctx.world.imds?.role?.accessKeyId === c!.accessKeyId ? ctx.world.imds.instanceId : 'standin-session';
  return {
    Account: acct,
    Arn: `arn:aws:sts::${acct}:assumed-role/${c!.role}/${session}`,
    UserId: `${uniqueId('AROA', `${acct}/${c!.role}`)}:${session}`,
  };
}

export async function sts(ctx: Ctx): Promise<Reply> {
  if (ctx.action !== 'GetCallerIdentity')
    throw new ApiError('InvalidAction', `Could not find operation ${ctx.action} for version 2011-06-15`);
  const id = callerIdentity(ctx);
  return xmlReply(
    ctx,
    doc(
      'GetCallerIdentityResponse',
      NS,
      wrap('GetCallerIdentityResult', el('Arn', id.Arn), el('UserId', id.UserId), el('Account', id.Account)),
      wrap('ResponseMetadata', el('RequestId', ctx.requestId)),
    ),
  );
}
