import type { ServerResponse } from 'node:http';
import { ResponseAborted } from './response-aborted';

/** Controllers of the signals handed out so far; most requests never read `request.signal`. */
const controllers = new WeakMap<ServerResponse, AbortController>();
/** Why a request was given up on by a limit, for signals first read after it happened. */
const abandoned = new WeakMap<ServerResponse, unknown>();

/**
 * `request.signal` for the request answered on `res`: aborts with `ResponseAborted` when the
 * client goes away before the response is finished, or with the reason a limit gave (a body too
 * large, maxDuration passed). Created only when a handler reads it: the listener is not free.
 */
export function abortSignalFor(res: ServerResponse): AbortSignal {
  const reason = abandoned.get(res);
  if (reason !== undefined) return AbortSignal.abort(reason);
  if (res.writableFinished) return new AbortController().signal;
  if (res.destroyed) return AbortSignal.abort(new ResponseAborted());
  const controller = new AbortController();
  controllers.set(res, controller);
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new ResponseAborted());
  });
  return controller.signal;
}

/** A limit gave up on this request: its handler's signal aborts with `reason`, now or when first read. */
export function abandonRequest(res: ServerResponse, reason: Error | DOMException): void {
  if (abandoned.has(res)) return;
  abandoned.set(res, reason);
  controllers.get(res)?.abort(reason);
}
