import { requestStorage, type RouteRequestInit } from '../context/request-store';
import { fetchFile } from './file-fetch';

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

const fetchByProject = new Map<string, typeof globalThis.fetch>();

/**
 * `fetch` for the route files of one project: `routeFetch`, and `file:` URLs of files inside
 * `projectRoot` read from disk (assets beside a route file), never through the Data Cache.
 */
export function routeFetchIn(projectRoot: string): typeof globalThis.fetch {
  let projectFetch = fetchByProject.get(projectRoot);
  if (projectFetch === undefined) {
    projectFetch = function fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
      const fileUrl = fileUrlOf(input);
      if (fileUrl === undefined) return routeFetch(input, init);
      return fetchFile(fileUrl, projectRoot, init?.signal ?? (input as Partial<Request>).signal);
    } as typeof globalThis.fetch;
    fetchByProject.set(projectRoot, projectFetch);
  }
  return projectFetch;
}

function fileUrlOf(input: RequestInfo | URL): URL | undefined {
  // A Request gives its `url`; a URL (also one of another realm) or anything else its string.
  const href = typeof input === 'string' ? input : (input as Partial<Request>).url ?? String(input);
  return /^file:/i.test(href) ? new URL(href) : undefined;
}
