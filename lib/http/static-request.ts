// The request a handler sees under `dynamic = 'force-static'` and `dynamic = 'error'` (Next.js 16:
// server/route-modules/app-route/module.ts, `forceStaticRequestHandlers` and
// `requireStaticRequestHandlers`).
//
// Next wraps the request in a Proxy. We build a fresh NextRequest subclass instead: platform code
// reads a Request's internal state, not its getters, so `new Request(proxy)` or `fetch(proxy)`
// would copy the original URL and headers (or, where the platform keeps that state in private
// fields, fail its brand check). The subclass is a real Request whose internal state is the
// sanitised one, so nothing of the original URL or headers leaks through those paths.

import { requestStorage } from '../context/request-store';
import { RequestCookies } from '../next/cookies';
import { NextURL } from '../next/next-url';
import { readonlyHeaders, readonlyRequestCookies } from '../next/readonly';
import { basePathOf, directBody, lazySignal, NextRequest, type NextRequestInit } from '../next/request';

/** The origin Next gives every force-static request, whatever port it serves on. */
export const FORCE_STATIC_ORIGIN = 'http://localhost:3000';

const NEXT_STATIC_GEN_BAILOUT = 'NEXT_STATIC_GEN_BAILOUT';

/** Next's error for request data read under `dynamic = 'error'` (recognisable by `code`, as in Next). */
export class StaticGenBailoutError extends Error {
  readonly code = NEXT_STATIC_GEN_BAILOUT;
}

export function isStaticGenBailoutError(error: unknown): error is StaticGenBailoutError {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === NEXT_STATIC_GEN_BAILOUT;
}

const requestUrl = Object.getOwnPropertyDescriptor(Request.prototype, 'url')!.get!;
const requestClone = Request.prototype.clone;

/** The URL the platform Request holds (NextRequest's `url` getter normalises it). */
function internalUrl(request: Request): string {
  return requestUrl.call(request) as string;
}

/**
 * A fresh request of class `make` for `url` that carries `source`'s method and body (the same
 * stream object, so the socket shortcut of `directBody` still applies), and `source`'s signal.
 */
function rebuild<T extends NextRequest>(
  source: Request,
  url: string,
  headers: HeadersInit,
  signalOf: () => AbortSignal,
  make: (url: string, init: NextRequestInit) => T,
): T {
  const init: NextRequestInit = {
    method: source.method,
    headers,
    cache: source.cache,
    credentials: source.credentials,
    integrity: source.integrity,
    redirect: source.redirect,
    referrerPolicy: source.referrerPolicy,
  };
  // 'navigate' cannot be passed to the constructor (and never comes from our Express adapter).
  if (source.mode !== 'navigate') init.mode = source.mode;
  const body = source.body;
  if (body) {
    init.body = body;
    init.duplex = 'half';
  }
  const request = make(url, init);
  request[lazySignal] = signalOf;
  if (source instanceof NextRequest && source[directBody]) {
    request[directBody] = source[directBody];
    source[directBody] = undefined;
  }
  return request;
}

/** A plain copy of `request` with a tee of its body; the socket shortcut is dropped, since a tee'd body must flow through the stream. */
function plainClone(request: NextRequest): Request {
  request[directBody] = undefined;
  return requestClone.call(request);
}

/**
 * `force-static`: empty read-only headers and cookies, a URL reduced to
 * `http://localhost:3000<pathname>` (below the mount: Next's sanitised URL has no basePath), no `ip`/`geo`; method and body untouched.
 */
class ForceStaticRequest extends NextRequest {
  readonly #contentType: string | null;
  #headers: Headers | undefined;
  #cookies: RequestCookies | undefined;

  constructor(url: string, init: NextRequestInit, contentType: string | null) {
    super(url, init);
    this.#contentType = contentType;
  }

