import type { Request as ExpressRequest } from 'express';

type TrustFunction = (address: string | undefined, hop: number) => boolean;

/**
 * The origin the client used, as Express sees it: protocol and host (with its port) from the
 * socket and `Host`, or from X-Forwarded-Proto/-Host when the app's `trust proxy` trusts the peer.
 */
export function requestOrigin(req: ExpressRequest): string {
  let protocol = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  let host = req.headers.host;
  const trust = req.app?.get('trust proxy fn') as TrustFunction | undefined;
  if (trust && (req.headers['x-forwarded-proto'] || req.headers['x-forwarded-host']) && trust(req.socket.remoteAddress, 0)) {
    const forwardedProto = firstValue(req.headers['x-forwarded-proto']);
    if (forwardedProto) protocol = forwardedProto;
    const forwardedHost = firstValue(req.headers['x-forwarded-host']);
    if (forwardedHost) host = forwardedHost;
  }
  return `${protocol}://${host || 'localhost'}`;
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
  const pathStart = target.indexOf('/', authorityStart + 2);
  if (pathStart !== -1) return target.slice(pathStart);
  const queryStart = target.indexOf('?', authorityStart + 2);
  return queryStart === -1 ? '/' : `/${target.slice(queryStart)}`;
}
