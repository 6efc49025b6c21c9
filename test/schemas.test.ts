// The vendored reference schemas must be the originals, byte for byte: their SHA-256 is recorded
// with their origin in test/fixtures/schemas/README.md.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { VENDORED_SCHEMAS } from './helpers/schemas.js';

describe('reference schemas', () => {
  const readme = readFileSync(path.join(VENDORED_SCHEMAS, 'README.md'), 'utf8');
  it.each(['JUnit.xsd', 'bitbucket-pipelines.schema.json'])('%s is the copy its README records', (name) => {
    const copy = readFileSync(path.join(VENDORED_SCHEMAS, name));
    expect(copy.length).toBeGreaterThan(1000);
    const row = readme.split('\n').find((l) => l.startsWith(`| \`${name}\``))!;
    expect(row).toContain(`\`${createHash('sha256').update(copy).digest('hex')}\``);
  });
});
