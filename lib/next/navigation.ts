// `next/navigation` as route handlers use it: throwing helpers the dispatcher turns into responses.
// The errors carry Next's `digest` strings, so code that inspects them (or rethrows them) keeps working.
import { requestStorage } from '../context/request-store';

export enum RedirectType {
  push = 'push',
  replace = 'replace',
}

const REDIRECT = 'NEXT_REDIRECT';
const HTTP_FALLBACK = 'NEXT_HTTP_ERROR_FALLBACK';

export interface RedirectError extends Error {
  digest: `${typeof REDIRECT};${RedirectType};${string};${307 | 308};`;
}

export interface HTTPAccessFallbackError extends Error {
  digest: `${typeof HTTP_FALLBACK};${404 | 403 | 401}`;
}

/** routeHandlers({ authInterrupts: true }) is Next's `experimental.authInterrupts`. */
function authInterrupts(): boolean {
  return requestStorage.getStore()?.authInterrupts === true;
}

function redirectError(url: string, type: RedirectType, status: 307 | 308): RedirectError {
  const error = new Error(REDIRECT) as RedirectError;
  error.digest = `${REDIRECT};${type};${url};${status};`;
  return error;
}

/** 307 to `url` (303 for requests that look like Server Actions); the Location is sent as given. */
export function redirect(url: string, type: RedirectType = RedirectType.replace): never {
  throw redirectError(url, type, 307);
}

/** 308 to `url` (303 for requests that look like Server Actions). */
export function permanentRedirect(url: string, type: RedirectType = RedirectType.replace): never {
  throw redirectError(url, type, 308);
}

function fallbackError(status: 404 | 403 | 401): HTTPAccessFallbackError {
  const digest = `${HTTP_FALLBACK};${status}` as const;
  const error = new Error(digest) as HTTPAccessFallbackError;
  error.digest = digest;
  return error;
}

/** Answers 404 with an empty body. */
export function notFound(): never {
  throw fallbackError(404);
}

/** Answers 403 — only with `authInterrupts` enabled, as in Next.js. */
export function forbidden(): never {
  if (!authInterrupts()) {
    throw new Error('`forbidden()` is experimental and only allowed to be enabled when `experimental.authInterrupts` is enabled.');
  }
  throw fallbackError(403);
}

/** Answers 401 — only with `authInterrupts` enabled, as in Next.js. */
export function unauthorized(): never {
  if (!authInterrupts()) {
    throw new Error('`unauthorized()` is experimental and only allowed to be used when `experimental.authInterrupts` is enabled.');
  }
  throw fallbackError(401);
}

function digestOf(error: unknown): string | undefined {
  const digest = (error as { digest?: unknown } | null)?.digest;
  return typeof digest === 'string' ? digest : undefined;
}

export function isRedirectError(error: unknown): error is RedirectError {
  const parts = digestOf(error)?.split(';');
  if (!parts || parts[0] !== REDIRECT || parts.length < 4) return false;
  const status = Number(parts.at(-2));
  const type = parts[1];
  return (type === 'push' || type === 'replace') && (status === 307 || status === 308);
}

export function isHTTPAccessFallbackError(error: unknown): error is HTTPAccessFallbackError {
  const [code, status] = digestOf(error)?.split(';') ?? [];
  return code === HTTP_FALLBACK && (status === '404' || status === '403' || status === '401');
}

export function getURLFromRedirectError(error: RedirectError): string {
  return error.digest.split(';').slice(2, -2).join(';');
}

export function getRedirectTypeFromError(error: RedirectError): RedirectType {
  return error.digest.split(';')[1] as RedirectType;
}

export function getRedirectStatusCodeFromError(error: RedirectError): 307 | 308 {
  return Number(error.digest.split(';').at(-2)) as 307 | 308;
}

export function getAccessFallbackHTTPStatus(error: HTTPAccessFallbackError): 404 | 403 | 401 {
  return Number(error.digest.split(';')[1]) as 404 | 403 | 401;
}

/** Rethrows errors that are meant for the framework (navigation), so a catch-all does not swallow them. */
export function unstable_rethrow(error: unknown): void {
  if (isRedirectError(error) || isHTTPAccessFallbackError(error)) throw error;
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (error instanceof Error && cause !== undefined) unstable_rethrow(cause);
}
