import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BodySink } from './body-sinks';

/** Bytes of an unread request body we read and discard after the response before closing the socket. */
const DRAIN_LIMIT = 1024 * 1024;

interface ParsedRequest extends IncomingMessage {
  body?: unknown;
  rawBody?: unknown;
  _body?: boolean;
}

/** What a body read rejects with past `bodyLimit`, and `request.signal`'s reason (body-parser's name, status and type). */
export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
  readonly status = 413;
  readonly type = 'entity.too.large';

  constructor(readonly limit: number) {
    super(`The request body is larger than the bodyLimit of ${limit} bytes.`);
  }
}

/** `bodyLimit` for one request: its bytes, and what to do once a streamed body crosses it (answer 413). */
export interface BodyLimit {
  readonly bytes: number;
  exceeded(error: PayloadTooLargeError): void;
}

/** Reads the whole body straight from the socket into `sink` while the stream is untouched (else undefined). */
export type DirectRead = <T>(sink: BodySink<T>) => Promise<T> | undefined;

export type BodySource =
  | { kind: 'stream'; stream: ReadableStream<Uint8Array>; read: DirectRead }
  /** Rebuilt from what a body parser left on `req`; the headers must describe these bytes. */
  | { kind: 'rebuilt'; bytes: Buffer; contentType?: string }
  | { kind: 'unavailable'; stream: ReadableStream<Uint8Array> };

/**
 * Where the handler's request body comes from. An unread request streams with backpressure; a
 * body that `express.json()`, `urlencoded()`, `text()` or `raw()` already consumed is rebuilt
 * from `req.rawBody` or `req.body`; anything else fails on read with an error that says why.
 * Past `limit`, a rebuilt body throws `PayloadTooLargeError`; a streamed one fails as it crosses it.
 */
export function requestBody(req: ParsedRequest, limit?: BodyLimit): BodySource {
  if (!req.readableDidRead && !req.readableEnded && req._body !== true) return streamFrom(req, limit);
  const rebuilt = Buffer.isBuffer(req.rawBody)
    ? ({ kind: 'rebuilt', bytes: req.rawBody } as const)
    : req.headers['content-length'] === '0'
      ? ({ kind: 'rebuilt', bytes: Buffer.alloc(0) } as const)
      : rebuild(req);
  if (rebuilt) {
    if (limit && rebuilt.bytes.byteLength > limit.bytes) throw new PayloadTooLargeError(limit.bytes);
    return rebuilt;
  }
  const type = req.headers['content-type'] ?? 'no content type';
  const error = new Error(
    `The request body (${type}) was already read by an earlier Express middleware and cannot be rebuilt. ` +
      `Mount routeHandlers() before that middleware, or have it keep the raw bytes in req.rawBody.`,
  );
  return { kind: 'unavailable', stream: new ReadableStream({ pull: (controller) => controller.error(error) }) };
}

