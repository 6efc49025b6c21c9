// Student code is untrusted. The checks run processes (git, python3, and the students' own
// mappers and tests) that inherit the grader's environment, so before grading the grader's own
// process.env loses everything that could act as the instructor: AWS keys and profiles, tokens,
// the ssh agent, and HOME (a throwaway one, so ~/.aws, ~/.ssh, ~/.gitconfig and ~/.netrc are out of
// reach). Fetching forks still needs the instructor's ssh keys: that uses the saved environment
// (gitops.setFetchEnv), never the scrubbed one. Student code itself runs only in the sandbox
// (lib/run/sandbox.ts), which shows it none of this: `sandboxFor` refuses a batch without one.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../lib/errors.js';
import type { Spec } from '../lib/types.js';
import { setFetchEnv } from './gitops.js';

const SECRET_RE =
  /^(AWS_|SSH_AUTH_SOCK$|SSH_AGENT_PID$|GIT_ASKPASS$|BITBUCKET_|GITHUB_TOKEN$|GH_TOKEN$|NPM_TOKEN$|CANVAS_)|(TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|API_KEY|ACCESS_KEY)/i;

/** Keeps the instructor's environment for fetching, then scrubs process.env for everything else. */
export async function scrubEnvironment(
  workRoot: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ instructor: NodeJS.ProcessEnv; home: string }> {
  const instructor = { ...env };
  setFetchEnv(instructor);
  const home = path.join(workRoot, 'home');
  await mkdir(home, { recursive: true });
  for (const k of Object.keys(env)) if (SECRET_RE.test(k)) delete env[k];
  env.HOME = home;
  env.USERPROFILE = home;
  env.XDG_CONFIG_HOME = path.join(home, '.config');
  env.AWS_CONFIG_FILE = '/nonexistent';
  env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent';
  env.AWS_EC2_METADATA_DISABLED = 'true';
  return { instructor, home };
}

/**
 * What anonymous live checks may use: endpoints, region and the harness's own endpoint and
 * loopback settings (a rehearsal or a test points every one of them at a local stand-in), never
 * keys or profiles.
 */
export function anonymousAwsEnv(instructor: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { AWS_EC2_METADATA_DISABLED: 'true' };
  for (const [k, v] of Object.entries(instructor)) {
    if (
      /^(AWS_(REGION|DEFAULT_REGION|ENDPOINT_URL(_\w+)?|REQUEST_CHECKSUM_CALCULATION|RESPONSE_CHECKSUM_VALIDATION)|HARNESS_S3_WEBSITE_ENDPOINT|HARNESS_LOOPBACK_ONLY)$/.test(
        k,
      )
    )
      out[k] = v;
  }
  return out;
}

/** How this batch runs student code, for the output (batch.json) and the banner. */
export interface BatchSandbox {
  /** `bwrap <version>`, or `none` when the instructor opted out where there is no sandbox. */
  sandbox: string;
  /** Why there is none (only with --unsafe-no-sandbox). */
  unsafe?: string;
}

/**
 * Whether student code in `spec` can be graded here: undefined when no check runs any; the
 * sandbox when there is one; with no sandbox, a UserError (exit 2, with the fix) unless the
 * instructor passed --unsafe-no-sandbox. The sandbox is used wherever it works, opt-out or not.
 */
export async function sandboxFor(spec: Spec, optOut: boolean): Promise<BatchSandbox | undefined> {
  const [{ registry }, { probeSandbox }] = await Promise.all([import('../lib/checks/registry.js'), import('../lib/run/sandbox.js')]);
  const coded = spec.checks.filter((c) => registry.get(c.kind)?.runsStudentCode);
  if (!coded.length) return undefined;
  const m = await probeSandbox();
  if (m.mode === 'bwrap') return { sandbox: `bwrap ${m.bwrap.version}` };
  if (!optOut) {
    throw new UserError(
      `${coded.length} check${coded.length === 1 ? '' : 's'} of ${spec.id} run${coded.length === 1 ? 's' : ''} student code (${coded[0].id}${coded.length > 1 ? ', …' : ''}), and there is no sandbox here: ${m.reason}`,
      `${m.fix}; or, knowing what students' code could then read and change on this machine, pass --unsafe-no-sandbox`,
    );
  }
  return { sandbox: 'none', unsafe: m.reason };
}
