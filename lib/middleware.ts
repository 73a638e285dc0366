import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from 'express';
import { AUTO_OPTIONS, type RouteHandler } from './dispatch/methods';
import { decodeParams, paramsArgument } from './dispatch/params';
import { runHandler } from './dispatch/run-handler';
import { createNextRequest } from './http/request';
import type { NextRequest } from './next/request';
import { declaredLength, discardRemainingBody, PayloadTooLargeError } from './http/request-body';
import { originalTarget, requestOrigin, routedTarget } from './http/request-url';
import { byteLimit, refuseBody } from './http/limits';
import { loadApp, type LoadedRoute } from './load/load-app';
import { paramsKey, pathFor } from './load/static-params';
import type { CacheHandler } from './cache/cache-handler';
import { MemoryCacheHandler } from './cache/memory-cache';
import { StaticCache } from './cache/static-cache';
import { prerenderRoutes } from './cache/prerender';
import { resolvePath } from './routing/resolve';
import type { RouteTable } from './routing/route-table';

export interface RouteHandlersOptions {
  /** The folder holding `route.ts` files (like Next's `app/`), absolute or relative to the working directory. */
  appDir: string;
  /** Next's `trailingSlash`: false redirects `/a/` to `/a`, true redirects `/a` to `/a/`. */
  trailingSlash?: boolean;
  /** Pins the origin of `request.url` (e.g. `https://api.example.com`) instead of taking it from the request. */
  origin?: string;
  /** Extensions of route files; default `['tsx', 'ts', 'jsx', 'js']`. */
  pageExtensions?: string[];
  /** Next's `experimental.authInterrupts`: `forbidden()`/`unauthorized()` answer 403/401 instead of failing. */
  authInterrupts?: boolean;
  /**
   * The `__prerender_bypass` cookie value that enables draft mode (Next's preview mode id). Give
   * every instance of an app the same value; the default is random per middleware.
   */
  draftModeId?: string;
  /**
   * Where startup warnings go (`warn`), and failures no response can report any more (`error`:
   * a body stream that broke mid-way, a handler past its `maxDuration`; `warn` when absent).
   * Default `console`.
   */
  logger?: Logger;
  /** Storage of the static-route cache: in memory by default (50 MB, LRU); `RedisCacheHandler` to share it. */
  cache?: CacheHandler;
  /**
   * Generate static routes (and `generateStaticParams` paths) during `ready`, as `next build` does,
   * for a mount at `/`; `{ mountPath: '/docs' }` for `app.use('/docs', handlers)`. The mount path is
   * the app's basePath, which a generation may see, and a middleware learns it only from requests.
   */
  prerender?: boolean | { mountPath: string };
  /** `escape: true` escapes `& < > " '` in generated sitemap.xml files; Next (and the default) writes values raw. */
  sitemap?: { escape?: boolean };
  /**
   * Largest request body a handler may receive, in bytes or as `'1mb'`; a larger one answers 413.
   * Default none, as Next's route handlers (Express's own body parsers default to 100kb).
   */
  bodyLimit?: number | string;
  /**
   * Seconds a handler may run before its `request.signal` aborts and the client gets a 504; a
   * route's `export const maxDuration` wins. Default none, as a self-hosted `next start`.
   */
  maxDuration?: number;
  /** Seconds a static generation may take before the requests waiting for it get a 500 (Next's default: 60). */
  staticPageGenerationTimeout?: number;
  /**
   * What a request gets for a method its route file does not export. `'respond'` (the default, as
   * Next): 405 with `Allow`, and an automatic OPTIONS. `'next'`: it passes to the rest of the Express
   * app, so `GET /users` can move to a route file while `POST /users` stays an Express route; HEAD
   * still comes with an exported GET, and OPTIONS is left to Express unless the file exports it.
   */
  otherMethods?: 'respond' | 'next';
}

export interface Logger {
  warn(message: string): void;
  error?(error: Error): void;
}

export interface RouteInfo {
  /** URL pattern relative to the mount point, e.g. `/api/users/[id]`. */
  pattern: string;
  file: string;
  /** Methods the file exports, in Next's order. */
  methods: string[];
  /** `static`: GET answers come from the cache; `dynamic`: every request runs the handler. */
  rendering: 'static' | 'dynamic';
  /** Seconds a static answer stays fresh; `false`: until revalidated. */
  revalidate?: number | false;
  /** Open Graph / Twitter images: the `alt` export or `.alt.txt` text, for the app's own `<meta>` tags. */
  alt?: string;
}

export interface RouteHandlersMiddleware {
  (req: ExpressRequest, res: ExpressResponse, next: NextFunction): void;
  /** Resolves once route files are discovered and loaded; rejects naming the files on any startup problem. */
  readonly ready: Promise<void>;
  /** The route table in matching order (empty until `ready`). */
  readonly routes: readonly RouteInfo[];
  /** The next request to `path` (relative to the mount) regenerates before answering; for code outside route files. */
  revalidatePath(path: string, type?: 'page' | 'layout'): Promise<void>;
  /** Marks static answers tagged `tag` stale (`'max'`, a profile) or expired (`{ expire: 0 }`). */
  revalidateTag(tag: string, profile?: string | { expire?: number }): Promise<void>;
  /** Removes compiled route files and closes the cache; the middleware answers nothing afterwards. */
  close(): Promise<void>;
}

