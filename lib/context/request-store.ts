import { AsyncLocalStorage } from 'node:async_hooks';
import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';
import { MutableRequestCookies } from '../next/cookies';
import type { NextRequest } from '../next/request';

export type RequestMode = 'auto' | 'force-dynamic' | 'error' | 'force-static';

/** Everything `next/headers`, `next/navigation`, `after()` and `expressContext()` need about the current call. */
export interface RequestStore {
  /** The request as the handler received it (sanitised under `force-static`). */
  readonly request: NextRequest;
  readonly req: ExpressRequest;
  readonly res: ExpressResponse;
  /** The route's `dynamic` segment config, which decides what request data handlers may see. */
  readonly mode: RequestMode;
  /** The route's pathname pattern, for Next's error messages. */
  readonly route: string;
  /** Next's `experimental.authInterrupts`: lets `forbidden()`/`unauthorized()` answer 403/401. */
  readonly authInterrupts: boolean;
  /** The value of the `__prerender_bypass` cookie that turns draft mode on. */
  readonly draftModeId: string;
  /** What `cookies()` and `draftMode()` read and change (built on first use); its changes join the response. */
  mutableCookies?: MutableRequestCookies;
  /** Work from `after()`, run once the response has finished. */
  afterTasks?: unknown[];
  /** The first request-data access that made a static generation impossible (`headers`, `request.url`, …). */
  dynamicUsage?: string;
  /** The static-route cache of this middleware, for `revalidatePath()`/`revalidateTag()`. */
  readonly cache?: RevalidationTarget;
  /** Invalidations to finish before the response is sent. */
  pendingRevalidations?: Promise<void>[];
}

/** What `next/cache` needs from the middleware that runs the handler. */
export interface RevalidationTarget {
  revalidatePath(path: string, type?: 'page' | 'layout'): Promise<void>;
  revalidateTag(tag: string, profile?: string | { expire?: number }): Promise<void>;
  /** The Data Cache (`fetch()` in route files, `unstable_cache`), in the same storage as the route entries. */
  readonly data?: DataCacheAccess;
}

/** `fetch(url, { next })` options, as in Next's `NextFetchRequestConfig`. */
export interface NextFetchRequestConfig {
  revalidate?: number | false;
  tags?: string[];
}

export type RouteRequestInit = RequestInit & { next?: NextFetchRequestConfig };

/** The Data Cache as route code reaches it through the request scope (cache/data-cache implements it). */
export interface DataCacheAccess {
  /** `fetch()` inside a handler call. `origin` is the platform fetch the call ends up in. */
  fetch(store: RequestStore, input: RequestInfo | URL, init: RouteRequestInit | undefined, origin: typeof fetch): Promise<Response>;
  /** One call of an `unstable_cache` function inside a handler call. */
  unstableCache<T>(
    store: RequestStore,
    callback: (...args: unknown[]) => T | Promise<T>,
    args: unknown[],
    invocationKey: string,
    tags: string[],
    revalidate: number | false | undefined,
  ): Promise<T>;
}

export const requestStorage = new AsyncLocalStorage<RequestStore>();

/**
 * What the data a static route's handler read contributes to the route's cache entry, collected
 * while the static cache generates it (Next's `workStore.tags` / `revalidate`): tags of cached
 * fetches and `unstable_cache` calls, and the shortest of their revalidate periods.
 */
export interface StaticGeneration {
  readonly tags: Set<string>;
  /** Starts as the route's own revalidate; a cached fetch or unstable_cache with a shorter one lowers it. */
  revalidate: number | false;
}

/**
 * Set around a handler call that generates a static route's entry (first fill or regeneration).
 * While it is set, stale data entries are refetched before the handler goes on (Next's foreground
 * revalidation during static generation), so a regenerated route never bakes in stale data.
 */
export const staticGenerationStorage = new AsyncLocalStorage<StaticGeneration>();

export function currentStore(api: string): RequestStore {
  const store = requestStorage.getStore();
  if (!store) {
    throw new Error(`\`${api}\` was called outside a request scope. Read more: https://nextjs.org/docs/messages/next-dynamic-api-wrong-context`);
  }
  return store;
}

export function mutableCookiesOf(store: RequestStore): MutableRequestCookies {
  // Under `dynamic = 'error'` reading the request's cookies throws; only draftMode() gets here then.
  return (store.mutableCookies ??= new MutableRequestCookies(store.mode === 'error' ? undefined : store.request.cookies));
}

/** Next's error for request data read in a route with `dynamic = 'error'`. */
export function staticBailout(store: RequestStore, expression: string): Error {
  store.dynamicUsage ??= expression;
  return new Error(
    `Route ${store.route} with \`dynamic = "error"\` couldn't be rendered statically because it used \`${expression}\`. See more info here: https://nextjs.org/docs/app/building-your-application/rendering/static-and-dynamic#dynamic-rendering`,
  );
}

/**
 * A Promise of `value` that also answers `value`'s methods directly, so both `(await cookies()).get()`
 * (Next 15/16) and `cookies().get()` (Next 14) work.
 */
export function awaitable<T extends object>(value: T, methods: readonly (string | symbol)[]): Promise<T> & T {
  const promise = Promise.resolve(value) as Promise<T> & T;
  for (const name of methods) {
    const member = (value as Record<string | symbol, unknown>)[name];
    if (typeof member === 'function') {
      Object.defineProperty(promise, name, { value: member.bind(value), configurable: true });
    } else {
      Object.defineProperty(promise, name, { get: () => (value as Record<string | symbol, unknown>)[name], configurable: true });
    }
  }
  return promise;
}
