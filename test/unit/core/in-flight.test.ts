import { describe, expect, it } from 'vitest';
import { InFlight } from '../../../src/main/in-flight';

describe('InFlight', () => {
  it('drains what is under way, rejections included, and forgets what has settled', async () => {
    const work = new InFlight();
    let done = false;
    work.track(new Promise((r) => setTimeout(r, 30)).then(() => (done = true)));
    const failed = work.track(Promise.reject(new Error('no')));
    await expect(failed).rejects.toThrow('no');
    await work.drain();
    expect(done).toBe(true);
    const start = performance.now();
    await work.drain(5_000);
    expect(performance.now() - start).toBeLessThan(50);
  });

  it('stops waiting at the bound', async () => {
    const work = new InFlight();
    work.track(new Promise(() => undefined));
    const start = performance.now();
    await work.drain(40);
    expect(performance.now() - start).toBeGreaterThanOrEqual(35);
  });
});
