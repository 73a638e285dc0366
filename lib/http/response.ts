import type { Response as ExpressResponse } from 'express';
import { knownBody } from '../next/response';
import { etagFunctionOf, isFresh } from './conditional';
import { ResponseAborted } from './response-aborted';

/** Headers that describe the handler's body encoding, which may no longer be true (fetch() decodes): Node frames the body itself. */
const framingHeaders = new Set(['content-length', 'content-encoding', 'transfer-encoding']);
/** List-valued headers: added to what earlier Express middleware set instead of replacing it. */
const listHeaders = new Set(['vary', 'link', 'www-authenticate', 'proxy-authenticate']);

type OutgoingHeader = number | string | string[] | undefined;
type FlushableResponse = ExpressResponse & { flush?: () => void };

/** undici keeps the bytes or text a Response was built from; reading them skips the body stream. */
const undiciState = Object.getOwnPropertySymbols(new Response('')).find((symbol) => symbol.description === 'state');

/**
 * Writes a Web Response to Express's `res`: status, headers merged with what earlier middleware
 * set, then the body — in one `end()` with Content-Length when it is known, else streamed with
 * backpressure. Throws when the response cannot be written at all (a header value Node refuses,
 * a status text with control characters), leaving `res` as it was, so the caller can hand the
 * error to Express. A streamed body resolves when done and rejects when the stream fails: before
 * anything was sent `res` is left as it was; after, the caller must cut the connection.
 * `setCookies`, when given, replaces the response's own Set-Cookie list (after `cookies()`
 * changes were merged); `defaults` are headers the response's own replace (undone with the
 * rest). A GET/HEAD with a known body gets what Express's `res.send` adds: an ETag and 304s (§3.8).
 */
export function sendResponse(
  res: ExpressResponse,
  response: Response,
  isHead: boolean,
  setCookies?: string[],
  defaults?: Iterable<[string, string]>,
): Promise<void> | undefined {
  const previous = new Map<string, OutgoingHeader>();
  const { statusCode, statusMessage } = res;
  let body: ReadableStream<Uint8Array> | null;
  let eventStream: boolean;
  try {
    if (defaults) applyHeaders(res, defaults, undefined, previous);
    applyHeaders(res, response.headers, setCookies, previous);
    const status = response.status;
    res.statusCode = status;

    const bodyless = status === 204 || status === 205 || status === 304;
    const known = bodyless ? undefined : knownBodyOf(response);
    if (known !== undefined) {
      sendKnownBody(res, known, status, response.statusText, isHead);
      return undefined;
    }
    if (response.statusText) res.statusMessage = response.statusText;
    body = response.body;
    // A Blob's size is known, its bytes still stream (it may be a file from `fs.openAsBlob`).
    const source = bodyless || body === null ? undefined : undiciSource(response);
    if (source instanceof Blob) res.setHeader('content-length', source.size);
    if (body === null || isHead || bodyless) {
      if (body !== null && !body.locked) body.cancel().catch(ignore);
      res.end();
      return undefined;
    }
    eventStream = response.headers.get('content-type')?.startsWith('text/event-stream') === true;
  } catch (error) {
    restoreResponse(res, previous, statusCode, statusMessage);
    throw error;
  }
  return pipeBody(res, body, eventStream).catch((error: unknown) => {
    restoreResponse(res, previous, statusCode, statusMessage);
    throw error;
  });
}

/**
 * A body whose bytes are known goes out in one `end()` with Content-Length. For GET and HEAD it is
 * `res.send` (Express 4 and 5 alike): when the app's `etag` setting gives a function and no ETag is
 * set yet (by the handler or earlier middleware), the bytes are hashed into one — whatever the
 * status, as `res.send` does; then a 2xx that `req.fresh` would call fresh against the ETag and
 * Last-Modified on `res` becomes a 304 without Content-Type, Content-Length, Transfer-Encoding and
 * body (ETag, Cache-Control, Vary and every other header stay). Other methods are left alone, and
 * without an `etag fn` or conditional request headers nothing is hashed or compared.
 */
function sendKnownBody(res: ExpressResponse, known: string | ArrayBufferView, status: number, statusText: string, isHead: boolean): void {
  const body = typeof known === 'string' ? Buffer.from(known) : Buffer.from(known.buffer, known.byteOffset, known.byteLength);
  const method = (res.req as ExpressResponse['req'] | undefined)?.method;
  if (method === 'GET' || method === 'HEAD') {
    const etagFn = etagFunctionOf(res);
    if (etagFn && !res.getHeader('ETag')) {
      // res.send hashes bytes: a string as its utf-8 Buffer, passed with no encoding.
      const etag = etagFn(body, undefined);
      if (etag) res.setHeader('ETag', etag);
    }
    // req.fresh: only a 2xx (or 304, which has no body here) may turn into a 304.
    if (status >= 200 && status < 300 && isFresh(res.req, res)) {
      res.statusCode = 304;
      res.removeHeader('Content-Type');
      res.removeHeader('Content-Length');
      res.removeHeader('Transfer-Encoding');
      res.end();
      return;
    }
  }
  if (statusText) res.statusMessage = statusText;
  res.setHeader('Content-Length', body.byteLength);
  if (isHead) res.end();
  else endWith(res, body);
}

/**
 * Ends `res` with a body whose Content-Length is set. Always bytes: Node joins a string body to the
 * head and encodes both as UTF-8, which garbles latin-1 header values and status texts. With a
 * Content-Disposition the body is written before `end()`: told the length by `end()`, Node re-encodes
 * that header from latin-1 as if it were UTF-8 (nodejs/node#46528), and `résumé.pdf` arrives garbled.
 */
