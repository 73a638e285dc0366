import { blobSink, bytesSink, decodeUtf8, textSink, type BodySink } from '../http/body-sinks';
import { formDataReader } from '../http/form-data-sink';
import type { DirectRead } from '../http/request-body';
import { MIMEType } from 'whatwg-mimetype';
import { RequestCookies } from './cookies';
import { NextURL, type NextURLOptions } from './next-url';

/** Set by the library on requests it builds: creates `request.signal` on first use (it is costly). */
export const lazySignal = Symbol('express-route-handlers.lazySignal');

/**
 * Set by the library on requests it builds: reads the whole body straight from the socket into a
 * sink while the body stream is untouched (undefined otherwise), so the body readers skip the Web
 * stream and hold a large body about once.
 */
export const directBody = Symbol('express-route-handlers.directBody');

/** Read by the library's request wrappers, which must keep the base path of the request they replace. */
export const basePathOf = Symbol('express-route-handlers.basePathOf');

export interface NextRequestInit extends RequestInit {
  duplex?: 'half';
  /** As in Next: `basePath` makes `nextUrl` read the path below it (the library passes the Express mount path). */
  nextConfig?: NextURLOptions['nextConfig'];
}

/**
 * Next.js's request class: a real `Request` (so `new Request(req)` and `instanceof` work) with
 * `nextUrl` and `cookies`, both built on first use.
 */
export class NextRequest extends Request {
  [lazySignal]?: () => AbortSignal;
  [directBody]?: DirectRead;
  #nextUrl: NextURL | undefined;
  #cookies: RequestCookies | undefined;
  #signal: AbortSignal | undefined;
  readonly #nextConfig: NextURLOptions['nextConfig'];

  constructor(input: URL | RequestInfo, init: NextRequestInit = {}) {
    if (input instanceof NextRequest && init.signal === undefined) {
      init = { ...init, signal: input.signal };
    }
    if (init.body != null && init.duplex === undefined) init = { ...init, duplex: 'half' };
    super(input, init as RequestInit);
    // A copy of a request under a base path stays under it (Next would need the config passed again).
    this.#nextConfig = init.nextConfig ?? (input instanceof NextRequest ? input.#nextConfig : undefined);
  }

  get nextUrl(): NextURL {
    return (this.#nextUrl ??= new NextURL(super.url, this.#nextConfig && { nextConfig: this.#nextConfig }));
  }

  /** The base path `nextUrl` strips ('' when none), without building `nextUrl`. */
  get [basePathOf](): string {
    return this.#nextConfig?.basePath ?? '';
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
    return this.#readDirect(() => textSink()) ?? super.text();
  }

  override json(): Promise<any> {
    // From bytes rather than from text decoded piece by piece: JSON.parse would flatten those pieces into a copy.
    return this.#readDirect(() => this.#bytesSink())?.then((bytes) => JSON.parse(decodeUtf8(bytes))) ?? super.json();
  }

  override arrayBuffer(): Promise<ArrayBuffer> {
    return this.#readDirect(() => this.#bytesSink())?.then(ownArrayBuffer) ?? super.arrayBuffer();
  }

  override async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return new Uint8Array(await this.arrayBuffer());
  }

  override blob(): Promise<Blob> {
    return this.#readDirect(() => blobSink(blobType(this.headers))) ?? super.blob();
  }

  override formData(): Promise<FormData> {
    return this.#readDirect(() => formDataReader(this.headers.get('content-type'))) ?? super.formData();
  }

  /**
   * Reads the body into the sink `makeSink` gives when nothing has touched the stream; the stream
   * is then marked used. Undefined (nothing built) without the socket reader, or when the sink
   * declines (a form type undici refuses, to let it say so).
   */
  #readDirect<T>(makeSink: () => BodySink<T> | undefined): Promise<T> | undefined {
    const read = this[directBody];
    if (!read) return undefined;
    const sink = makeSink();
    if (!sink) return undefined;
    this[directBody] = undefined;
    const stream = super.body;
    if (!stream || stream.locked || super.bodyUsed) return undefined;
    const result = read(sink);
    if (result) stream.cancel().catch(() => {});
    return result;
  }

  #bytesSink(): BodySink<Buffer> {
    return bytesSink(this.headers.get('content-length') ?? undefined);
  }

  override clone(): NextRequest {
    // Both copies now read the teed stream; the socket shortcut would starve the clone.
    this[directBody] = undefined;
    return new NextRequest(super.clone(), { signal: this.signal, nextConfig: this.#nextConfig });
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

/** The Blob type undici gives `request.blob()`: the Content-Type parsed and serialised as a MIME type, else empty. */
function blobType(headers: Headers): string {
  const contentType = headers.get('content-type');
  return (contentType !== null && MIMEType.parse(contentType)?.toString()) || '';
}
