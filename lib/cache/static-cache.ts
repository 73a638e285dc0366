import { createHash } from 'node:crypto';
import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from 'express';
import { staticGenerationStorage, type RevalidationTarget, type StaticGeneration } from '../context/request-store';
import { callHandler, fail, runHandler, type HandlerCall } from '../dispatch/run-handler';
import { isFresh } from '../http/conditional';
import { applyHeaders, sendResponse } from '../http/response';
import type { CacheEntry, CacheHandler } from './cache-handler';
import { DataCache } from './data-cache';
import { cacheKey, DEFAULT_EXPIRE, freshness, implicitTags } from './entries';

// Shared with the Data Cache, whose module holds them (it must not import this one).

/** How long one regeneration may hold its lock before others may try. */
const LOCK_MS = 30_000;

/** How a static route is cached, decided at startup from its segment config. */
export interface StaticPolicy {
  revalidate: number | false;
  expire: number;
  /** `auto`: the first generation must not touch request data, else the route turns dynamic. */
  candidate: 'auto' | 'force-static' | 'error';
}

/** Headers a stored response never carries: framing is recomputed, the others are internal. */
const unstoredHeaders = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'x-next-cache-tags', 'set-cookie']);

type Generation =
  | { kind: 'entry'; entry: CacheEntry }
  /** Not cacheable (an error status, a failure): answered to the request that generated it only. */
  | { kind: 'answer'; send: (res: ExpressResponse, next: NextFunction) => void }
  /** It read request data: from now on the route is dynamic. */
  | { kind: 'dynamic'; expression: string };

/**
 * Static GET routes served from a cache: Next's `Cache-Control` and `x-nextjs-cache`, a strong
 * ETag and Last-Modified with 304s, stale-while-revalidate with one regeneration per key (also
 * across processes, through the handler's lock), and tag/path invalidation.
 */
export class StaticCache implements RevalidationTarget {
  private readonly flights = new Map<string, Promise<Generation>>();
  private readonly dynamicFiles = new Set<string>();
  /** `fetch()` in route files and `unstable_cache`: same storage, same tag invalidations. */
  readonly data: DataCache;

  constructor(
    private readonly handler: CacheHandler,
    private readonly warn: (message: string) => void,
  ) {
    this.data = new DataCache(handler, warn);
  }

  /** Whether a candidate turned out to read request data (then it is served like any dynamic route). */
  isDynamic(file: string): boolean {
    return this.dynamicFiles.has(file);
  }

  handle(call: HandlerCall, policy: StaticPolicy, pathname: string, next: NextFunction): void {
    this.serve(call, policy, pathname, next).catch((error: unknown) => fail(call.res, next, error));
  }

  private async serve(call: HandlerCall, policy: StaticPolicy, pathname: string, next: NextFunction): Promise<void> {
    const key = cacheKey(pathname);
    const entry = await this.handler.get(key);
    if (entry) {
      const state = freshness(entry, await this.handler.tagInvalidation(entry.tags), Date.now());
      if (state === 'fresh') return serveEntry(call.req, call.res, entry, 'HIT');
      if (state === 'stale') {
        serveEntry(call.req, call.res, entry, 'STALE');
        this.regenerate(key, call, policy, pathname, entry);
        return;
      }
    }
    const running = this.flights.get(key);
    if (running) {
      const generation = await running;
      if (generation.kind === 'entry') return serveEntry(call.req, call.res, generation.entry, 'MISS');
      // The winner's answer was not cacheable and cannot be shared: this request gets its own.
      return runHandler(call, next);
    }
    const flight = this.lockedGeneration(key, call, policy, pathname).finally(() => this.flights.delete(key));
    this.flights.set(key, flight);
    const generation = await flight;
    if (generation.kind === 'entry') return serveEntry(call.req, call.res, generation.entry, 'MISS');
    if (generation.kind === 'answer') return generation.send(call.res, next);
    runHandler(call, next);
  }

