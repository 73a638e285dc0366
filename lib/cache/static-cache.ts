import { createHash } from 'node:crypto';
import { validateHeaderValue } from 'node:http';
import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from 'express';
import { staticGenerationStorage, type RequestMode, type RequestStore, type RevalidationTarget, type StaticGeneration } from '../context/request-store';
import { bodyStreamError, RouteHandlerError, unsendableResponse } from '../dispatch/errors';
import { callHandler, fail, runHandler, sendOutcome, type HandlerCall } from '../dispatch/run-handler';
import { isFresh } from '../http/conditional';
import { applyHeaders, endWith } from '../http/response';
import type { CacheEntry, CacheHandler } from './cache-handler';
import { DataCache } from './data-cache';
import { cacheKey, DEFAULT_EXPIRE, freshness, implicitTags } from './entries';

/** How a static route is cached, decided at startup from its segment config. */
export interface StaticPolicy {
  revalidate: number | false;
  expire: number;
  /** `auto`: the first generation must not touch request data, else the route turns dynamic. */
  candidate: 'auto' | 'force-static' | 'error';
  /**
   * Seconds one generation may take (Next's `staticPageGenerationTimeout`, shortened by
   * `maxDuration`): past it, the requests waiting for it get a 500 and the next request tries again.
   */
  timeout: number;
}

/** A generation's lock outlives the generation's time limit by a second, so a live holder always releases it first. */
function lockTtlOf(policy: StaticPolicy): number {
  return policy.timeout * 1000 + 1000;
}

/** Headers a stored response never carries: framing is recomputed, the others are internal. */
const unstoredHeaders = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'x-next-cache-tags', 'set-cookie']);

