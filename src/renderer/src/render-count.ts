/**
 * Render counts for the e2e test that proves the audio clock re-renders only the seek bar. Off
 * unless a test put `__timbreRenderCounts` on the page before the app loaded (Playwright's init
 * script): then each counted component adds one per render. React's <Profiler> would do this,
 * but its callback is compiled out of production builds, which are what the e2e tests run.
 */
type Counts = Record<string, number>;

const counts = (): Counts | undefined =>
  (globalThis as { __timbreRenderCounts?: Counts }).__timbreRenderCounts;

/** Call at the top of a component's render. */
export function countRender(name: string): void {
  const c = counts();
  if (c) c[name] = (c[name] ?? 0) + 1;
}
