import { ResponseCookies } from './cookies';

/**
 * The text or bytes of a response whose body was kept out of undici (building a body stream costs
 * more than the rest of a small request). Present until the body is read or streamed.
 */
export const knownBody = Symbol('express-route-handlers.knownBody');

/** Marks responses from `NextResponse.rewrite()`/`next()`, which only make sense in middleware. */
export const middlewareOnly = Symbol('express-route-handlers.middlewareOnly');

type KeptBody = string | ArrayBufferView;

function copyOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);
const NativeResponse = globalThis.Response;
let contentTypeForNextBody: string | undefined;

/**
 * Next.js's response class: a real `Response` with `cookies`, `json`, `redirect`, `rewrite`,
 * `next`. Text and byte bodies are held as they are and only become a stream if someone asks.
 */
export class NextResponse<Body = unknown> extends Response {
  [knownBody]?: KeptBody;
  [middlewareOnly]?: 'rewrite' | 'next';
  #kept: KeptBody | undefined;
  #used = false;
  #streamed: Response | undefined;
  #cookies: ResponseCookies | undefined;
  /** Only for typing `NextResponse.json<T>()` results, as Next.js does. */
  declare readonly __body?: Body;

  constructor(body?: BodyInit | null, init?: ResponseInit) {
    const keep = (typeof body === 'string' || ArrayBuffer.isView(body)) && !nullBodyStatuses.has(init?.status ?? 200);
    super(keep ? null : body, init);
    if (!keep) return;
    const contentType = contentTypeForNextBody ?? (typeof body === 'string' ? 'text/plain;charset=UTF-8' : undefined);
    if (contentType && !this.headers.has('content-type')) this.headers.set('content-type', contentType);
    // Bytes are copied, as the Fetch standard says: the caller may reuse its buffer once the Response exists.
    this.#kept = this[knownBody] = typeof body === 'string' ? body : copyOf(body as ArrayBufferView);
  }

  get cookies(): ResponseCookies {
    return (this.#cookies ??= new ResponseCookies(this.headers));
  }

  override get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    return this.#kept === undefined ? super.body : this.#stream().body;
  }

  override get bodyUsed(): boolean {
    if (this.#kept === undefined) return super.bodyUsed;
    return this.#streamed ? this.#streamed.bodyUsed : this.#used;
  }

  override text(): Promise<string> {
    if (this.#kept === undefined || this.#streamed) return this.#reader().text();
    const kept = this.#take();
    return kept.then((value) => (typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8')));
  }

  override async json(): Promise<any> {
    return JSON.parse(await this.text());
  }

  override arrayBuffer(): Promise<ArrayBuffer> {
    if (this.#kept === undefined || this.#streamed) return this.#reader().arrayBuffer();
    return this.#take().then((value) => {
      const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    });
  }

  override async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return new Uint8Array(await this.arrayBuffer());
  }

  override blob(): Promise<Blob> {
    return this.#reader().blob();
  }

  override formData(): Promise<FormData> {
    return this.#reader().formData();
  }

  override clone(): Response {
    if (this.#kept === undefined || this.#streamed) return super.clone();
    if (this.#used) throw new TypeError('Response.clone: Body has already been consumed.');
    return new NextResponse(this.#kept as unknown as BodyInit, { status: this.status, statusText: this.statusText, headers: new Headers(this.headers) });
  }

  static override json<JsonBody>(body: JsonBody, init?: ResponseInit): NextResponse<JsonBody> {
    const text = JSON.stringify(body);
    if (text === undefined) throw new TypeError('Value is not JSON serializable');
    contentTypeForNextBody = 'application/json';
    try {
      return new this(text, init) as NextResponse<JsonBody>;
    } finally {
      contentTypeForNextBody = undefined;
    }
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
    const response = new NextResponse(null, { ...init, headers });
    response[middlewareOnly] = 'rewrite';
    return response;
  }

  /** Middleware-only in Next.js; returning it from a route handler is reported as an error. */
  static next(init?: ResponseInit): NextResponse {
    const headers = new Headers(init?.headers);
    headers.set('x-middleware-next', '1');
    const response = new NextResponse(null, { ...init, headers });
    response[middlewareOnly] = 'next';
    return response;
  }

  #take(): Promise<KeptBody> {
    if (this.#used) return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
    this.#used = true;
    this[knownBody] = undefined;
    return Promise.resolve(this.#kept!);
  }

  /** From here on the body is an ordinary stream, read through a native Response. */
  #stream(): Response {
    if (!this.#streamed) {
      this[knownBody] = undefined;
      this.#streamed = new NativeResponse(this.#used ? null : (this.#kept as unknown as BodyInit), { headers: this.headers });
    }
    return this.#streamed;
  }

  #reader(): Response {
    return this.#kept === undefined ? new NativeResponse(super.body, { headers: this.headers }) : this.#stream();
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
