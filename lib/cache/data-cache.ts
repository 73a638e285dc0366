/**
 * Next's Data Cache, for route handlers: `fetch()` inside route files (spec §3.10) and
 * `unstable_cache` (§3.9). Data entries live in the middleware's CacheHandler next to the route
 * entries, under `fetch:<sha256>` and `unstable_cache:<sha256>` keys (route keys start with `/`),
 * so a Redis handler shares them between processes too, and they obey the same tag invalidations:
 * `revalidateTag(tag, 'max')` makes them stale (served once more while they refresh), the
 * one-argument form or `{ expire: 0 }` expires them, and `revalidatePath()` reaches the data a route
 * read through the route's implicit tags (Next's "soft tags", checked on read, never stored).
 *
 * Also home of the freshness rules both kinds of entries share (so this module needs nothing from
 * static-cache.ts, which builds on it).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import {
  staticBailout,
  staticGenerationStorage,
  type DataCacheAccess,
  type NextFetchRequestConfig,
  type RequestStore,
  type RouteRequestInit,
  type StaticGeneration,
} from '../context/request-store';
import { routedTarget } from '../http/request-url';
import { parseCookie } from '../next/cookies';
import { DEFAULT_EXPIRE, freshness, implicitTags } from './entries';
import type { CacheEntry, CacheHandler } from './cache-handler';

/** How long one background refresh may hold its key's lock before others may try. */
const LOCK_MS = 30_000;
/** Next's limits: longer tags are never attached to data, and at most this many per call. */
const TAG_MAX_LENGTH = 256;
const TAG_MAX_ITEMS = 128;
/** Bound of the set that keeps repeated warnings quiet. */
const MAX_WARNED = 1000;
/** Pseudo-headers of a stored fetch response: never valid HTTP names, so they cannot collide. */
const STATUS_TEXT = ':status-text';
const RESPONSE_URL = ':url';

/**
 * Set while an `unstable_cache` callback runs. Inside, Next treats fetches as `force-no-store` (not
 * cached, and they neither lower the route's revalidate nor make it dynamic) and a nested
 * unstable_cache does not read the cache; request-time APIs such as `unstable_noStore()` have no
 * effect on the route.
 */
const unstableCacheScope = new AsyncLocalStorage<true>();

export function insideUnstableCache(): boolean {
  return unstableCacheScope.getStore() === true;
}

/**
 * The Data Cache of one middleware. `fetch()` inside handler calls applies Next's table (§3.10);
 * `unstable_cache` functions called inside handler calls cache their JSON results. Both feed the
 * tags and revalidate periods of what they read into the static route being generated, if any.
 */