export function routeHandlers(options: RouteHandlersOptions): RouteHandlersMiddleware {
  const appDir = path.resolve(options.appDir);
  const trailingSlash = options.trailingSlash ?? false;
  const fixedOrigin = options.origin?.replace(/\/+$/, '');
  let table: RouteTable<LoadedRoute> | undefined;
  let failure: unknown;
  let outDir = '';

  const draftModeId = options.draftModeId ?? randomBytes(16).toString('hex');
  const bodyLimit = byteLimit(options.bodyLimit);
  const logger = options.logger ?? console;
  const warn = (message: string) => logger.warn(`express-route-handlers: ${message}`);
  const logError = (error: Error) => (logger.error ? logger.error(error) : warn(error.message));
  const cacheHandler = options.cache ?? new MemoryCacheHandler();
  const staticCache = new StaticCache(cacheHandler, warn);
  const prerenderMount = prerenderMountOf(options.prerender);
  const passOtherMethods = otherMethodsOption(options.otherMethods) === 'next';
  let otherMountWarned = false;
  const ready = loadApp({
    appDir,
    pageExtensions: options.pageExtensions ?? ['tsx', 'ts', 'jsx', 'js'],
    authInterrupts: options.authInterrupts ?? false,
    draftModeId,
    cache: staticCache,
    prerender: prerenderMount !== undefined,
    escapeSitemap: options.sitemap?.escape ?? false,
    maxDuration: seconds(options.maxDuration, 'maxDuration'),
    staticPageGenerationTimeout: seconds(options.staticPageGenerationTimeout, 'staticPageGenerationTimeout') ?? 60,
    warn,
    logError,
  }).then(
    async (loaded) => {
      outDir = loaded.outDir;
      if (prerenderMount !== undefined) await prerenderRoutes(loaded.table, staticCache, prerenderMount, warn);
      table = loaded.table;
    },
    (error: unknown) => {
      failure = error;
      throw error;
    },
  );
  // Awaiting `ready` is optional; its rejection still reaches requests through next(err).
  ready.catch(() => {});

  function middleware(req: ExpressRequest, res: ExpressResponse, next: NextFunction): void {
    if (table) return handle(table, req, res, next);
    if (failure) return next(failure);
    ready.then(() => handle(table!, req, res, next), next);
  }

  function handle(routes: RouteTable<LoadedRoute>, req: ExpressRequest, res: ExpressResponse, next: NextFunction): void {
    const target = routedTarget(req);
    if (!target) return next();
    const { pathname, search: query } = target;
    const resolution = resolvePath(routes, pathname, trailingSlash);
    if (!resolution) return next();
    const method = req.method;
    const handler = resolution.match.route.value.methods.handlers[method];
    // A method the file does not serve is not ours to redirect either.
    if (passOtherMethods && (handler === undefined || handler === AUTO_OPTIONS)) return next();
    if (resolution.kind === 'redirect') return permanentRedirect(res, req.baseUrl + resolution.pathname + query);
    const original = req.originalUrl === req.url ? target : originalTarget(req);
    if (req.baseUrl) {
      // Express gives a mount point's `/v2` and `/v2/` the same req.url ('/'): apply the slash rule to the mount itself.
      if (pathname === '/') {
        const mountPath = trailingSlash ? `${req.baseUrl}/` : req.baseUrl;
        if (original.pathname !== mountPath) return permanentRedirect(res, mountPath + query);
      } else if (original.pathname.startsWith(`${req.baseUrl}//`)) {
        // Express 4 mounts `/v2` on `/v2//admin/x` by swallowing a slash: a guard on `/v2/admin` never saw this path.
        return permanentRedirect(res, req.baseUrl + pathname + query);
      }
    }
    const originalUrl = original.pathname + original.search;

    const { route, captures } = resolution.match;
    const loaded = route.value;
    if (handler === undefined) return emptyResponse(res, 405, loaded.methods.allow);
    if (handler === AUTO_OPTIONS) return emptyResponse(res, 204, loaded.methods.allow);

    let params: ReturnType<typeof paramsArgument> | undefined;
    let decoded: ReturnType<typeof decodeParams> | undefined;
    if (loaded.dynamic) {
      decoded = decodeParams(loaded.params, captures);
      if (!decoded) return emptyResponse(res, 400);
      // dynamicParams = false: params generateStaticParams did not list are not this route's.
      if (loaded.onlyParams && !loaded.onlyParams.has(paramsKey(loaded.params, decoded))) return next();
      params = paramsArgument(decoded);
    }
    const origin = fixedOrigin ?? requestOrigin(req);
    // RFC 9112: a Host that is not a host name makes a bad request, whatever would answer it.
    if (origin === undefined) return emptyResponse(res, 400);
    if (bodyLimit !== undefined && method !== 'GET' && method !== 'HEAD' && (declaredLength(req) ?? 0) > bodyLimit) {
      return refuseBody(req, res, new PayloadTooLargeError(bodyLimit));
    }
    const context = loaded.context;
    const policy = loaded.staticPolicy;
    const cacheable = policy !== undefined && (method === 'GET' || method === 'HEAD') && !staticCache.isDynamic(context.file);
    if (cacheable && !inDraftMode(req, draftModeId)) {
      // A cached answer never looks at the request: build it only if the handler runs.
      let request: NextRequest | undefined;
      const lazyCall = { context, handler: handler as RouteHandler, params, req, res, url: originalUrl, get request() { return (request ??= createNextRequest(req, res, origin + originalUrl)); } };
      if (prerenderMount !== undefined && req.baseUrl !== prerenderMount && !otherMountWarned) {
        otherMountWarned = true;
        warn(`static routes were prerendered for the mount path "${prerenderMount}", but requests arrive under "${req.baseUrl}": those are generated on first request (set prerender: { mountPath }).`);
      }
      // Every encoding of one path (`%61lpha`, `alpha`) shares the entry of its canonical form, as prerendered.
      const canonical = decoded ? pathFor(route.segments, decoded) : pathname;
      return staticCache.handle(lazyCall, policy, canonical, req.baseUrl, next);
    }
    let request;
    try {
      request = createNextRequest(req, res, origin + originalUrl, bodyLimit);
    } catch (error) {
      // A body that an earlier body parser read past the limit; else a URL the platform refuses.
      if (error instanceof PayloadTooLargeError) return refuseBody(req, res, error);
      return emptyResponse(res, 400);
    }
    if (method !== 'GET' && method !== 'HEAD') res.once('finish', () => discardRemainingBody(req));
    if (cacheable) {
      // Draft mode bypasses the cache (Next still says HIT).
      res.setHeader('Cache-Control', 'private, no-cache, no-store, max-age=0, must-revalidate');
      res.setHeader('x-nextjs-cache', 'HIT');
    }
    runHandler({ context, handler: handler as RouteHandler, request, params, req, res, url: originalUrl }, next);
  }

  return Object.defineProperties(middleware, {
    ready: { value: ready, enumerable: true },
    routes: {
      enumerable: true,
      get: (): readonly RouteInfo[] =>
        (table?.routes ?? []).map((route) => {
          const policy = staticCache.isDynamic(route.file) ? undefined : route.value.staticPolicy;
          return {
            pattern: route.pattern,
            file: route.file,
            methods: [...route.value.methods.exported],
            rendering: policy ? ('static' as const) : ('dynamic' as const),
            ...(policy ? { revalidate: policy.revalidate } : {}),
            ...(route.value.alt !== undefined ? { alt: route.value.alt } : {}),
          };
        }),
    },
    revalidatePath: { value: (path: string, type?: 'page' | 'layout') => staticCache.revalidatePath(path, type) },
    revalidateTag: { value: (tag: string, profile?: string | { expire?: number }) => staticCache.revalidateTag(tag, profile ?? { expire: 0 }) },
    close: {
      value: async (): Promise<void> => {
        await ready.catch(() => {});
        if (outDir) rmSync(outDir, { recursive: true, force: true });
        outDir = '';
        await cacheHandler.close?.();
      },
    },
  }) as RouteHandlersMiddleware;
}

