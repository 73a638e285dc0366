import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from 'express';
import { requestStorage, type RequestMode, type RequestStore, type RevalidationTarget } from '../context/request-store';
import { closeIfUndrainable } from '../http/request-body';
import { sendResponse } from '../http/response';
import { MutableRequestCookies, ResponseCookies } from '../next/cookies';
import {
  getAccessFallbackHTTPStatus,
  getRedirectStatusCodeFromError,
  getURLFromRedirectError,
  isHTTPAccessFallbackError,
  isRedirectError,
} from '../next/navigation';
import type { NextRequest } from '../next/request';
import { abortSignalFor } from '../http/request-signal';
import { bodilessForceStaticRequest, dynamicErrorRequest, forceStaticRequest } from '../http/static-request';
import { startDeadline } from './deadline';
import { bodyStreamError, invalidResult, isError, thrownError, unsendableResponse } from './errors';
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
  /** Seconds a call may run before the client gets a 504 (`maxDuration`); none when undefined. */
  maxDuration?: number;
  /** Reports a failure that no response can carry any more (a body stream that broke mid-way). */
  logError: (error: Error) => void;
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
  const request = mode === 'force-static' ? forceStatic(call) : mode === 'error' ? dynamicErrorRequest(call.request) : call.request;
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

  // Both run in a promise callback: whatever they throw (a Response subclass with odd getters, a
  // redirect() URL that no header may hold) must become the outcome, not an unhandled rejection.
  const finish = (result: unknown): void => {
    let outcome: Outcome;
    try {
      const invalid = invalidResult(context.file, method, url, result);
      if (invalid) {
        outcome = { kind: 'error', error: invalid };
      } else {
        const response = result as Response;
        const setCookies = store.mutableCookies ? withMutableCookies(response.headers.getSetCookie(), store.mutableCookies) : undefined;
        outcome = { kind: 'response', response, setCookies };
      }
    } catch (error) {
      outcome = { kind: 'error', error: thrownError(context.file, method, url, error) };
    }
    report(outcome);
  };
  const settle = (thrown: unknown): void => {
    let outcome: Outcome;
    try {
      outcome = navigationOutcome(thrown, store, req) ?? { kind: 'error', error: thrownError(context.file, method, url, thrown) };
    } catch (error) {
      outcome = { kind: 'error', error: thrownError(context.file, method, url, error) };
    }
    report(outcome);
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

/** The request a `force-static` handler sees; a GET's is built from the path alone (a static route's request is only built on demand). */
function forceStatic(call: HandlerCall): NextRequest {
  const method = call.req.method;
  if (method !== 'GET' && method !== 'HEAD') return forceStaticRequest(call.request);
  const { url, res } = call;
  const queryStart = url.indexOf('?');
  // Next's sanitised URL has no basePath: the path below the mount.
  const mount = call.req.baseUrl;
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  return bodilessForceStaticRequest(method, (mount && path.startsWith(mount) ? path.slice(mount.length) : path) || '/', () => abortSignalFor(res));
}

/** A thrown `redirect()`, `notFound()`, `forbidden()` or `unauthorized()` as the response Next gives it. */
function navigationOutcome(thrown: unknown, store: RequestStore, req: ExpressRequest): Outcome | undefined {
  if (isRedirectError(thrown)) {
    const status = looksLikeServerAction(req) ? 303 : getRedirectStatusCodeFromError(thrown);
    const setCookies = store.mutableCookies ? withMutableCookies([], store.mutableCookies) : undefined;
    return { kind: 'response', response: new Response(null, { status, headers: { location: getURLFromRedirectError(thrown) } }), setCookies };
  }
  if (isHTTPAccessFallbackError(thrown)) {
    return { kind: 'response', response: new Response(null, { status: getAccessFallbackHTTPStatus(thrown) }) };
  }
  return undefined;
}

/** Calls the handler and answers on Express's `res`; errors go to `next`; `maxDuration` bounds the wait. */
export function runHandler(call: HandlerCall, next: NextFunction): void {
  const { context, req, res, url } = call;
  if (context.maxDuration) startDeadline(req, res, context.maxDuration, { file: context.file, method: req.method, url }, context.logError);
  callHandler(call, (outcome) => {
    if (outcome.kind === 'error') return fail(res, next, outcome.error, context.logError);
    sendOutcome(res, outcome.response, outcome.setCookies, next, call);
  });
}

/**
 * Sends a handler's response, or hands on why it cannot be sent: to Express while nothing went
 * out, else to the log as the connection is cut. Never throws, never leaves a promise unhandled.
 */
export function sendOutcome(
  res: ExpressResponse,
  response: Response,
  setCookies: string[] | undefined,
  next: NextFunction,
  { context, req, url }: Pick<HandlerCall, 'context' | 'req' | 'url'>,
  defaults?: Iterable<[string, string]>,
): void {
  // Answered meanwhile (a limit's 413 or 504) or the client is gone: nobody is left to read this.
  if (res.writableEnded || res.destroyed) return discardBody(response);
  if (req.method !== 'GET' && req.method !== 'HEAD') closeIfUndrainable(req, res);
  let streaming: Promise<void> | undefined;
  try {
    streaming = sendResponse(res, response, req.method === 'HEAD', setCookies, defaults);
  } catch (error) {
    return fail(res, next, unsendableResponse(context.file, req.method, url, error), context.logError);
  }
  streaming?.catch((error: unknown) => fail(res, next, bodyStreamError(context.file, req.method, url, error), context.logError));
}

function discardBody(response: Response): void {
  try {
    if (!response.bodyUsed) response.body?.cancel().catch(() => {});
  } catch {
    // a Response subclass with a throwing body getter holds nothing to release
  }
}

/**
 * Before headers went out an error is Express's; after, it is logged and the connection cut, so
 * the client sees an incomplete response rather than a complete-looking truncated one.
 */
export function fail(res: ExpressResponse, next: NextFunction, error: unknown, logError: (error: Error) => void): void {
  // A client that went away is not an error (the handler may fail reading its body), and a
  // response already ended was answered for this request by a limit (413, 504).
  if (res.destroyed || res.writableEnded) return;
  if (res.headersSent) {
    logError(isError(error) ? error : new Error(String(error)));
    // Node sends what was written on the next tick (the socket is corked until then): let that go
    // out, so the client sees a truncated body, then cut — not a graceful end a slow reader could hold open.
    setImmediate(() => res.destroy());
    return;
  }
  next(error);
}

/**
 * Next's merge of `cookies()` changes into the response's Set-Cookie list: the response's cookies
 * first, then the changed ones; for one name the response's own cookie wins. Everything is
 * re-serialised, as Next does once anything changed.
 */
function withMutableCookies(responseCookies: string[], mutable: MutableRequestCookies): string[] | undefined {
  const changed = MutableRequestCookies.changedIn(mutable);
  if (changed.length === 0) return undefined;
  const headers = new Headers();
  for (const line of responseCookies) headers.append('set-cookie', line);
  const merged = new ResponseCookies(headers);
  const returned = merged.getAll();
  for (const cookie of changed) merged.set(cookie);
  for (const cookie of returned) merged.set(cookie);
  return headers.getSetCookie();
}

/** Next answers redirects with 303 when a POST looks like a Server Action submission. */
function looksLikeServerAction(req: ExpressRequest): boolean {
  if (req.method !== 'POST') return false;
  if (req.headers['next-action'] !== undefined) return true;
  const type = req.headers['content-type'];
  return type === 'application/x-www-form-urlencoded' || type?.startsWith('multipart/form-data') === true;
}
