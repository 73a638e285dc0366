import type { IncomingMessage, ServerResponse } from 'node:http';
import bytes from 'bytes';
import { closeIfUndrainable, discardRemainingBody, type PayloadTooLargeError } from './request-body';
import { abandonRequest } from './request-signal';

/** The `bodyLimit` option in bytes (`'1mb'` as Express's body parsers read it); a mistake fails at startup. */
export function byteLimit(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = typeof value === 'number' ? value : bytes.parse(value);
  if (typeof parsed !== 'number' || !Number.isSafeInteger(parsed) || parsed < 0) {
    throw new TypeError(`routeHandlers: bodyLimit must be a whole number of bytes or a size such as '1mb', got ${JSON.stringify(value)}`);
  }
  return parsed;
}

/**
 * Answers 413 for a body past the limit — at once when Content-Length says so, or as soon as a
 * streamed body crosses it — and aborts the handler's `request.signal`. A handler still running
 * finds its response dropped (the request was answered). What is left of the body is drained a
 * little to keep the connection, else the socket is closed.
 */
export function refuseBody(req: IncomingMessage, res: ServerResponse, error: PayloadTooLargeError): void {
  giveUp(req, res, 413, error);
  discardRemainingBody(req);
}

/**
 * A limit gives up on a request: its handler's `request.signal` aborts with `reason`, and the
 * client gets `status` with an empty body — or a cut connection when the response had begun.
 * Whatever the handler answers later is dropped (see sendOutcome).
 */
export function giveUp(req: IncomingMessage, res: ServerResponse, status: number, reason: Error | DOMException): void {
  abandonRequest(res, reason);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (res.writableEnded) return;
  closeIfUndrainable(req, res);
  res.statusCode = status;
  res.end();
}
