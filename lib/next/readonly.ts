import { RequestCookies, type RequestCookie } from './cookies';

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

/**
 * A live read-only view of a cookie store: reads go to the wrapped store, mutations throw. It is a
 * `RequestCookies` itself, so `instanceof` and the type both hold.
 */
class ReadonlyRequestCookies extends RequestCookies {
  readonly #source: RequestCookies;

  constructor(source: RequestCookies) {
    super(new Headers());
    this.#source = source;
  }

  override [Symbol.iterator](): IterableIterator<[string, RequestCookie]> {
    return this.#source[Symbol.iterator]();
  }

  override get size(): number {
    return this.#source.size;
  }

  override get(...args: [name: string] | [cookie: Pick<RequestCookie, 'name'>]): RequestCookie | undefined {
    return this.#source.get(...args);
  }

  override getAll(...args: [name: string] | [cookie: Pick<RequestCookie, 'name'>] | []): RequestCookie[] {
    return this.#source.getAll(...args);
  }

  override has(name: string): boolean {
    return this.#source.has(name);
  }

  override toString(): string {
    return this.#source.toString();
  }

  override set(): never {
    throw new ReadonlyRequestCookiesError();
  }

  override delete(): never {
    throw new ReadonlyRequestCookiesError();
  }

  override clear(): never {
    throw new ReadonlyRequestCookiesError();
  }
}

/** `cookies` as a read-only view whose `set`/`delete`/`clear` throw Next's error. */
export function readonlyRequestCookies(cookies: RequestCookies): RequestCookies {
  return new ReadonlyRequestCookies(cookies);
}