function rebuild(req: ParsedRequest): (BodySource & { kind: 'rebuilt' }) | undefined {
  const { body } = req;
  const type = req.headers['content-type'] ?? '';
  if (ArrayBuffer.isView(body)) return { kind: 'rebuilt', bytes: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
  // json({ strict: false }) parses a JSON string literal to a string (re-serialised below); text() keeps the text itself.
  const jsonString = typeof body === 'string' && /json/i.test(type) && !isJsonText(body);
  if (typeof body === 'string' && !jsonString) {
    // text() decoded the declared charset; the rebuilt bytes are UTF-8.
    const contentType = /;\s*charset=/i.test(type) ? type.replace(/charset=[^;]*/i, 'charset=utf-8') : undefined;
    return { kind: 'rebuilt', bytes: Buffer.from(body, 'utf8'), contentType };
  }
  if (body === undefined || /^multipart\//i.test(type)) return undefined;
  if (/^application\/x-www-form-urlencoded/i.test(type)) {
    return { kind: 'rebuilt', bytes: Buffer.from(encodeForm(body), 'utf8') };
  }
  return { kind: 'rebuilt', bytes: Buffer.from(JSON.stringify(body), 'utf8') };
}

function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Serialises what `urlencoded()` parsed, nested objects in the bracket form `qs` reads back. A list
 * of plain values becomes repeated keys (`a=1&a=2`), which is how it was sent when `extended: false`
 * parsed it and what `formData().getAll()` and `qs` both read back (a one-item list reads as a value).
 */
function encodeForm(value: unknown): string {
  const pairs: string[] = [];
  const visit = (prefix: string, item: unknown): void => {
    if (prefix && Array.isArray(item) && item.every((child) => child === null || typeof child !== 'object')) {
      for (const child of item) visit(prefix, child);
    } else if (item !== null && typeof item === 'object') {
      for (const [key, child] of Object.entries(item)) visit(prefix ? `${prefix}[${key}]` : key, child);
    } else {
      pairs.push(`${encodeURIComponent(prefix)}=${encodeURIComponent(item == null ? '' : String(item))}`);
    }
  };
  visit('', value);
  return pairs.join('&');
}

/** Fails the body stream of a request whose unread rest is being thrown away (see discardRemainingBody). */
const abandonBody = new WeakMap<IncomingMessage, () => void>();

/**
 * A pull-based stream over the IncomingMessage: nothing is read until the handler asks, and the
 * socket is paused whenever it is not reading. `read` is the shortcut for `text()`, `json()` and
 * the other body readers: no Web stream, and the body held once (see body-sinks).
 * With a limit, bytes are counted as they arrive and the read fails as soon as they cross it.
 */
function streamFrom(req: IncomingMessage, limit: BodyLimit | undefined): BodySource & { kind: 'stream' } {
  let started = false;
  let done = false;
  let received = 0;
  let body!: ReadableStreamDefaultController<Uint8Array>;
  let failDirectRead: ((error: Error) => void) | undefined;
  const finish = (error?: Error) => {
    if (done) return;
    done = true;
    if (failDirectRead) {
      if (error) failDirectRead(error);
      return;
    }
    if (error) body.error(error);
    else body.close();
  };
  /** Counts a chunk against the limit; false (and the read failed, the request refused) once past it. */
  const withinLimit = (chunk: Buffer): boolean => {
    if (!limit) return true;
    received += chunk.byteLength;
    if (received <= limit.bytes) return true;
    const error = new PayloadTooLargeError(limit.bytes);
    finish(error);
    limit.exceeded(error);
    return false;
  };
  // Also before the first read: the response may be sent before the handler touches the body.
  abandonBody.set(req, () =>
    finish(new Error('The request body was discarded because the response was sent before it was read. Read the body before returning the Response.')),
  );
  const watchEnd = () => {
    req.once('end', () => finish());
    req.once('error', finish);
    req.once('close', () => finish(req.readableEnded ? undefined : new Error('The client aborted the request body.')));
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        body = controller;
      },
      pull(controller) {
        if (started) {
          req.resume();
          return;
        }
        started = true;
        req.on('data', (chunk: Buffer) => {
          if (done || !withinLimit(chunk)) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        watchEnd();
      },
      cancel() {
        if (failDirectRead) return;
        done = true;
        req.pause();
      },
    },
    { highWaterMark: 0 },
  );
  const read = <T>(sink: BodySink<T>): Promise<T> | undefined => {
    if (started || done) return undefined;
    started = true;
    return new Promise<T>((resolve, reject) => {
      failDirectRead = reject;
      req.on('data', (chunk: Buffer) => {
        if (done || !withinLimit(chunk)) return;
        try {
          sink.add(chunk);
        } catch (error) {
          finish(error as Error);
        }
      });
      req.once('end', () => {
        try {
          resolve(sink.finish());
        } catch (error) {
          reject(error);
        }
      });
      watchEnd();
    });
  };
  return { kind: 'stream', stream, read };
}

/**
 * Call before answering a request whose body may be unread: when more is left than
 * `discardRemainingBody` will drain (or how much is unknown), the answer says `Connection: close`,
 * so the client does not send its next request on a connection that is about to be cut.
 */
export function closeIfUndrainable(req: IncomingMessage, res: ServerResponse): void {
  if (req.readableEnded || res.headersSent) return;
  if (!(declaredLength(req)! <= DRAIN_LIMIT)) res.shouldKeepAlive = false;
}

/** The body length the client declared, when it declared one (Node has already checked it is a number). */
export function declaredLength(req: IncomingMessage): number | undefined {
  const header = req.headers['content-length'];
  return header === undefined ? undefined : Number(header);
}

/** Requests already draining (a refused body drains at once, then the response's 'finish' asks again). */
const discarding = new WeakSet<IncomingMessage>();

/**
 * Keeps keep-alive connections usable when the handler did not read the whole body: what is left
 * is read and dropped up to a limit, past which the socket is closed instead.
 */
export function discardRemainingBody(req: IncomingMessage): void {
  if (req.readableEnded || req.destroyed || discarding.has(req)) return;
  discarding.add(req);
  // A read still going on (or started later) fails instead of seeing a silently truncated body.
  abandonBody.get(req)?.();
  let received = 0;
  req.removeAllListeners('data');
  req.on('data', (chunk: Buffer) => {
    received += chunk.byteLength;
    if (received > DRAIN_LIMIT) req.socket.destroy();
  });
  req.on('error', () => {});
  req.resume();
}
