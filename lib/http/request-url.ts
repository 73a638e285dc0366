import type { Request as ExpressRequest } from 'express';

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

/** Path and query of a request target; an absolute-form target (`GET http://h/p`) keeps only those. */
export function pathAndQuery(target: string): string {
  if (target.startsWith('/')) return target;
  const authorityStart = target.indexOf('//');
  if (authorityStart === -1) return `/${target}`;
  // The authority ends at the first `/` or `?` (`http://h?x=/y` is the path `/`, as Express routes it).
  let pathStart = authorityStart + 2;
  while (pathStart < target.length && target[pathStart] !== '/' && target[pathStart] !== '?') pathStart++;
  return target[pathStart] === '/' ? target.slice(pathStart) : `/${target.slice(pathStart)}`;
}