/** The mount path `prerender` generates for, or undefined without prerendering; a mistake fails at startup. */
function prerenderMountOf(prerender: RouteHandlersOptions['prerender']): string | undefined {
  if (!prerender) return undefined;
  if (prerender === true) return '';
  const mountPath = prerender.mountPath;
  if (typeof mountPath !== 'string' || (mountPath !== '' && !/^\/.*[^/]$|^\/$/.test(mountPath))) {
    throw new TypeError(`routeHandlers: prerender.mountPath must be a path such as '/docs', got ${JSON.stringify(mountPath)}`);
  }
  return mountPath === '/' ? '' : mountPath;
}

function otherMethodsOption(value: RouteHandlersOptions['otherMethods']): 'respond' | 'next' {
  if (value === undefined || value === 'respond' || value === 'next') return value ?? 'respond';
  throw new TypeError(`routeHandlers: otherMethods must be 'respond' or 'next', got ${JSON.stringify(value)}`);
}

/** A time option in seconds; a mistake fails at startup. */
function seconds(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new TypeError(`routeHandlers: ${name} must be a number of seconds, got ${String(value)}`);
  }
  return value;
}

function inDraftMode(req: ExpressRequest, draftModeId: string): boolean {
  const cookie = req.headers.cookie;
  return cookie !== undefined && cookie.includes(`__prerender_bypass=${draftModeId}`);
}

function emptyResponse(res: ExpressResponse, status: number, allow?: string): void {
  res.statusCode = status;
  if (allow) res.setHeader('Allow', allow);
  res.end();
}

/** Next's 308 for `//` and trailing-slash fixes: relative Location, Refresh, the target as body. */
function permanentRedirect(res: ExpressResponse, location: string): void {
  res.statusCode = 308;
  res.setHeader('Location', location);
  res.setHeader('Refresh', `0;url=${location}`);
  res.setHeader('Content-Length', Buffer.byteLength(location));
  res.end(location);
}
