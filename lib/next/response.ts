import { ResponseCookies } from './cookies';

/** The body a response was built from, when it is already bytes or text: sent without a stream. */
export const knownBody = Symbol('express-route-handlers.knownBody');

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/** Next.js's response class: a real `Response` with `cookies`, `json`, `redirect`, `rewrite`, `next`. */
export class NextResponse<Body = unknown> extends Response {
  [knownBody]?: string | ArrayBufferView;
  #cookies: ResponseCookies | undefined;
  /** Only for typing `NextResponse.json<T>()` results, as Next.js does. */
  declare readonly __body?: Body;

  constructor(body?: BodyInit | null, init?: ResponseInit) {
    super(body, init);
    if (typeof body === 'string' || ArrayBuffer.isView(body)) this[knownBody] = body;
  }

  get cookies(): ResponseCookies {
    return (this.#cookies ??= new ResponseCookies(this.headers));
  }

  static override json<JsonBody>(body: JsonBody, init?: ResponseInit): NextResponse<JsonBody> {
    const text = JSON.stringify(body);
    if (text === undefined) throw new TypeError('Value is not JSON serializable');
    const headers = new Headers(init?.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new NextResponse<JsonBody>(text, { ...init, headers });
  }

  static override redirect(url: string | URL, init?: number | ResponseInit): NextResponse {
    const status = typeof init === 'number' ? init : (init?.status ?? 307);
    if (!redirectStatuses.has(status)) {
      throw new RangeError('Failed to execute "redirect" on "response": Invalid status code');
    }
    const initObject = typeof init === 'object' ? init : {};
    const headers = new Headers(initObject.headers);
    headers.set('Location', validateUrl(url));
    return new NextResponse(null, { ...initObject, headers, status });
  }

  /** Middleware-only in Next.js; returning it from a route handler is reported as an error. */
  static rewrite(destination: string | URL, init?: ResponseInit): NextResponse {
    const headers = new Headers(init?.headers);
    headers.set('x-middleware-rewrite', validateUrl(destination));
    return new NextResponse(null, { ...init, headers });
  }

  /** Middleware-only in Next.js; returning it from a route handler is reported as an error. */
  static next(init?: ResponseInit): NextResponse {
    const headers = new Headers(init?.headers);
    headers.set('x-middleware-next', '1');
    return new NextResponse(null, { ...init, headers });
  }
}

function validateUrl(url: string | URL): string {
  try {
    return String(new URL(String(url)));
  } catch (error) {
    throw new Error(
      `URL is malformed "${String(url)}". Please use only absolute URLs - https://nextjs.org/docs/messages/middleware-relative-urls`,
      { cause: error },
    );
  }
}