export class DataCache implements DataCacheAccess {
  /** One origin call per key at a time in this process: misses share it, refreshes are not repeated. */
  private readonly flights = new Map<string, Promise<CacheEntry | undefined>>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly handler: CacheHandler,
    private readonly warn: (message: string) => void,
  ) {}

  /** `fetch()` inside a handler call. `origin` is the platform fetch the call ends up in. */
  async fetch(store: RequestStore, input: RequestInfo | URL, init: RouteRequestInit | undefined, origin: typeof fetch): Promise<Response> {
    // Draft mode is no static generation: Next bypasses the Data Cache entirely (no read, no write).
    if (insideUnstableCache() || inDraftMode(store)) return origin(input, init);
    const request = isRequest(input) ? input : undefined;
    // Parsed only when needed: a fetch without options costs next to nothing more than the platform's.
    let parsedUrl: string | undefined;
    const urlOf = (): string => (parsedUrl ??= fetchUrl(input));
    const nextConfig = init?.next ?? (request as (Request & { next?: NextFetchRequestConfig }) | undefined)?.next;
    let cacheMode: string | undefined = init?.cache || request?.cache;
    let revalidate: unknown = nextConfig?.revalidate;
    const tags = nextConfig?.tags ? validTags(nextConfig.tags, `fetch ${urlOf()}`, (message) => this.warnOnce(message, message)) : [];
    const generation = staticGenerationStorage.getStore();
    // Tags reach the route whatever happens to this fetch (Next collects them first).
    if (generation) for (const tag of tags) generation.tags.add(tag);

    if (typeof cacheMode === 'string' && revalidate !== undefined && conflicting(cacheMode, revalidate)) {
      this.warnOnce(
        `fetch for ${urlOf()} on ${store.route} specified "cache: ${cacheMode}" and "revalidate: ${String(revalidate)}", only one should be specified. Both are ignored.`,
        `conflict|${store.route}|${cacheMode}|${String(revalidate)}`,
      );
      cacheMode = undefined;
      revalidate = undefined;
    }
    let period = validRevalidate(revalidate, store.route);
    if (cacheMode === 'force-cache' && period === undefined) period = false;
    else if (cacheMode === 'no-store' || cacheMode === 'no-cache') period = 0;

    if (period === 0) {
      // An explicit opt-out while an `auto` route generates its entry (mode 'error'): the route is
      // dynamic, so stop before the request goes out (the static cache then serves it dynamically).
      // In a `dynamic = 'error'` route it is that route's error, as in Next. force-static routes
      // stay static: the fetch just goes out uncached.
      if (store.mode === 'error') {
        throw staticBailout(store, `${cacheMode === 'no-store' ? 'no-store' : 'revalidate: 0'} fetch ${urlOf()} ${store.route}`);
      }
      return origin(input, init);
    }
    // No cache option at all: Next's "auto no cache" at request time (not cached, route unaffected).
    if (period === undefined) return origin(input, init);
    if (generation && period !== false) generation.revalidate = shorter(generation.revalidate, period);

    // Only GET and HEAD answers are reused (decisions §3.9), whatever the options say.
    const method = (init?.method || request?.method || 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') return origin(input, init);
    const url = urlOf();
    const hash = fetchKey(url, method, request, init);
    return this.cachedFetch(store, `fetch:${hash}`, hash, method, period, tags, generation, url, () => origin(input, init), () =>
      origin(...withoutSignal(input, init)),
    );
  }

  /** One call of an `unstable_cache` function inside a handler call. */
  async unstableCache<T>(
    store: RequestStore,
    callback: (...args: unknown[]) => T | Promise<T>,
    args: unknown[],
    invocationKey: string,
    tags: string[],
    revalidate: number | false | undefined,
  ): Promise<T> {
    const run = (): Promise<T> => unstableCacheScope.run(true, async () => callback(...args));
    // Draft mode: Next neither reads nor writes the entry.
    if (inDraftMode(store)) return run();
    const nested = insideUnstableCache();
    const key = `unstable_cache:${sha256(invocationKey)}`;
    // Stored without revalidate Next keeps it for a year: until invalidated, for us.
    const period = revalidate ?? false;
    const generation = nested ? undefined : staticGenerationStorage.getStore();
    if (generation) {
      for (const tag of tags) generation.tags.add(tag);
      if (period !== false) generation.revalidate = shorter(generation.revalidate, period);
    }
    // Nested inside another unstable_cache, Next skips the read (the outer entry covers it).
    if (!nested) {
      const entry = await this.handler.get(key);
      if (entry) {
        const state = await this.state(entry, period, store);
        if (state === 'fresh') return decodeValue<T>(entry);
        if (state === 'stale' && !generation) {
          this.refresh(key, `unstable_cache ${callback.name || key}`, async () => this.encodeValue(await run(), key, tags, period));
          return decodeValue<T>(entry);
        }
        // Expired, or stale while a static route generates: refresh before answering.
      }
    }
    const result = await run();
    const entry = this.encodeValue(result, key, tags, period);
    if (entry) this.track(store, this.store(key, entry));
    return result;
  }

  private async cachedFetch(
    store: RequestStore,
    key: string,
    hash: string,
    method: string,
    period: number | false,
    tags: string[],
    generation: StaticGeneration | undefined,
    url: string,
    load: () => Promise<Response>,
    reload: () => Promise<Response>,
  ): Promise<Response> {
    let stale = false;
    const entry = await this.handler.get(key);
    if (entry) {
      const state = await this.state(entry, period, store);
      if (state === 'fresh') return toResponse(entry, method);
      if (state === 'stale') {
        // The first request after the period gets the old answer and triggers one refetch, except
        // while a static route generates: it waits for the new data (Next's foreground revalidation).
        if (!generation) {
          this.refresh(key, `fetch ${url}`, async () => {
            const response = await reload();
            return response.status === 200 ? fetchEntry(response, hash, tags, period) : undefined;
          });
          return toResponse(entry, method);
        }
        stale = true;
      }
    }
    const running = this.flights.get(key);
    if (running) {
      const shared = await running;
      if (shared) return toResponse(shared, method);
      // The other call's answer was not cacheable (or failed): this one asks on its own.
    }
    let uncacheable: Response | undefined;
    const fetched = (async () => {
      // A refresh does not pass the caller's signal on (as Next): its abort must not lose the data.
      const response = await (stale ? reload() : load());
      // Only a 200 is cached (as Next); anything else goes back to the caller as it came.
      if (response.status !== 200) {
        uncacheable = response;
        return undefined;
      }
      return fetchEntry(response, hash, tags, period);
    })();
    const stored = fetched
      .then(async (fresh) => {
        if (fresh) await this.store(key, fresh);
        return fresh;
      })
      .catch(() => undefined)
      .finally(() => {
        if (this.flights.get(key) === stored) this.flights.delete(key);
      });
    this.flights.set(key, stored);
    const fresh = await fetched;
    // Stored before the handler's response goes out, so the next request finds it.
    this.track(store, stored);
    return fresh ? toResponse(fresh, method) : uncacheable!;
  }

  /** Fresh, stale or expired, by the period the caller asks for now and the entry's and the route's tags. */
  private async state(entry: CacheEntry, period: number | false, store: RequestStore): Promise<'fresh' | 'stale' | 'expired'> {
    const invalidation = await this.handler.tagInvalidation([...entry.tags, ...softTags(store)]);
    return freshness({ ...entry, revalidate: period }, invalidation, Date.now());
  }

  /** One refresh per key at a time, in this process (flights) and across processes (the handler's lock). */
  private refresh(key: string, what: string, load: () => Promise<CacheEntry | undefined>): void {
    if (this.flights.has(key)) return;
    const flight = (async (): Promise<CacheEntry | undefined> => {
      const lock = await this.handler.lock(key, LOCK_MS);
      if (!lock) return undefined;
      try {
        const entry = await load();
        if (entry) await this.handler.set(key, entry);
        return entry;
      } finally {
        await lock.release();
      }
    })()
      .catch((error: unknown): undefined => {
        this.warn(`revalidating ${what} failed: ${(error as Error)?.message ?? error}`);
        return undefined;
      })
      .finally(() => {
        if (this.flights.get(key) === flight) this.flights.delete(key);
      });
    this.flights.set(key, flight);
  }

  private store(key: string, entry: CacheEntry): Promise<void> {
    return this.handler.set(key, entry).catch((error: unknown) => this.warn(`storing a Data Cache entry failed: ${(error as Error)?.message ?? error}`));
  }

  /** Work to finish before the handler's response goes out (never rejects). */
  private track(store: RequestStore, work: Promise<unknown>): void {
    (store.pendingRevalidations ??= []).push(work.then(() => undefined));
  }

  /** unstable_cache results are stored as JSON, as Next does; a value JSON cannot hold is not cached. */
  private encodeValue(value: unknown, key: string, tags: string[], period: number | false): CacheEntry | undefined {
    let json: string;
    try {
      json = JSON.stringify({ value });
    } catch (error) {
      this.warnOnce(`unstable_cache: the result could not be stored as JSON and was not cached: ${(error as Error)?.message ?? error}`, `json|${key}`);
      return undefined;
    }
    return dataEntry(200, { 'content-type': 'application/json' }, Buffer.from(json), key, tags, period);
  }

  private warnOnce(message: string, id: string): void {
    if (this.warned.has(id)) return;
    if (this.warned.size >= MAX_WARNED) this.warned.clear();
    this.warned.add(id);
    this.warn(message);
  }
}

