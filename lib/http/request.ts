import type { IncomingHttpHeaders } from 'node:http';
import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';
import { directBody, lazySignal, NextRequest } from '../next/request';
import { refuseBody } from './limits';
import { readWhole } from './body-sinks';
import { requestBody, type DirectRead } from './request-body';
import { abortSignalFor } from './request-signal';

/**
 * Builds the handler's `NextRequest` from Express's `req`: a native Request (headers as Node
 * joined them, body streamed with `duplex: 'half'` except for GET/HEAD) whose `signal` aborts
 * with `ResponseAborted` when the client goes away before the response is finished.
 */
export function createNextRequest(req: ExpressRequest, res: ExpressResponse, url: string, bodyLimit?: number): NextRequest {
  const method = req.method;
  let headers: IncomingHttpHeaders | Headers = req.httpVersionMajor >= 2 ? withoutPseudoHeaders(req.headers) : req.headers;
  let body: BodyInit | undefined;
  let read: DirectRead | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    const source = requestBody(req, bodyLimit === undefined ? undefined : { bytes: bodyLimit, exceeded: (error) => refuseBody(req, res, error) });
    if (source.kind === 'rebuilt') {
      headers = new Headers(headers as Record<string, string>);
      headers.set('content-length', String(source.bytes.byteLength));
      headers.delete('transfer-encoding');
      headers.delete('content-encoding');
      if (source.contentType) headers.set('content-type', source.contentType);
      body = source.bytes as unknown as BodyInit;
      const bytes = source.bytes;
      // A copy per read: these bytes are the parser's (`req.body`, `req.rawBody`), and arrayBuffer() hands its bytes over.
      read = (sink) => readWhole(Buffer.from(bytes), sink);
    } else {
      body = source.stream;
      if (source.kind === 'stream') read = source.read;
    }
  }
  // The mount path is Next's basePath: `nextUrl.pathname` is below it, `request.url` keeps it.
  const nextConfig = req.baseUrl ? { basePath: req.baseUrl } : undefined;
  const request = new NextRequest(url, { method, headers: headers as HeadersInit, body, duplex: body ? 'half' : undefined, nextConfig });
  request[lazySignal] = () => abortSignalFor(res);
  if (read) request[directBody] = read;
  return request;
}

function withoutPseudoHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const result: IncomingHttpHeaders = {};
  for (const name in headers) if (!name.startsWith(':')) result[name] = headers[name];
  return result;
}