  override get headers(): Headers {
    return (this.#headers ??= readonlyHeaders());
  }

  override get cookies(): RequestCookies {
    return (this.#cookies ??= readonlyRequestCookies(new RequestCookies(new Headers())));
  }

  // The body keeps its meaning: multipart boundaries and the Blob type come from the original
  // Content-Type, which the sanitised header list no longer has.
  override formData(): Promise<FormData> {
    return this.#retyped()?.formData() ?? super.formData();
  }

  override blob(): Promise<Blob> {
    return this.#retyped()?.blob() ?? super.blob();
  }

  /** The body under its original Content-Type, or undefined to let the platform answer (and throw) as usual. */
  #retyped(): Response | undefined {
    const body = this.body;
    if (!this.#contentType || !body || this.bodyUsed || body.locked) return undefined;
    return new Response(body, { headers: { 'content-type': this.#contentType } });
  }

  override clone(): NextRequest {
    const copy = plainClone(this);
    return rebuild(copy, internalUrl(copy), [], () => this.signal, (url, init) => new ForceStaticRequest(url, init, this.#contentType));
  }
}

/**
 * `forceStaticRequest` of a GET or HEAD, from its path alone: with no body to carry over, the
 * request it sanitises (its headers above all) need not be built at all.
 */
export function bodilessForceStaticRequest(method: 'GET' | 'HEAD', path: string, signalOf: () => AbortSignal): NextRequest {
  const request = new ForceStaticRequest(FORCE_STATIC_ORIGIN + path, { method }, null);
  request[lazySignal] = signalOf;
  return request;
}

export function forceStaticRequest(request: NextRequest): NextRequest {
  const url = FORCE_STATIC_ORIGIN + request.nextUrl.pathname;
  const contentType = request.headers.get('content-type');
  return rebuild(request, url, [], () => request.signal, (href, init) => new ForceStaticRequest(href, init, contentType));
}

function bailout(route: string, expression: string): StaticGenBailoutError {
  // Recorded even if the handler catches the error: the route can then not be static.
  const store = requestStorage.getStore();
  if (store) store.dynamicUsage ??= expression;
  return new StaticGenBailoutError(`Route ${route} with \`dynamic = "error"\` couldn't be rendered statically because it used \`${expression}\`.`);
}

/**
 * `dynamic = 'error'`: reading the URL's query/origin/href throws; `pathname` and the other parts
 * stay readable. Setters are Next's (its Proxy traps reads only).
 */
class DynamicErrorNextURL extends NextURL {
  readonly #route: string | undefined;
  #fail(expression: string): never {
    throw bailout(this.#route ?? this.pathname, `nextUrl.${expression}`);
  }

  constructor(input: string, route: string | undefined, basePath: string) {
    super(input, basePath ? { nextConfig: { basePath } } : undefined);
    this.#route = route;
  }

  override get href(): string {
    return this.#fail('href');
  }
  override set href(value: string) {
    super.href = value;
  }

  override get search(): string {
    return this.#fail('search');
  }
  override set search(value: string) {
    super.search = value;
  }

  override get searchParams(): URLSearchParams {
    return this.#fail('searchParams');
  }

  override get origin(): string {
    return this.#fail('origin');
  }

  /** NextURL has no `url`, but Next's docs mention one, so Next traps it too. */
  get url(): never {
    return this.#fail('url');
  }

  override toString(): string {
    return this.#fail('toString');
  }

  override toJSON(): string {
    return this.#fail('toJSON');
  }

  override clone(): NextURL {
    const copy = new DynamicErrorNextURL(`${super.origin}${this.pathname}${super.search}${this.hash}`, this.#route, '');
    copy.basePath = this.basePath;
    copy.buildId = this.buildId;
    return copy;
  }
}

/** `dynamic = 'error'`: every read of request data throws Next's StaticGenBailoutError. */
class DynamicErrorRequest extends NextRequest {
  readonly #route: string | undefined;
  #nextUrl: DynamicErrorNextURL | undefined;

  constructor(url: string, init: NextRequestInit, route: string | undefined) {
    super(url, init);
    this.#route = route;
  }

  #fail(property: string): never {
    throw bailout(this.#route ?? this.nextUrl.pathname, `request.${property}`);
  }

  override get nextUrl(): NextURL {
    return (this.#nextUrl ??= new DynamicErrorNextURL(internalUrl(this), this.#route, this[basePathOf]));
  }

  override get headers(): Headers {
    return this.#fail('headers');
  }

  override get cookies(): RequestCookies {
    return this.#fail('cookies');
  }

  override get url(): string {
    return this.#fail('url');
  }

  override get body(): Request['body'] {
    return this.#fail('body');
  }

  // Next throws when these are looked up; throwing when they are called is the same to `await req.json()`.
  override blob(): never {
    return this.#fail('blob');
  }

  override json(): never {
    return this.#fail('json');
  }

  override text(): never {
    return this.#fail('text');
  }

  override arrayBuffer(): never {
    return this.#fail('arrayBuffer');
  }

  override formData(): never {
    return this.#fail('formData');
  }

  override clone(): NextRequest {
    const basePath = this[basePathOf];
    const copy = plainClone(this);
    return rebuild(copy, internalUrl(copy), copy.headers, () => this.signal, (url, init) => new DynamicErrorRequest(url, underBasePath(init, basePath), this.#route));
  }
}

/**
 * The request for `dynamic = 'error'`. Next names the request's pathname in its messages; pass
 * `route` to name something else (e.g. the route pattern).
 */
export function dynamicErrorRequest(request: NextRequest, route?: string): NextRequest {
  const basePath = request[basePathOf];
  return rebuild(request, internalUrl(request), request.headers, () => request.signal, (url, init) => new DynamicErrorRequest(url, underBasePath(init, basePath), route));
}

/** A `dynamic = 'error'` request reads its URL as the one it replaces: below the same base path. */
function underBasePath(init: NextRequestInit, basePath: string): NextRequestInit {
  return basePath ? { ...init, nextConfig: { basePath } } : init;
}