/** Next's check of a fetch whose `cache` and `next.revalidate` contradict each other. */
function conflicting(cacheMode: string, revalidate: unknown): boolean {
  return (
    (cacheMode === 'force-cache' && revalidate === 0) ||
    (cacheMode === 'no-store' && (revalidate === false || (typeof revalidate === 'number' && revalidate > 0)))
  );
}

/** Next's validation of a revalidate value: `false`/Infinity mean "never", negatives and non-numbers throw. */
export function validRevalidate(value: unknown, route: string): number | false | undefined {
  if (value === undefined) return undefined;
  if (value === false || value === Infinity) return false;
  if (typeof value === 'number' && !Number.isNaN(value) && value >= 0) return value;
  throw new Error(`Invalid revalidate value "${String(value)}" on "${route}", must be a non-negative number or false`);
}

/** Next's tag validation: strings of at most 256 characters, at most 128 of them; the rest is dropped with a warning. */
export function validTags(tags: readonly unknown[], description: string, warn: (message: string) => void): string[] {
  const valid: string[] = [];
  const invalid: string[] = [];
  for (let i = 0; i < tags.length; i++) {
    const tag = tags[i];
    if (typeof tag !== 'string') invalid.push(`tag: "${String(tag)}" invalid type, must be a string`);
    else if (tag.length > TAG_MAX_LENGTH) invalid.push(`tag: "${tag}" exceeded max length of ${TAG_MAX_LENGTH}`);
    else valid.push(tag);
    if (valid.length > TAG_MAX_ITEMS) {
      warn(`Warning: exceeded max tag count for ${description}, dropped tags: ${tags.slice(i).join(', ')}`);
      valid.pop();
      break;
    }
  }
  if (invalid.length > 0) warn(`Warning: invalid tags passed to ${description}: ${invalid.join('; ')}`);
  return valid;
}

