// Bundle entry (dist/harness.mjs).
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`internal error: ${(e as Error)?.stack ?? e}\n`);
    process.exitCode = 2;
  },
);
