// The baseline: the "30-line adapter" people write to run fetch handlers in Express. Every request
// becomes a Web Request before routing, and the Response is copied back by hand.
import { once } from 'node:events';
import { Readable } from 'node:stream';

/** `route(pathname)` returns `{ handlers, params }` or undefined. */
export function naiveAdapter(route) {
  return async (req, res, next) => {
    try {
      const headers = new Headers();
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
      const controller = new AbortController();
      res.on('close', () => controller.abort());
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const request = new Request(`${req.protocol}://${req.get('host')}${req.originalUrl}`, {
        method: req.method,
        headers,
        body: hasBody ? Readable.toWeb(req) : undefined,
        duplex: hasBody ? 'half' : undefined,
        signal: controller.signal,
      });

      const match = route(new URL(request.url).pathname);
      const handler = match?.handlers[request.method];
      if (!handler) return next();
      const response = await handler(request, { params: Promise.resolve(match.params) });

      res.statusCode = response.status;
      for (const [name, value] of response.headers) if (name !== 'set-cookie') res.setHeader(name, value);
      const setCookies = response.headers.getSetCookie();
      if (setCookies.length > 0) res.setHeader('set-cookie', setCookies);
      if (response.body) {
        const reader = response.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          // The signal ends the wait (and this request) if the client goes away mid-stream.
          if (!res.write(value)) await once(res, 'drain', { signal: controller.signal });
        }
      }
      res.end();
    } catch (error) {
      // A client that went away mid-response cannot be answered; anything else is Express's.
      if (res.destroyed) return;
      next(error);
    }
  };
}