function shorter(current: number | false, period: number): number | false {
  return current === false || period < current ? period : current;
}

function isRequest(input: RequestInfo | URL): input is Request {
  return typeof input === 'object' && input !== null && typeof (input as Request).method === 'string' && typeof (input as Request).url === 'string';
}

/** The URL a fetch goes to, without credentials (as Next keys it); '' when it does not parse (fetch will say why). */
function fetchUrl(input: RequestInfo | URL): string {
  try {
    const url = new URL(isRequest(input) ? input.url : String(input));
    url.username = '';
    url.password = '';
    return url.href;
  } catch {
    return '';
  }
}

/**
 * Next's fetch cache key, roughly (`IncrementalCache.generateCacheKey`): the URL, the method, the
 * headers and the request fields that change the answer, hashed. Only bodiless GET/HEAD fetches
 * are cached here, so there is no body to hash.
 */
function fetchKey(url: string, method: string, request: Request | undefined, init: RouteRequestInit | undefined): string {
  const field = <K extends keyof RequestInit & keyof Request>(name: K): unknown => init?.[name] || request?.[name];
  const headers = Object.fromEntries(new Headers((init?.headers || request?.headers || undefined) as HeadersInit | undefined));
  return sha256(
    JSON.stringify([
      'v3',
      url,
      method,
      headers,
      field('mode'),
      field('redirect'),
      field('credentials'),
      field('referrer'),
      field('referrerPolicy'),
      field('integrity'),
      field('cache'),
    ]),
  );
}

/** The arguments of a refetch without the caller's abort signal. */
function withoutSignal(input: RequestInfo | URL, init: RouteRequestInit | undefined): [RequestInfo | URL, RequestInit | undefined] {
  if (isRequest(input)) {
    const { url, method, headers, redirect, credentials, referrer, referrerPolicy, integrity, cache, keepalive } = input;
    return [url, { method, headers, redirect, credentials, referrer, referrerPolicy, integrity, cache, keepalive, ...init, signal: undefined }];
  }
  return [input, init ? { ...init, signal: undefined } : undefined];
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function fetchEntry(response: Response, hash: string, tags: string[], period: number | false): Promise<CacheEntry> {
  const body = Buffer.from(await response.arrayBuffer());
  const headers: CacheEntry['headers'] = {};
  for (const [name, value] of response.headers) if (name !== 'set-cookie') headers[name] = value;
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  headers[STATUS_TEXT] = response.statusText;
  if (response.url) headers[RESPONSE_URL] = response.url;
  return dataEntry(response.status, headers, body, hash, tags, period);
}

function dataEntry(status: number, headers: CacheEntry['headers'], body: Buffer, hash: string, tags: string[], period: number | false): CacheEntry {
  return {
    status,
    headers,
    body,
    etag: `"${hash}"`,
    generatedAt: Date.now(),
    revalidate: period,
    expire: period === false ? DEFAULT_EXPIRE : Math.max(DEFAULT_EXPIRE, Math.ceil(period)),
    tags,
  };
}

/** A new Response per read (its body a copy of the stored bytes): clone(), text(), streams all work. */
function toResponse(entry: CacheEntry, method: string): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(entry.headers)) {
    if (name.startsWith(':')) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const statusText = entry.headers[STATUS_TEXT];
  // A copy: the stored bytes may be shared with the cache handler.
  const response = new Response(method === 'HEAD' ? null : new Uint8Array(entry.body), {
    status: entry.status,
    statusText: typeof statusText === 'string' ? statusText : '',
    headers,
  });
  const url = entry.headers[RESPONSE_URL];
  if (typeof url === 'string') Object.defineProperty(response, 'url', { value: url });
  return response;
}

function decodeValue<T>(entry: CacheEntry): T {
  return (JSON.parse(entry.body.toString('utf8')) as { value: T }).value;
}

function inDraftMode(store: RequestStore): boolean {
  const cookie = store.req.headers.cookie;
  return cookie !== undefined && cookie.includes('__prerender_bypass=') && parseCookie(cookie).get('__prerender_bypass') === store.draftModeId;
}

/** The implicit tags of the route being served: revalidatePath() on it also reaches the data it read. */
function softTags(store: RequestStore): string[] {
  return implicitTags(store.route, routedTarget(store.req)?.pathname ?? '/');
}
