import { it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { RULES } from '../lib/secret-rules.js';
it('per rule', () => {
  const inputs = { text: ('The quick brown fox, aws s3 cp s3://bucket/key . secret_thing = 12 ' + 'x'.repeat(40) + '\n').repeat(100000), binary: randomBytes(8 << 20).toString('latin1'), base64: randomBytes(6 << 20).toString('base64') };
  for (const [n, t] of Object.entries(inputs)) {
    const row = [];
    for (const r of RULES) { const s = performance.now(); let c = 0; for (const _ of t.matchAll(r.re)) c++; row.push(`${r.id}:${(t.length / 1e6 / ((performance.now() - s) / 1000)).toFixed(0)}`); }
    console.log(n, row.join(' '));
  }
}, 600000);
