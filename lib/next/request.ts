import { RequestCookies } from './cookies';
import { NextURL } from './next-url';

/** Set by the library on requests it builds: creates `request.signal` on first use (it is costly). */
export const lazySignal = Symbol('express-route-handlers.lazySignal');

/**
 * Set by the library on requests it builds: reads the whole body straight from the socket while
 * the body stream is untouched (undefined otherwise), so `json()`/`text()` skip the Web stream.
 */
export const directBody = Symbol('express-route-handlers.directBody');

export interface NextRequestInit extends RequestInit {
  duplex?: 'half';
}

/**
 * Next.js's request class: a real `Request` (so `new Request(req)` and `instanceof` work) with
 * `nextUrl` and `cookies`, both built on first use.
 */
export class NextRequest extends Request {
  [lazySignal]?: () => AbortSignal;
  [directBody]?: () => Promise<Buffer> | undefined;
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

  override text(): Promise<string> {
    const bytes = this.#takeDirectBody();
    return bytes ? bytes.then(decodeUtf8) : super.text();
  }

  override json(): Promise<any> {
    const bytes = this.#takeDirectBody();
    return bytes ? bytes.then((value) => JSON.parse(decodeUtf8(value))) : super.json();
  }

  override arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.#takeDirectBody();
    if (!bytes) return super.arrayBuffer();
    return bytes.then(ownArrayBuffer);
  }

  /** The body as one Buffer when nothing has touched the stream; the stream is then marked used. */
  #takeDirectBody(): Promise<Buffer> | undefined {
    const read = this[directBody];
    if (!read) return undefined;
    this[directBody] = undefined;
    const stream = super.body;
    if (!stream || stream.locked || super.bodyUsed) return undefined;
    const bytes = read();
    if (bytes) stream.cancel().catch(() => {});
    return bytes;
  }

  override clone(): NextRequest {
    // Both copies now read the teed stream; the socket shortcut would starve the clone.
    this[directBody] = undefined;
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

/** The bytes as an ArrayBuffer of their own: the Buffer's memory itself when it spans all of it (a large body), else a copy. */
function ownArrayBuffer(bytes: Buffer): ArrayBuffer {
  const { buffer, byteOffset, byteLength } = bytes;
  if (byteOffset === 0 && byteLength === buffer.byteLength && buffer instanceof ArrayBuffer) return buffer;
  return buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer;
}

/** UTF-8 without a leading byte-order mark, as the Fetch body readers decode text. */
function decodeUtf8(bytes: Buffer): string {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.toString('utf8', 3) : bytes.toString('utf8');
}
