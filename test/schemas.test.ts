// The vendored copies of the reference schemas must be the originals, byte for byte.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SHARED_SCHEMAS, VENDORED_SCHEMAS } from './helpers/schemas.js';

describe('reference schemas', () => {
  it.each(['JUnit.xsd', 'bitbucket-pipelines.schema.json'])('the copy of %s equals ../shared/schemas (when that is here)', (name) => {
    const copy = readFileSync(path.join(VENDORED_SCHEMAS, name));
    expect(copy.length).toBeGreaterThan(1000);
    const original = path.join(SHARED_SCHEMAS, name);
    if (existsSync(original)) expect(copy.equals(readFileSync(original))).toBe(true);
  });
});
