import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { ErrorRequestHandler, Express } from 'express';
import { routeHandlers, type RouteHandlersMiddleware, type RouteHandlersOptions } from '../../lib';

export const fixtures = path.join(__dirname, '..', 'fixtures');

export function fixtureApp(name: string): string {
  return path.join(fixtures, name, 'app');
}

/** Route handlers for a fixture app, closed after the suite. Startup warnings are tested on their own. */
export function handlersFor(name: string, options: Partial<RouteHandlersOptions> = {}): RouteHandlersMiddleware {
  const handlers = routeHandlers({ appDir: fixtureApp(name), logger: { warn: () => {} }, ...options });
  afterAll(() => handlers.close());
  return handlers;
}

/** The errors Express's pipeline received, with a JSON 500 answer naming them. */
export function recordErrors(app: Express): unknown[] {
  const errors: unknown[] = [];
  const handler: ErrorRequestHandler = (error, _req, res, _next) => {
    errors.push(error);
    if (res.headersSent) return;
    res.status(500).json({ error: (error as Error).message });
  };
  app.use(handler);
  return errors;
}

/** Serves an app on a free loopback port for the whole suite (call at describe level). */
export function serve(app: Express): { readonly port: number; readonly url: string; readonly server: http.Server } {
  const server = http.createServer(app);
  beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    server,
    get port() {
      return (server.address() as AddressInfo).port;
    },
    get url() {
      return `http://127.0.0.1:${this.port}`;
    },
  };
}

/** Resolves with the next value an event emitter gives (tests wait on events, never on sleeps). */
export function once<T = unknown>(emitter: NodeJS.EventEmitter, event: string): Promise<T> {
  return new Promise((resolve) => emitter.once(event, resolve as (value: unknown) => void));
}
