// Live checks against the stand-in, through the real engine: one check per run, the SDK talking HTTP
// to the stand-in. The SDK reads endpoints and credentials from process.env, so this sets them for
// the test file's process (vitest runs each file in its own fork) and restores them afterwards.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { AwsAccess } from '../../lib/aws/access.js';
import { runChecks } from '../../lib/engine.js';
import { registry } from '../../lib/checks/registry.js';
import type { CheckResult, Spec } from '../../lib/types.js';
import { tempDir, testCourse, testIdentity, type FileMap } from './fixture.js';

const AWS_VARS = /^(AWS_|HARNESS_S3_WEBSITE_ENDPOINT$)/;

/** Replaces every AWS_* variable of this process with `vars`; returns a function that restores them. */
export function setAwsEnv(vars: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.entries(process.env).filter(([k]) => AWS_VARS.test(k)));
  for (const k of Object.keys(process.env)) if (AWS_VARS.test(k)) delete process.env[k];
  Object.assign(process.env, vars);
  return () => {
    for (const k of Object.keys(process.env)) if (AWS_VARS.test(k)) delete process.env[k];
    Object.assign(process.env, saved);
  };
}

/** Variables with no credentials anywhere: empty config files, no instance metadata. */
export async function noCredentialsEnv(): Promise<Record<string, string>> {
  const dir = await tempDir({}, 'harness-awscfg-');
  writeFileSync(path.join(dir, 'config'), '');
  writeFileSync(path.join(dir, 'credentials'), '');
  return {
    AWS_CONFIG_FILE: path.join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

export interface LiveRun {
  kind: string;
  params?: Record<string, unknown>;
  files?: FileMap;
  /** Seconds (the engine's per-check timeout). */
  timeout?: number;
  aws?: AwsAccess;
  netid?: string;
}

/** Runs one check of `kind` through the engine, with a fresh AwsAccess unless one is given. */
export async function runLive(o: LiveRun): Promise<CheckResult> {
  const dir = await tempDir(o.files ?? {});
  const spec: Spec = {
    id: 'T1',
    title: 'T',
    timezone: 'UTC',
    points: 1,
    files: { required: [], optional: [] },
    dir,
    file: path.join(dir, 'assignment.yaml'),
    hash: 'h',
    checks: [
      {
        id: 'c',
        kind: o.kind,
        points: 1,
        dependsOn: [],
        severity: 'error',
        timeout: o.timeout ?? 10,
        extraCredit: false,
        params: o.params ?? {},
      },
    ],
  };
  const aws = o.aws ?? new AwsAccess({ connectTimeout: 1, requestTimeout: 2 });
  try {
    const [r] = await runChecks(spec, {
      course: testCourse(),
      identity: testIdentity(o.netid ? { netid: o.netid } : {}),
      aws,
      kinds: registry,
    });
    return r;
  } finally {
    if (!o.aws) aws.destroy();
  }
}

/** [status, the words a student reads] for compact assertions. */
export const said = (r: CheckResult) => `${r.status}: ${r.rationale ?? r.reason ?? ''} | ${r.hint ?? ''}`;