  /** `revalidatePath()`: the next request to that path regenerates before answering. */
  async revalidatePath(path: string, type?: 'page' | 'layout'): Promise<void> {
    if (path.length > 1024) {
      this.warn(`revalidatePath: the path is longer than 1024 characters and was ignored: ${path.slice(0, 64)}…`);
      return;
    }
    if (!type && /\[[^/]*\]/.test(path)) {
      this.warn(`revalidatePath("${path}") names a dynamic route: pass "page" or "layout" as the second argument to revalidate it.`);
      return;
    }
    const tag = type ? `_N_T_${path === '/' ? '' : cacheKey(path)}/${type}` : `_N_T_${cacheKey(path)}`;
    await this.handler.invalidateTags([tag], { expiredAt: Date.now() });
  }

  /**
   * `revalidateTag(tag, profile)`: with a profile (`'max'`, a cacheLife name, `{ expire }`) entries
   * go stale (served once more while they regenerate); `{ expire: 0 }` expires them at once.
   */
  async revalidateTag(tag: string, profile?: string | { expire?: number }): Promise<void> {
    const now = Date.now();
    const immediate = profile === undefined || (typeof profile === 'object' && profile.expire === 0);
    await this.handler.invalidateTags([tag], immediate ? { expiredAt: now } : { staleAt: now });
  }

  /** Generates and stores the answer for `pathname` ahead of any request (`prerender: true`). */
  async prerender(call: HandlerCall, policy: StaticPolicy, pathname: string): Promise<'cached' | 'not cached'> {
    const generation = await this.lockedGeneration(cacheKey(pathname), call, policy, pathname);
    return generation.kind === 'entry' ? 'cached' : 'not cached';
  }

  private async lockedGeneration(key: string, call: HandlerCall, policy: StaticPolicy, pathname: string): Promise<Generation> {
    const lock = await this.handler.lock(key, LOCK_MS);
    if (!lock) {
      // Another process is generating this key: wait for its entry rather than running the handler too.
      await this.handler.waitForUpdate(key, LOCK_MS);
      const entry = await this.usableEntry(key);
      return entry ? { kind: 'entry', entry } : this.generate(call, policy, pathname);
    }
    try {
      // Another process may have stored the entry between our miss and our lock.
      const entry = await this.usableEntry(key);
      if (entry) return { kind: 'entry', entry };
      const generation = await this.generate(call, policy, pathname);
      if (generation.kind === 'entry') await this.handler.set(key, generation.entry);
      return generation;
    } finally {
      await lock.release();
    }
  }

  /** The stored entry of `key` unless it is missing or expired. */
  private async usableEntry(key: string): Promise<CacheEntry | undefined> {
    const entry = await this.handler.get(key);
    if (entry && freshness(entry, await this.handler.tagInvalidation(entry.tags), Date.now()) !== 'expired') return entry;
    return undefined;
  }

  /** Background regeneration of a stale entry; a failure keeps the old entry for a short retry window. */
  private regenerate(key: string, call: HandlerCall, policy: StaticPolicy, pathname: string, previous: CacheEntry): void {
    if (this.flights.has(key)) return;
    const flight = (async (): Promise<Generation> => {
      const lock = await this.handler.lock(key, LOCK_MS);
      if (!lock) return { kind: 'answer', send: () => {} };
      try {
        const generation = await this.generate(call, policy, pathname);
        if (generation.kind === 'entry' && generation.entry.status < 500) {
          await this.handler.set(key, generation.entry);
        } else if (generation.kind !== 'dynamic') {
          await this.handler.set(key, retryEntry(previous));
        }
        return generation;
      } finally {
        await lock.release();
      }
    })();
    const tracked = flight
      .catch((error: unknown): Generation => {
        this.warn(`regenerating ${pathname} failed: ${(error as Error)?.message ?? error}`);
        return { kind: 'answer', send: () => {} };
      })
      .finally(() => this.flights.delete(key));
    this.flights.set(key, tracked);
  }

