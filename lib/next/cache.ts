// `next/cache` in route handlers: on-demand revalidation of the static-route cache, and the Data
// Cache's `unstable_cache`.
import { insideUnstableCache, validRevalidate, validTags } from '../cache/data-cache';
import { currentStore, requestStorage, staticBailout, type RequestStore } from '../context/request-store';

export type { NextFetchRequestConfig } from '../context/request-store';

function cacheOf(store: RequestStore, api: string) {
  if (!store.cache) throw new Error(`\`${api}\` needs the static-route cache of express-route-handlers, which this request has none of.`);
  return store.cache;
}

/** The invalidation is stored before the response goes out, so the next request sees it. */
function track(store: RequestStore, work: Promise<void>): void {
  (store.pendingRevalidations ??= []).push(work);
}

/** The next request to `path` regenerates before answering (`type` names a layout or page path). */
export function revalidatePath(originalPath: string, type?: 'layout' | 'page'): void {
  const store = currentStore('revalidatePath');
  track(store, cacheOf(store, 'revalidatePath').revalidatePath(originalPath, type));
}

/**
 * Marks entries tagged `tag` stale (`'max'`, a cacheLife profile or `{ expire }`: served once more
 * while they regenerate) or expired (`{ expire: 0 }`, or the deprecated one-argument form).
 */
export function revalidateTag(tag: string, profile?: string | { stale?: number; revalidate?: number; expire?: number }): void {
  if (!profile) {
    console.warn(
      '"revalidateTag" without the second argument is now deprecated, add second argument of "max" or use "updateTag". See more info here: https://nextjs.org/docs/messages/revalidate-tag-single-arg',
    );
  }
  const store = currentStore('revalidateTag');
  track(store, cacheOf(store, 'revalidateTag').revalidateTag(tag, profile || undefined));
}

/** Server-Action-only in Next.js: route handlers get its error. */
export function updateTag(_tag: string): never {
  throw new Error(
    'updateTag can only be called from within a Server Action. To invalidate cache tags in Route Handlers or other contexts, use revalidateTag instead. See more info here: https://nextjs.org/docs/app/api-reference/functions/updateTag',
  );
}

/** Server-Action-only in Next.js: route handlers get its error. */
export function refresh(): never {
  throw new Error('refresh can only be called from within a Server Action. See more info here: https://nextjs.org/docs/app/api-reference/functions/refresh');
}

/**
 * Opts the code after it out of static generation, like `connection()`. Inside an unstable_cache
 * callback it does nothing (a cache scope is never dynamic, as in Next).
 */
export function unstable_noStore(): void {
  const store = currentStore('unstable_noStore');
  if (store.mode === 'error' && !insideUnstableCache()) throw staticBailout(store, 'unstable_noStore()');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Callback = (...args: any[]) => Promise<any>;

/**
 * Caches the results of `callback` (JSON-serialisable values) in the middleware's cache, as Next's
 * `unstable_cache` does: the key is the function's source text, `keyParts` and the JSON of the
 * arguments (so values the function closes over belong in `keyParts`); `revalidate` seconds of
 * freshness, then stale-while-revalidate (the first call after that gets the old value and
 * refreshes it in the background); `tags` for `revalidateTag()`. Called while a static route
 * generates its entry, its tags and revalidate also apply to that entry.
 *
 * Outside a handler call (plain Express code, module top level, a timer) there is no middleware to
 * hold the entry (an app may mount several), so `callback` simply runs, uncached: never stale data,
 * never an error. Next uses its one global cache there instead.
 */
export function unstable_cache<T extends Callback>(callback: T, keyParts?: string[], options: { revalidate?: number | false; tags?: string[] } = {}): T {
  if (options.revalidate === 0) {
    throw new Error(`Invariant revalidate: 0 can not be passed to unstable_cache(), must be "false" or "> 0" ${callback.toString()}`);
  }
  const revalidate = validRevalidate(options.revalidate, `unstable_cache ${callback.name || callback.toString()}`);
  const tags = validTags(options.tags ?? [], `unstable_cache ${callback.toString()}`, (message) => console.warn(message));
  // Next's recipe (`false` when there are no key parts, as there).
  const fixedKey = `${callback.toString()}-${Array.isArray(keyParts) && keyParts.join(',')}`;
  const cached = async (...args: unknown[]): Promise<unknown> => {
    const store = requestStorage.getStore();
    const data = store?.cache?.data;
    if (store === undefined || data === undefined) return callback(...args);
    return data.unstableCache(store, callback, args, `${fixedKey}-${JSON.stringify(args)}`, tags, revalidate);
  };
  return cached as T;
}
