import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from 'express';
import { requestStorage, type RequestMode, type RequestStore, type RevalidationTarget } from '../context/request-store';
import { sendResponse } from '../http/response';
import { parseCookieHeader, ResponseCookies } from '../next/cookies';
import {
  getAccessFallbackHTTPStatus,
  getRedirectStatusCodeFromError,
  getURLFromRedirectError,
  isHTTPAccessFallbackError,
  isRedirectError,
} from '../next/navigation';
import type { NextRequest } from '../next/request';
import { dynamicErrorRequest, forceStaticRequest } from '../http/static-request';
import { invalidResult, thrownError } from './errors';
import type { RouteHandler } from './methods';

/** What a route contributes to every call of its handlers, fixed at startup. */
export interface RouteContext {
  file: string;
  /** The route's pattern, as Next names routes in its messages. */
  route: string;
  /** What handlers may see of the request, per method (from the `dynamic` segment config). */
  modes: Record<string, RequestMode>;
  authInterrupts: boolean;
  draftModeId: string;
  /** Where `revalidatePath()`/`revalidateTag()` go. */
  cache?: RevalidationTarget;
}

/** What a handler call came to: a response to send (Set-Cookie list already merged), or an error for Express. */
export type Outcome = { kind: 'response'; response: Response; setCookies?: string[] } | { kind: 'error'; error: unknown };

export interface HandlerCall {
  context: RouteContext;
  handler: RouteHandler;
  request: NextRequest;
  params: unknown;
  req: ExpressRequest;
  res: ExpressResponse;
  /** The request's path and query, for error messages. */
  url: string;
  /** Overrides the route's mode for this call (a static candidate's generation forbids request data). */
  mode?: RequestMode;
}

/**
 * Calls one handler inside its request scope (for `next/headers`, `after()`, …): thrown
 * `redirect()`/`notFound()` become their responses, `cookies()` changes join the response, and
 * anything else that goes wrong is reported as a descriptive error. `done` also gets the scope,
 * which records whether the handler touched request data.
 */
export function callHandler(call: HandlerCall, done: (outcome: Outcome, store: RequestStore) => void): void {
  const { context, req, url } = call;
  const method = req.method;
  const mode = call.mode ?? context.modes[method] ?? 'auto';
  let request = call.request;
  if (mode === 'force-static') request = forceStaticRequest(request);
  else if (mode === 'error') request = dynamicErrorRequest(request);
  const store: RequestStore = {
    request,
    req,
    res: call.res,
    mode,
    route: context.route,
    authInterrupts: context.authInterrupts,
    draftModeId: context.draftModeId,
    cache: context.cache,
  };
  // revalidatePath()/revalidateTag() land in the cache before the answer goes out.
  const report = (outcome: Outcome): void => {
    const pending = store.pendingRevalidations;
    if (!pending) return done(outcome, store);
    store.pendingRevalidations = undefined;
    void Promise.allSettled(pending).then(() => done(outcome, store));
  };

  const finish = (result: unknown): void => {
    const invalid = invalidResult(context.file, method, url, result);
    if (invalid) return report({ kind: 'error', error: invalid });
    const response = result as Response;
    const setCookies = store.mutableCookies ? withMutableCookies(response.headers.getSetCookie(), store.mutableCookies, req) : undefined;
    report({ kind: 'response', response, setCookies });
  };
  const settle = (error: unknown): void => {
    if (isRedirectError(error)) {
      const status = looksLikeServerAction(req) ? 303 : getRedirectStatusCodeFromError(error);
      const setCookies = store.mutableCookies ? withMutableCookies([], store.mutableCookies, req) : undefined;
      return report({ kind: 'response', response: new Response(null, { status, headers: { location: getURLFromRedirectError(error) } }), setCookies });
    }
    if (isHTTPAccessFallbackError(error)) {
      return report({ kind: 'response', response: new Response(null, { status: getAccessFallbackHTTPStatus(error) }) });
    }
    report({ kind: 'error', error: thrownError(context.file, method, url, error) });
  };

  let result: unknown;
  try {
    result = requestStorage.run(store, call.handler, request, { params: call.params });
  } catch (error) {
    return settle(error);
  }
  if (result instanceof Promise) result.then(finish, settle);
  else finish(result);
}

/** Calls the handler and answers on Express's `res`; errors go to `next`. */
export function runHandler(call: HandlerCall, next: NextFunction): void {
  callHandler(call, (outcome) => {
    if (outcome.kind === 'error') return fail(call.res, next, outcome.error);
    const { context, req, res, url } = call;
    sendResponse(res, outcome.response, req.method === 'HEAD', outcome.setCookies)?.catch((error: unknown) =>
      fail(res, next, thrownError(context.file, req.method, url, error)),
    );
  });
}

/** Before headers went out an error is Express's; after, the socket is cut. */
export function fail(res: ExpressResponse, next: NextFunction, error: unknown): void {
  // A client that went away is not an error (the handler may fail reading its body).
  if (res.destroyed) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  next(error);
}

/**
 * Next's merge of `cookies()` changes into the response's Set-Cookie list: the response's cookies
 * first, then the changed ones; for one name the response's own cookie wins. Everything is
 * re-serialised, as Next does once anything changed.
 */
function withMutableCookies(responseCookies: string[], mutable: ResponseCookies, req: ExpressRequest): string[] | undefined {
  const changed = inRequestOrder(mutable.getAll(), req);
  if (changed.length === 0) return undefined;
  const headers = new Headers();
  for (const line of responseCookies) headers.append('set-cookie', line);
  const merged = new ResponseCookies(headers);
  const returned = merged.getAll();
  for (const cookie of changed) merged.set(cookie);
  for (const cookie of returned) merged.set(cookie);
  return headers.getSetCookie();
}

/**
 * Next keeps `cookies()` changes in a store seeded with the request's cookies, so changed request
 * cookies come first, in the order the client sent them, then new names in the order they were set.
 */
function inRequestOrder<T extends { name: string }>(changed: T[], req: ExpressRequest): T[] {
  if (changed.length < 2 || !req.headers.cookie) return changed;
  const position = new Map([...parseCookieHeader(req.headers.cookie).keys()].map((name, index) => [name, index]));
  const sent = changed.filter((cookie) => position.has(cookie.name));
  sent.sort((a, b) => position.get(a.name)! - position.get(b.name)!);
  return [...sent, ...changed.filter((cookie) => !position.has(cookie.name))];
}

/** Next answers redirects with 303 when a POST looks like a Server Action submission. */
function looksLikeServerAction(req: ExpressRequest): boolean {
  if (req.method !== 'POST') return false;
  if (req.headers['next-action'] !== undefined) return true;
  const type = req.headers['content-type'];
  return type === 'application/x-www-form-urlencoded' || type?.startsWith('multipart/form-data') === true;
}