  /**
   * Runs the handler as a build would and buffers its answer into an entry when it may be cached.
   * The data it reads (cached fetches, unstable_cache) adds its tags to the entry and may shorten
   * its revalidate period.
   */
  private generate(call: HandlerCall, policy: StaticPolicy, pathname: string): Promise<Generation> {
    const usage: StaticGeneration = { tags: new Set(), revalidate: policy.revalidate };
    return new Promise((resolve) => {
      const run = (): void => callHandler({ ...call, mode: policy.candidate === 'auto' ? 'error' : undefined }, (outcome, store) => {
        if (policy.candidate === 'auto' && store.dynamicUsage) {
          if (!this.dynamicFiles.has(call.context.file)) {
            this.dynamicFiles.add(call.context.file);
            this.warn(`${call.context.route} (${call.context.file}) used ${store.dynamicUsage}, so it is served dynamically (not cached).`);
          }
          return resolve({ kind: 'dynamic', expression: store.dynamicUsage });
        }
        if (outcome.kind === 'error') {
          return resolve({ kind: 'answer', send: (res, next) => fail(res, next, outcome.error) });
        }
        const { response, setCookies } = outcome;
        if (response.status >= 400 && response.status !== 404) {
          const isHead = call.req.method === 'HEAD';
          return resolve({ kind: 'answer', send: (res, next) => sendResponse(res, response, isHead, setCookies)?.catch((error: unknown) => fail(res, next, error)) });
        }
        response.arrayBuffer().then(
          (bytes) => resolve({ kind: 'entry', entry: toEntry(response, Buffer.from(bytes), setCookies, policy, usage, call.context.route, pathname) }),
          (error: unknown) => resolve({ kind: 'answer', send: (res, next) => fail(res, next, error) }),
        );
      });
      staticGenerationStorage.run(usage, run);
    });
  }
}

function toEntry(
  response: Response,
  body: Buffer,
  setCookies: string[] | undefined,
  policy: StaticPolicy,
  usage: StaticGeneration,
  route: string,
  pathname: string,
): CacheEntry {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers) {
    if (!unstoredHeaders.has(name) && !name.startsWith('x-middleware-')) headers[name] = value;
  }
  const cookies = setCookies ?? response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  // Next stores a notFound() answer for a year, whatever the route's revalidate; otherwise the
  // shortest of the route's and its cached data's periods applies.
  const revalidate = response.status === 404 ? false : usage.revalidate;
  const tags = implicitTags(route, pathname);
  for (const tag of usage.tags) if (!tags.includes(tag)) tags.push(tag);
  return {
    status: response.status,
    headers,
    body,
    etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
    generatedAt: Date.now(),
    revalidate,
    expire: policy.expire,
    tags,
  };
}

/** After a failed regeneration: the old entry, fresh again for Next's 3–30 s retry window. */
function retryEntry(previous: CacheEntry): CacheEntry {
  const retry = Math.min(Math.max(previous.revalidate || 3, 3), 30);
  return { ...previous, generatedAt: Date.now(), revalidate: retry, expire: Math.max(retry + 3, previous.expire) };
}

/** Next's `Cache-Control` for a static answer. */
export function cacheControl(revalidate: number | false, expire: number): string {
  if (revalidate === 0) return 'private, no-cache, no-store, max-age=0, must-revalidate';
  const maxAge = revalidate === false ? DEFAULT_EXPIRE : revalidate;
  return expire > maxAge ? `s-maxage=${maxAge}, stale-while-revalidate=${expire - maxAge}` : `s-maxage=${maxAge}`;
}

function serveEntry(req: ExpressRequest, res: ExpressResponse, entry: CacheEntry, state: 'HIT' | 'MISS' | 'STALE'): void {
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(entry.headers)) if (name !== 'set-cookie') pairs.push([name, value as string]);
  const cookies = entry.headers['set-cookie'];
  applyHeaders(res, pairs, Array.isArray(cookies) ? cookies : undefined);
  if (entry.headers['cache-control'] === undefined) res.setHeader('Cache-Control', cacheControl(entry.revalidate, entry.expire));
  res.setHeader('x-nextjs-cache', state);
  if (entry.headers.etag === undefined) res.setHeader('ETag', entry.etag);
  if (entry.headers['last-modified'] === undefined) res.setHeader('Last-Modified', new Date(entry.generatedAt).toUTCString());
  if (entry.status >= 200 && entry.status < 300 && isFresh(req, res)) {
    // A 304 keeps ETag, Cache-Control and Vary, and drops what describes the body.
    res.statusCode = 304;
    res.removeHeader('Content-Type');
    res.removeHeader('Content-Length');
    res.end();
    return;
  }
  res.statusCode = entry.status;
  res.setHeader('Content-Length', entry.body.byteLength);
  if (req.method === 'HEAD') res.end();
  else res.end(entry.body);
}
