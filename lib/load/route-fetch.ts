import { requestStorage, type RouteRequestInit } from '../context/request-store';

/**
 * What the name `fetch` means inside route files and the modules bundled with them (and nowhere
 * else: `globalThis.fetch` is never replaced, so the Express app's own fetches stay as they are).
 *
 * Outside a handler call it is the platform's `globalThis.fetch`, looked up at each call (so test
 * mocks and other patches of the global still apply). Inside one it applies Next's Data Cache rules
 * (spec §3.10) through the middleware's cache, and still ends in `globalThis.fetch`.
 */
export const routeFetch = function fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const store = requestStorage.getStore();
  const data = store?.cache?.data;
  if (store === undefined || data === undefined) return globalThis.fetch(input, init);
  return data.fetch(store, input, init as RouteRequestInit | undefined, globalThis.fetch);
} as typeof globalThis.fetch;
