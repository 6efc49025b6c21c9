// Kept apart from the check engine so that a command can bound its concurrency without loading
// every check kind (the grader's no-change re-run must stay small).

/** A tiny counting semaphore; the run queue is FIFO so spec order is kept under the limit. */
export class Semaphore {
  private queue: (() => void)[] = [];
  private active = 0;
  constructor(private readonly max: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}