type Generation =
  | { kind: 'entry'; entry: CacheEntry }
  /** Not cacheable (an error status, a failure): answered to the request that generated it only. */
  | { kind: 'answer'; send: (res: ExpressResponse, next: NextFunction) => void }
  /** It did not finish in time: every request that waited for it fails (running the handler again would wait as long). */
  | { kind: 'failed'; error: Error }
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

  /**
   * Answers a static GET or HEAD of `pathname` (below the mount). Entries are kept per `mount` too:
   * one middleware may serve several mounts (`/t/:tenant`, a mount path matched in another case),
   * and an answer built from one must not be served under another.
   */
  handle(call: HandlerCall, policy: StaticPolicy, pathname: string, mount: string, next: NextFunction): void {
    this.serve(call, policy, pathname, mount, next).catch((error: unknown) => fail(call.res, next, error, call.context.logError));
  }

  private async serve(call: HandlerCall, policy: StaticPolicy, pathname: string, mount: string, next: NextFunction): Promise<void> {
    if (this.handler.available?.() === false) return this.answerUncached(call, policy, next);
    const key = cacheKey(mount + pathname);
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
      if (generation.kind === 'failed') return fail(call.res, next, generation.error, call.context.logError);
      // The winner's answer was not cacheable and cannot be shared: this request gets its own.
      return runHandler(call, next);
    }
    const flight = this.lockedGeneration(key, call, policy, pathname).finally(() => this.flights.delete(key));
    this.flights.set(key, flight);
    const generation = await flight;
    if (generation.kind === 'entry') return serveEntry(call.req, call.res, generation.entry, 'MISS');
    if (generation.kind === 'answer') return generation.send(call.res, next);
    if (generation.kind === 'failed') return fail(call.res, next, generation.error, call.context.logError);
    runHandler(call, next);
  }

  /**
   * While the storage is unreachable nothing can be kept or shared: each request runs the handler
   * as a generation would (a `force-static` one sees the sanitised request; an `auto` candidate
   * that reads request data turns dynamic, as then) and gets a MISS's headers, without an entry
   * being built or the storage being asked.
   */
  private answerUncached(call: HandlerCall, policy: StaticPolicy, next: NextFunction): void {
    const { res, context } = call;
    callHandler({ ...call, mode: generationMode(policy) }, (outcome, store) => {
      if (this.turnedDynamic(policy, store, context)) return runHandler(call, next);
      if (outcome.kind === 'error') return fail(res, next, outcome.error, context.logError);
      const { response, setCookies } = outcome;
      // An error status gets no cache headers, as when it is generated; the handler's own Cache-Control wins.
      const cached = response.status < 400 || response.status === 404;
      const headers: [string, string][] | undefined = cached ? [['cache-control', cacheControl(policy.revalidate, policy.expire)], ['x-nextjs-cache', 'MISS']] : undefined;
      sendOutcome(res, response, setCookies, next, call, headers);
    });
  }

  /** Whether an `auto` candidate's generation read request data; from then on its file is served dynamically. */
  private turnedDynamic(policy: StaticPolicy, store: RequestStore, context: HandlerCall['context']): boolean {
    if (policy.candidate !== 'auto' || !store.dynamicUsage) return false;
    if (!this.dynamicFiles.has(context.file)) {
      this.dynamicFiles.add(context.file);
      this.warn(`${context.route} (${context.file}) used ${store.dynamicUsage}, so it is served dynamically (not cached).`);
    }
    return true;
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

  /** Generates and stores the answer for `pathname` under `mount` ahead of any request (`prerender`). */
  async prerender(call: HandlerCall, policy: StaticPolicy, pathname: string, mount: string): Promise<'cached' | 'not cached'> {
    const generation = await this.lockedGeneration(cacheKey(mount + pathname), call, policy, pathname);
    return generation.kind === 'entry' ? 'cached' : 'not cached';
  }

  private async lockedGeneration(key: string, call: HandlerCall, policy: StaticPolicy, pathname: string): Promise<Generation> {
    const lockMs = lockTtlOf(policy);
    const lock = await this.handler.lock(key, lockMs);
    if (!lock) {
      // Another process is generating this key: wait for its entry rather than running the handler too.
      await this.handler.waitForUpdate(key, lockMs);
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
      const lock = await this.handler.lock(key, lockTtlOf(policy));
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
   * its revalidate period. Settles within the policy's time limit, whatever the handler does.
   */
  private generate(call: HandlerCall, policy: StaticPolicy, pathname: string): Promise<Generation> {
    const usage: StaticGeneration = { tags: new Set(), revalidate: policy.revalidate };
    const { context, req, url } = call;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ kind: 'failed', error: generationTimeout(context.file, req.method, url, policy.timeout) }), policy.timeout * 1000);
      const settle = (generation: Generation): void => {
        clearTimeout(timer);
        resolve(generation);
      };
      const failed = (error: unknown): Generation => ({ kind: 'answer', send: (res, next) => fail(res, next, error, context.logError) });
      const run = (): void => callHandler({ ...call, mode: generationMode(policy) }, (outcome, store) => {
        if (this.turnedDynamic(policy, store, context)) return settle({ kind: 'dynamic', expression: store.dynamicUsage! });
        if (outcome.kind === 'error') return settle(failed(outcome.error));
        const { response, setCookies } = outcome;
        if (response.status >= 400 && response.status !== 404) {
          return settle({ kind: 'answer', send: (res, next) => sendOutcome(res, response, setCookies, next, call) });
        }
        const stored = (bytes: ArrayBuffer): void => {
          try {
            settle({ kind: 'entry', entry: toEntry(response, Buffer.from(bytes), setCookies, policy, usage, context.route, pathname) });
          } catch (error) {
            settle(failed(unsendableResponse(context.file, req.method, url, error)));
          }
        };
        // A Response subclass may throw here rather than reject.
        try {
          response.arrayBuffer().then(stored, (error: unknown) => settle(failed(bodyStreamError(context.file, req.method, url, error))));
        } catch (error) {
          settle(failed(bodyStreamError(context.file, req.method, url, error)));
        }
      });
      staticGenerationStorage.run(usage, run);
    });
  }
}

/** What a generation's handler may see of the request: an `auto` candidate none of it (reading it tells the route is dynamic). */
function generationMode(policy: StaticPolicy): RequestMode | undefined {
  return policy.candidate === 'auto' ? 'error' : undefined;
}

/** Next's words for the same limit at build time are about pages; these name the route handler. */
function generationTimeout(file: string, method: string, url: string, seconds: number): RouteHandlerError {
  return new RouteHandlerError(
    `Static generation by route handler '${file}' did not finish within ${seconds} s (method: ${method}, url: ${url}); ` +
      'the time limit is the staticPageGenerationTimeout option, or the route\'s maxDuration when shorter.',
  );
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
  // Checked once here, as `res.setHeader` would on every HIT: an entry must always be sendable.
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers) {
    if (unstoredHeaders.has(name) || name.startsWith('x-middleware-')) continue;
    validateHeaderValue(name, value);
    headers[name] = value;
  }
  const cookies = setCookies ?? response.headers.getSetCookie();
  for (const cookie of cookies) validateHeaderValue('set-cookie', cookie);
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
  else endWith(res, entry.body);
}
