import type { RequestCookies } from './cookies';

// Next.js 16's exact words (server/web/spec-extension/adapters/headers.ts and request-cookies.ts).
export const READONLY_HEADERS_MESSAGE = 'Headers cannot be modified. Read more: https://nextjs.org/docs/app/api-reference/functions/headers';
export const READONLY_COOKIES_MESSAGE =
  'Cookies can only be modified in a Server Action or Route Handler. Read more: https://nextjs.org/docs/app/api-reference/functions/cookies#options';

export class ReadonlyHeadersError extends Error {
  constructor() {
    super(READONLY_HEADERS_MESSAGE);
  }
}

export class ReadonlyRequestCookiesError extends Error {
  constructor() {
    super(READONLY_COOKIES_MESSAGE);
  }
}

/**
 * A real `Headers` subclass rather than a Proxy: brand checks (`new Headers(h)`, `new Request(url,
 * { headers: h })`, undici internals) keep working. The constructor fills the list through
 * internal steps, not through the overridden methods, so it can still take its initial values.
 */
class ReadonlyHeaders extends Headers {
  override append(): never {
    throw new ReadonlyHeadersError();
  }

  override set(): never {
    throw new ReadonlyHeadersError();
  }

  override delete(): never {
    throw new ReadonlyHeadersError();
  }
}

/** A snapshot of `source` whose `set`/`append`/`delete` throw Next's read-only error. */
export function readonlyHeaders(source: HeadersInit = []): Headers {
  return new ReadonlyHeaders(source);
}

const cookieMutators = new Set<PropertyKey>(['set', 'delete', 'clear']);

function throwReadonlyCookies(): never {
  throw new ReadonlyRequestCookiesError();
}

/**
 * `cookies` as a live read-only view whose `set`/`delete`/`clear` throw Next's error. A Proxy, like
 * Next's, so it is that RequestCookies for `instanceof`, JSON and every read; methods are bound to it,
 * so `const { get } = cookies` works too.
 */
export function readonlyRequestCookies(cookies: RequestCookies): RequestCookies {
  return new Proxy(cookies, {
    get(target, property) {
      if (cookieMutators.has(property)) return throwReadonlyCookies;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
