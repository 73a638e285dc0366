// Counters shared by the soak server and its route files. Plain .mjs outside the app directory is
// loaded by Node itself, not bundled, so route files and server.mjs see this one instance.
export const stats = {
  /** after() callbacks that ran to completion. */
  afterRuns: 0,
  /** Response streams cancelled because the client went away. */
  streamCancels: 0,
  /** Request bodies the echo route began to read, and how those reads ended (all must end). */
  bodyReads: { started: 0, finished: 0, failed: 0 },
  /** Static answers generated (cache MISS or regeneration), per route. */
  generated: { static: 0, isr: 0 },
  /** unstable_cache callbacks run (data cache misses). */
  dataLoads: 0,
  /** Failures reported through the library's logger.error: streams that broke after the headers, handlers past maxDuration, anything else. */
  logged: { streamFailures: 0, timeouts: 0, other: 0 },
};
