/**
 * Bounded parallelism: run `task` over `items`, at most `limit` at a time. The first failure
 * stops new tasks from starting, waits for the running ones to settle (the caller aborts them
 * through its own signal) and is what the returned promise rejects with.
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>, onFirstError?: (err: unknown) => void): Promise<void> {
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (err) {
        if (!failed) {
          failed = true;
          firstError = err;
          onFirstError?.(err);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw firstError;
}
