import type { IncomingMessage } from 'node:http';
import type { Request as ExpressRequest } from 'express';
import parseurl from 'parseurl';

type TrustFunction = (address: string | undefined, hop: number) => boolean;

/** A host name or IP literal with an optional port: a `/`, `?` or `#` in `Host` would otherwise become part of the URL's path. */
const validHost = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::\d{0,5})?$/;
const validProtocol = /^[A-Za-z][A-Za-z0-9+.-]*$/;

/**
 * The origin the client used, as Express sees it: protocol and host (with its port) from the
 * socket and `Host`, or from X-Forwarded-Proto/-Host when the app's `trust proxy` trusts the peer.
 * Undefined when they do not make an origin (`Host: evil/x`): the request is a bad one.
 */
export function requestOrigin(req: ExpressRequest): string | undefined {
  let protocol = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  let host = req.headers.host;
  if ((req.headers['x-forwarded-proto'] || req.headers['x-forwarded-host']) && trusted(req)) {
    const forwardedProto = firstValue(req.headers['x-forwarded-proto']);
    if (forwardedProto) protocol = forwardedProto;
    const forwardedHost = firstValue(req.headers['x-forwarded-host']);
    if (forwardedHost) host = forwardedHost;
  }
  host ||= 'localhost';
  if (!validHost.test(host) || !validProtocol.test(protocol)) return undefined;
  return `${protocol}://${host}`;
}

function trusted(req: ExpressRequest): boolean {
  const trust = req.app?.get('trust proxy fn') as TrustFunction | undefined;
  return trust !== undefined && trust(req.socket.remoteAddress, 0);
}

function firstValue(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  const comma = value.indexOf(',');
  return (comma === -1 ? value : value.slice(0, comma)).trim() || undefined;
}

/**
 * The path and query Express routes `req` by — `req.url`, shortened by a mount — parsed exactly as
 * Express parses it (parseurl, cached on `req`): an absolute-form target like `http://a;/admin/x`
 * routes `;/admin/x` there, so it must here. Undefined for a path no route file can have (`*`, `;/…`).
 */
export function routedTarget(req: IncomingMessage): { pathname: string; search: string } | undefined {
  const parsed = parseurl(req);
  const pathname = parsed?.pathname;
  if (!pathname || pathname.charCodeAt(0) !== 0x2f) return undefined;
  return { pathname, search: parsed!.search ?? '' };
}

/** Path and query of the whole target (`req.originalUrl`, mount path included), parsed the same way. */
export function originalTarget(req: IncomingMessage): { pathname: string; search: string } {
  const parsed = parseurl.original(req as IncomingMessage & { originalUrl: string });
  return { pathname: parsed?.pathname ?? '/', search: parsed?.search ?? '' };
}
