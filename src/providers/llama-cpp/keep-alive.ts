/**
 * node-llama-cpp 3.21.1 does not always hold a reference on Node's event loop while native work runs: seen here, a failing
 * model load let the loop go empty mid-await (`beforeExit` fired), and a test runner then cancels the test as "still
 * pending". So while any native operation is in flight the pool holds one ref'd timer, and drops it when the last ends.
 */

export interface KeepAlive {
  /** Runs `work` with the event loop held open. */
  run<T>(work: () => Promise<T>): Promise<T>;
}

export function createKeepAlive(): KeepAlive {
  let holders = 0;
  let timer: ReturnType<typeof setInterval> | undefined;

  function acquire(): void {
    holders += 1;
    // A long interval that never fires in practice; its only job is to be a ref'd handle.
    timer ??= setInterval(() => {}, 1 << 30);
  }

  function release(): void {
    holders -= 1;
    if (holders === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  return {
    async run(work) {
      acquire();
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
}