export function endWith(res: ExpressResponse, body: Buffer): void {
  if (!res.hasHeader('content-disposition')) return void res.end(body);
  res.write(body);
  res.end();
}

/** The body as text or bytes when it is already in memory, read without creating its stream. */
function knownBodyOf(response: Response): string | ArrayBufferView | undefined {
  const own = (response as { [knownBody]?: string | ArrayBufferView })[knownBody];
  if (own !== undefined) return own;
  const source = undiciSource(response);
  return typeof source === 'string' || ArrayBuffer.isView(source) ? source : undefined;
}

/** What undici built a body from (text, bytes, a Blob, ...) while its stream is untouched. */
function undiciSource(response: Response): unknown {
  if (!undiciState || response.bodyUsed) return undefined;
  const body = (response as unknown as Record<symbol, { body?: { source?: unknown; stream?: ReadableStream } } | undefined>)[undiciState]?.body;
  if (body?.stream?.locked) return undefined;
  return body?.source;
}

/**
 * Sets a handler's headers on `res`, on top of what earlier Express middleware set (names lower-case;
 * Set-Cookie lines from `headers`, or `setCookies` instead when given). Records the values it
 * replaced in `previous` as it goes, so that a header Node refuses midway, or a body that fails
 * before sending, can leave `res` as it was.
 */
export function applyHeaders(
  res: ExpressResponse,
  headers: Iterable<[string, string]>,
  setCookies: string[] | undefined,
  previous = new Map<string, OutgoingHeader>(),
): Map<string, OutgoingHeader> {
  let cookies = setCookies;
  for (const [name, value] of headers) {
    if (name === 'set-cookie') {
      if (!setCookies) (cookies ??= []).push(value);
      continue;
    }
    if (framingHeaders.has(name) || name.startsWith('x-middleware-')) continue;
    const existing = res.getHeader(name);
    if (!previous.has(name)) previous.set(name, existing);
    if (existing !== undefined && listHeaders.has(name)) {
      res.setHeader(name, name === 'vary' ? mergeVary(String(existing), value) : [...toArray(existing), value]);
    } else {
      res.setHeader(name, value);
    }
  }
  if (cookies?.length) {
    const existing = res.getHeader('set-cookie');
    if (!previous.has('set-cookie')) previous.set('set-cookie', existing);
    res.setHeader('set-cookie', existing === undefined ? cookies : [...toArray(existing), ...cookies]);
  }
  return previous;
}

/** Undoes what `sendResponse` set, while nothing was sent: the error that stopped it goes to Express, whose answer must not carry the handler's headers. */
function restoreResponse(res: ExpressResponse, previous: Map<string, OutgoingHeader>, statusCode: number, statusMessage: string): void {
  if (res.headersSent) return;
  for (const [name, value] of previous) {
    if (value === undefined) res.removeHeader(name);
    else res.setHeader(name, value);
  }
  // Only if we set it: removing an absent one makes Node drop Content-Length from Express's own answer too.
  if (res.hasHeader('content-length')) res.removeHeader('content-length');
  res.statusCode = statusCode;
  res.statusMessage = statusMessage;
}

function toArray(value: number | string | string[]): string[] {
  return Array.isArray(value) ? value : [String(value)];
}

function mergeVary(existing: string, added: string): string {
  const present = new Set(existing.split(',').map((token) => token.trim().toLowerCase()));
  const extra = added.split(',').map((token) => token.trim()).filter((token) => token && !present.has(token.toLowerCase()));
  return extra.length === 0 ? existing : `${existing}, ${extra.join(', ')}`;
}

/**
 * Streams the body like `next start` does: headers go out with the first chunk (at once for
 * event streams), each write waits for `drain`, `res.flush()` (compression) after every chunk,
 * and a client that goes away cancels the stream with `ResponseAborted`. A stream that fails
 * rejects, whether or not headers went out.
 */
async function pipeBody(res: FlushableResponse, body: ReadableStream<Uint8Array>, eventStream: boolean): Promise<void> {
  const reader = body.getReader();
  // Gone before the first chunk: no 'close' is left to wait for.
  if (res.destroyed) {
    reader.cancel(new ResponseAborted()).catch(ignore);
    return;
  }
  let ended = false;
  let stopped = false;
  let wakeWriter: (() => void) | undefined;
  // One listener each for the whole response: compression() forwards `on('drain')` to its
  // stream but not `off`, so per-write listeners would pile up there.
  res.on('close', () => {
    wakeWriter?.();
    if (ended) return;
    // The client went away, or a limit (413, 504) ended the response first.
    stopped = true;
    reader.cancel(new ResponseAborted()).catch(ignore);
  });
  res.on('drain', () => wakeWriter?.());

  if (eventStream) {
    res.flushHeaders();
    res.flush?.();
  }
  try {
    for (;;) {
      const { done, value } = await reader.read();
      // `writableEnded` too: a limit may have ended the response in this very tick, before 'close'.
      if (stopped || res.writableEnded) return;
      if (done) break;
      const writable = res.write(value);
      res.flush?.();
      if (!writable && !stopped) await new Promise<void>((resolve) => (wakeWriter = resolve));
      wakeWriter = undefined;
      if (stopped) return;
    }
    ended = true;
    res.end();
  } catch (error) {
    if (stopped || res.writableEnded) return;
    reader.cancel(error).catch(ignore);
    throw error;
  }
}

function ignore(): void {}
