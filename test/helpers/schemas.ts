// The reference schemas (Atlassian's Bitbucket Pipelines schema, a JUnit XSD). They live in
// ../shared/schemas beside the repository; a clone elsewhere uses the copies in
// test/fixtures/schemas, which test/schemas.test.ts holds byte-identical to the originals
// whenever those are there.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_SCHEMAS = path.resolve(repo, '..', 'shared', 'schemas');
export const VENDORED_SCHEMAS = path.join(repo, 'test', 'fixtures', 'schemas');

/** The path of a reference schema: the shared original when present, else the vendored copy. */
export function referenceSchema(name: 'JUnit.xsd' | 'bitbucket-pipelines.schema.json'): string {
  const shared = path.join(SHARED_SCHEMAS, name);
  return existsSync(shared) ? shared : path.join(VENDORED_SCHEMAS, name);
}
