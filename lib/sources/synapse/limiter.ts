/** At most `concurrency` tasks at once; once `signal` aborts, tasks not yet started are refused. */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly concurrency: number, private readonly signal?: AbortSignal) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.signal?.aborted) {
      this.release();
      throw new BudgetExhaustedError();
    }
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.release();
    }
  }

  private release(): void {
    this.waiting.shift()?.();
  }
}

export class BudgetExhaustedError extends Error {
  readonly code = 'LAKEPULSE_BUDGET';
  constructor() {
    super('cycle budget exhausted before this request could start');
  }
}
