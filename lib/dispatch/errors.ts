import { isNativeError } from 'node:util/types';
import { middlewareOnly, type NextResponse } from '../next/response';

/**
 * What Express's error pipeline receives when a route handler fails: says which file, method and
 * URL, keeps the original error as `cause`, and shows the handler's own stack frames.
 */
export class RouteHandlerError extends Error {
  override readonly name = 'RouteHandlerError';

  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    const causeStack = cause instanceof Error || (cause && typeof (cause as Error).stack === 'string') ? (cause as Error).stack : undefined;
    if (causeStack) this.stack = `${this.name}: ${message}\n  caused by ${causeStack}`;
  }
}

export function thrownError(file: string, method: string, url: string, cause: unknown): RouteHandlerError {
  return new RouteHandlerError(`Route handler '${file}' threw (method: ${method}, url: ${url}): ${detail(cause)}`, cause);
}

/** The handler's Response could not be written: a header Node refuses, a status text with control characters. */
export function unsendableResponse(file: string, method: string, url: string, cause: unknown): RouteHandlerError {
  return new RouteHandlerError(`The response of route handler '${file}' cannot be sent (method: ${method}, url: ${url}): ${detail(cause)}`, cause);
}

/** The Response's body stream failed while it was being sent. */
export function bodyStreamError(file: string, method: string, url: string, cause: unknown): RouteHandlerError {
  return new RouteHandlerError(`The response body of route handler '${file}' failed while streaming (method: ${method}, url: ${url}): ${detail(cause)}`, cause);
}

function detail(cause: unknown): string {
  return isError(cause) ? `${cause.name}: ${cause.message}` : `a non-Error value (${describe(cause)})`;
}

/** `instanceof Error` across realms too: Node's own errors (ERR_INVALID_CHAR …) are not from the route code's realm under every loader. */
export function isError(value: unknown): value is Error {
  return value instanceof Error || isNativeError(value);
}

/** Next.js's checks on what a handler returned, with its messages. */
export function invalidResult(file: string, method: string, url: string, result: unknown): RouteHandlerError | undefined {
  if (!(result instanceof Response)) {
    return new RouteHandlerError(
      `No response is returned from route handler '${file}'. Expected a Response object but received '${describe(result)}' (method: ${method}, url: ${url}). Ensure you return a \`Response\` or a \`NextResponse\` in all branches of your handler.`,
    );
  }
  // undici refuses these statuses; a subclass can still report one. 1xx would leave the client waiting.
  const status = result.status;
  if (!(Number.isInteger(status) && status >= 200 && status <= 599)) {
    return new RouteHandlerError(
      `Route handler '${file}' returned a Response with status ${String(status)} (method: ${method}, url: ${url}); a response status must be an integer from 200 to 599.`,
    );
  }
  const middlewareResponse = (result as NextResponse)[middlewareOnly];
  if (middlewareResponse === 'rewrite') {
    return new RouteHandlerError(
      'NextResponse.rewrite() was used in a app route handler, this is not currently supported. Please remove the invocation to continue.',
    );
  }
  if (middlewareResponse === 'next') {
    return new RouteHandlerError(
      'NextResponse.next() was used in a app route handler, this is not supported. See here for more info: https://nextjs.org/docs/messages/next-response-next-in-app-route-handler',
    );
  }
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'Object';
  return typeof value;
}
