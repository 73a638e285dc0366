import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';

/** The `fresh` package's test for an end-to-end reload (`Cache-Control: no-cache` in the request). */
const noCache = /(?:^|,)\s*?no-cache\s*?(?:,|$)/;

type EtagFunction = (body: Buffer, encoding?: BufferEncoding) => string | false | undefined;

/**
 * Whether a conditional request is fresh against the `ETag` and `Last-Modified` already set on
 * `res`: the header check behind Express's `req.fresh` (the `fresh` package), in the variant the
 * app's own Express uses, since the two differ when both conditions are sent:
 * - Express 5 (`fresh` 2): `If-None-Match`, when present, decides alone (RFC 9110 §13.2.2) and `*`
 *   matches any current representation; `If-Modified-Since` is only read without it.
 * - Express 4 (`fresh` 0.5): every condition sent must hold, and `*` only skips the ETag comparison.
 *
 * Tags compare weakly (`W/"x"` matches `"x"`); an unparsable date is never fresh. Which methods and
 * statuses may become a 304 is the caller's to decide (Express: GET/HEAD, 2xx or 304).
 */
export function isFresh(req: ExpressRequest, res: ExpressResponse): boolean {
  const headers = req.headers;
  const noneMatch = headers['if-none-match'];
  const modifiedSince = headers['if-modified-since'];
  if (!noneMatch && !modifiedSince) return false;
  const cacheControl = headers['cache-control'];
  if (cacheControl && noCache.test(cacheControl)) return false;

  if (noneMatch) {
    const ifNoneMatchDecides = !isExpress4(req);
    if (noneMatch === '*') {
      if (ifNoneMatchDecides) return true;
    } else {
      const matched = etagMatches(noneMatch, res.getHeader('ETag'));
      if (ifNoneMatchDecides || !matched) return matched;
    }
  }
  if (modifiedSince) {
    const lastModified = res.getHeader('Last-Modified');
    // `!(a <= b)`: stale when either date is unparsable (NaN), as `fresh` does.
    if (typeof lastModified !== 'string' || !(Date.parse(lastModified) <= Date.parse(modifiedSince))) return false;
  }
  return true;
}

/**
 * The app's compiled `etag` setting (`req.app.get('etag fn')`): weak by default, strong for
 * `'strong'`, the app's own function, or undefined when ETags are off (`false`).
 */
export function etagFunctionOf(res: ExpressResponse): EtagFunction | undefined {
  const fn: unknown = (res.app as ExpressResponse['app'] | undefined)?.get('etag fn');
  return typeof fn === 'function' ? (fn as EtagFunction) : undefined;
}

/** `If-None-Match` against the response's tag, compared as `fresh` does (spaces-separated list, weak comparison). */
function etagMatches(noneMatch: string, etag: unknown): boolean {
  if (typeof etag !== 'string' || !etag) return false;
  for (const match of parseTokenList(noneMatch)) {
    if (match === etag || match === `W/${etag}` || `W/${match}` === etag) return true;
  }
  return false;
}

/** The `fresh` package's list split: commas separate, spaces around a token are dropped. */
function parseTokenList(value: string): string[] {
  const list: string[] = [];
  let start = 0;
  let end = 0;
  for (let i = 0; i < value.length; i++) {
    switch (value.charCodeAt(i)) {
      case 0x20:
        if (start === end) start = end = i + 1;
        break;
      case 0x2c:
        list.push(value.substring(start, end));
        start = end = i + 1;
        break;
      default:
        end = i + 1;
    }
  }
  list.push(value.substring(start, end));
  return list;
}

/** Express 4's request still has `req.param()` (removed in Express 5); a bare Node request counts as 5. */
function isExpress4(req: ExpressRequest): boolean {
  return typeof (req as { param?: unknown }).param === 'function';
}
