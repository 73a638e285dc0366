import { RequestCookies } from './cookies';
import { NextURL } from './next-url';

/** Set by the library on requests it builds: creates `request.signal` on first use (it is costly). */
export const lazySignal = Symbol('express-route-handlers.lazySignal');

export interface NextRequestInit extends RequestInit {
  duplex?: 'half';
}

/**
 * Next.js's request class: a real `Request` (so `new Request(req)` and `instanceof` work) with
 * `nextUrl` and `cookies`, both built on first use.
 */
export class NextRequest extends Request {
  [lazySignal]?: () => AbortSignal;
  #nextUrl: NextURL | undefined;
  #cookies: RequestCookies | undefined;
  #signal: AbortSignal | undefined;

  constructor(input: URL | RequestInfo, init: NextRequestInit = {}) {
    if (input instanceof NextRequest && init.signal === undefined) {
      init = { ...init, signal: input.signal };
    }
    if (init.body != null && init.duplex === undefined) init = { ...init, duplex: 'half' };
    super(input, init as RequestInit);
  }

  get nextUrl(): NextURL {
    return (this.#nextUrl ??= new NextURL(super.url));
  }

  get cookies(): RequestCookies {
    return (this.#cookies ??= new RequestCookies(this.headers));
  }

  /** Loopback hosts read as `localhost`, as in Next.js. */
  override get url(): string {
    return this.nextUrl.href;
  }

  override get signal(): AbortSignal {
    if (this.#signal) return this.#signal;
    const create = this[lazySignal];
    return (this.#signal = create ? create() : super.signal);
  }

  override clone(): NextRequest {
    return new NextRequest(super.clone(), { signal: this.signal });
  }

  /** Removed from Next.js; kept so copied code fails with Next's words. */
  get page(): never {
    throw new Error('The request.page has been deprecated in favour of `URLPattern`.\n  Read more: https://nextjs.org/docs/messages/middleware-request-page\n  ');
  }

  get ua(): never {
    throw new Error('The request.ua has been removed in favour of `userAgent` function.\n  Read more: https://nextjs.org/docs/messages/middleware-parse-user-agent\n  ');
  }

  get ip(): undefined {
    return undefined;
  }

  get geo(): undefined {
    return undefined;
  }
}
