// Every check kind, by its stable id. Adding a kind: copy _template.ts, then list it here.
import type { CheckKind } from './kind.js';
import filePresent from './file-present.js';
import fileText from './file-text.js';
import fileLines from './file-lines.js';
import fileYaml from './file-yaml.js';
import fileJson from './file-json.js';
import pythonSyntax from './python-syntax.js';
import gitRepo from './git-repo.js';
import gitCommitted from './git-committed.js';
import gitClean from './git-clean.js';
import gitPushed from './git-pushed.js';
import gitAuthor from './git-author.js';
import secrets from './secrets.js';
import awsS3Object from './aws-s3-object.js';
import awsS3Public from './aws-s3-public.js';
import awsS3Website from './aws-s3-website.js';
import gitPrivate from './git-private.js';
import awsCostGuard from './aws-cost-guard.js';
import awsBillingAlarm from './aws-billing-alarm.js';
import awsDynamoTable from './aws-dynamodb-table.js';
import awsIdentity from './aws-identity.js';
import awsKeyPair from './aws-keypair.js';
import awsInstance from './aws-instance.js';
import awsEvidence from './aws-evidence.js';
import awsEvidenceExists from './aws-evidence-exists.js';
import toolPresent from './tool-present.js';
import sshKey from './ssh-key.js';
import mapreduceStreaming from './mapreduce-streaming.js';
import pythonUnittest from './python-unittest.js';
import pythonPytest from './python-pytest.js';
import programOutput from './program-output.js';
import mrjobLocal from './mrjob-local.js';
import pysparkLocal from './pyspark-local.js';
import notebookValid from './notebook-valid.js';
import notebookExecuted from './notebook-executed.js';
import notebookOutput from './notebook-output.js';
import notebookExecute from './notebook-execute.js';

// Kinds are typed by their own params; the registry hands them untyped params already
// validated against each kind's schema.
type AnyKind = CheckKind<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const all: AnyKind[] = [
  filePresent,
  fileText,
  fileLines,
  fileYaml,
  fileJson,
  pythonSyntax,
  gitRepo,
  gitCommitted,
  gitClean,
  gitPushed,
  gitAuthor,
  secrets,
  awsS3Object,
  awsS3Public,
  awsS3Website,
  gitPrivate,
  awsCostGuard,
  awsBillingAlarm,
  awsDynamoTable,
  awsIdentity,
  awsKeyPair,
  awsInstance,
  awsEvidence,
  awsEvidenceExists,
  toolPresent,
  sshKey,
  mapreduceStreaming,
  pythonUnittest,
  pythonPytest,
  programOutput,
  mrjobLocal,
  pysparkLocal,
  notebookValid,
  notebookExecuted,
  notebookOutput,
  notebookExecute,
];

export const registry: ReadonlyMap<string, AnyKind> = new Map(all.map((k) => [k.kind, k]));

export function kindNames(): string[] {
  return [...registry.keys()].sort();
}
