import type { IncomingMessage, ServerResponse } from 'node:http';
import { giveUp } from '../http/limits';
import { RouteHandlerError } from './errors';

/**
 * `maxDuration`: a call still unanswered after `seconds` has its `request.signal` aborted with a
 * `TimeoutError`, and the client gets a 504 — or, when the response had already begun, a cut
 * connection. The handler is not stopped (nothing can stop a promise); whatever it answers later
 * is dropped. The timer goes as soon as the response is finished or the client is gone.
 */
export function startDeadline(req: IncomingMessage, res: ServerResponse, seconds: number, describe: { file: string; method: string; url: string }, logError: (error: Error) => void): void {
  const timer = setTimeout(() => {
    if (res.writableEnded || res.destroyed) return;
    const error = new RouteHandlerError(
      `Route handler '${describe.file}' did not answer within its maxDuration of ${seconds} s (method: ${describe.method}, url: ${describe.url}).`,
    );
    logError(error);
    giveUp(req, res, 504, new DOMException(error.message, 'TimeoutError'));
  }, seconds * 1000);
  res.once('close', () => clearTimeout(timer));
}
