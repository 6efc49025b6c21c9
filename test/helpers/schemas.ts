// The reference schemas (Atlassian's Bitbucket Pipelines schema, a JUnit XSD), vendored in
// test/fixtures/schemas with their origin and checksum (see its README.md).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VENDORED_SCHEMAS = path.join(repo, 'test', 'fixtures', 'schemas');

/** The path of a reference schema. */
export function referenceSchema(name: 'JUnit.xsd' | 'bitbucket-pipelines.schema.json'): string {
  return path.join(VENDORED_SCHEMAS, name);
}
