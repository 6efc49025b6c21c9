// HARNESS_TRACE=1 prints when each phase ends, in ms since the process started (for start-up work).
const on = Boolean(process.env.HARNESS_TRACE);

export function trace(what: string): void {
  if (on) process.stderr.write(`trace ${performance.now().toFixed(1).padStart(7)} ms  ${what}\n`);
}
