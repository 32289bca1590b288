/**
 * Work under way that something must wait for before it closes (calls, request handlers, joins,
 * a run's background work): a query still running on a closed database handle, or when the
 * process exits, can take the process down.
 */
export class InFlight {
  private readonly work = new Set<Promise<unknown>>();

  /** Keeps `p` until it settles; returns it. */
  track<T>(p: Promise<T>): Promise<T> {
    this.work.add(p);
    const forget = (): void => void this.work.delete(p);
    p.then(forget, forget);
    return p;
  }

  /**
   * Resolves when the work tracked now has settled, or after `boundMs` (a piece of work may wait
   * on something that never comes once its client is gone, and closing must still end).
   */
  async drain(boundMs = Infinity): Promise<void> {
    const all = Promise.allSettled([...this.work]);
    if (!Number.isFinite(boundMs)) {
      await all;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      all,
      new Promise((resolveWait) => {
        timer = setTimeout(resolveWait, boundMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }
}
