// The three server variants, all Express 4 apps serving the same scenarios (see scenarios.mjs).
// Run as `node bench/servers.mjs <express|ours|naive>` (the runner forks it): the child listens on
// 127.0.0.1, an ephemeral port, and reports the port over IPC. With BENCH_REDIS_URL set, ours caches
// static routes in Redis (RedisCacheHandler, keys prefixed per process) instead of in memory.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import cookieParser from 'cookie-parser';
import express from 'express';
import * as fetchHandlers from './fetch-handlers.mjs';
import { naiveAdapter } from './naive-adapter.mjs';
import { STREAM_BYTE, STREAM_CHUNK_COUNT, STREAM_CHUNK_SIZE } from './scenarios.mjs';

export const SERVER_KINDS = ['express', 'ours', 'naive'];

const appDir = fileURLToPath(new URL('./app', import.meta.url));

// Allocated once so the benchmark measures streaming, not allocation.
const CHUNK = Buffer.alloc(STREAM_CHUNK_SIZE, STREAM_BYTE);

/** Hand-written Express handlers: the reference the others are compared with. */
function expressApp() {
  const app = express();
  app.use(cookieParser());
  const hello = (req, res) => res.json({ hello: req.query.name });
  app.get('/api/hello', hello);
  // The cache scenarios: the very same handler (res.json sends a weak ETag and answers 304s itself).
  app.get('/api/cached', hello);
  app.get('/api/users/:id', (req, res) => res.json({ id: req.params.id }));
  app.post('/api/echo', express.json(), (req, res) => res.json(req.body));
  app.get('/api/stream', (req, res) => {
    res.type('application/octet-stream');
    for (let i = 0; i < STREAM_CHUNK_COUNT; i++) res.write(CHUNK);
    res.end();
  });
  app.get('/api/cookies', (req, res) => {
    res.cookie('a', '1');
    res.cookie('b', '2', { httpOnly: true });
    res.json({ session: req.cookies.session });
  });
  return { app, ready: Promise.resolve(), close: async () => {} };
}

/** The library, pointed at bench/app. Loaded from dist/ so the build is what gets measured. */
function oursApp() {
  const require = createRequire(import.meta.url);
  const { routeHandlers, RedisCacheHandler } = require('../dist/index.js');
  const redisUrl = process.env.BENCH_REDIS_URL;
  const cache = redisUrl ? new RedisCacheHandler({ url: redisUrl, keyPrefix: `bench:${process.pid}:` }) : undefined;
  const app = express();
  const handlers = routeHandlers({ appDir, cache });
  app.use(handlers);
  // close() removes the compiled route files the library keeps under node_modules/.cache (and
  // disconnects Redis).
  return { app, ready: handlers.ready, close: () => handlers.close() };
}

/** The naive adapter with its own routing, equivalent to the library's for these paths. */
function naiveApp() {
  const staticRoutes = new Map([
    ['/api/hello', fetchHandlers.hello],
    // No cache of its own: /api/cached runs the hello handler on every request.
    ['/api/cached', fetchHandlers.hello],
    ['/api/echo', fetchHandlers.echo],
    ['/api/stream', fetchHandlers.stream],
    ['/api/cookies', fetchHandlers.cookies],
  ]);
  const userRoute = /^\/api\/users\/([^/]+)$/;
  const route = (pathname) => {
    const handlers = staticRoutes.get(pathname);
    if (handlers) return { handlers, params: {} };
    const match = userRoute.exec(pathname);
    if (match) return { handlers: fetchHandlers.user, params: { id: decodeURIComponent(match[1]) } };
    return undefined;
  };
  const app = express();
  app.use(naiveAdapter(route));
  return { app, ready: Promise.resolve(), close: async () => {} };
}

export async function createApp(kind) {
  const factories = { express: expressApp, ours: oursApp, naive: naiveApp };
  if (!factories[kind]) throw new Error(`unknown server kind ${kind}; expected one of ${SERVER_KINDS.join(', ')}`);
  const { app, ready, close } = factories[kind]();
  // Registered after the routes in every variant, so unmatched requests fall through to it.
  app.use((req, res) => res.status(404).send('nope'));
  await ready;
  return { app, close };
}

async function main() {
  const kind = process.argv[2];
  // Without a parent to report to (or once it is gone) there is nothing to serve.
  process.on('disconnect', () => process.exit(0));
  try {
    const { app, close } = await createApp(kind);
    // The runner stops servers with SIGTERM; clean up before exiting.
    process.once('SIGTERM', () => close().finally(() => process.exit(0)));
    const server = app.listen(0, '127.0.0.1', () => {
      process.send?.({ type: 'listening', port: server.address().port });
      if (!process.send) console.log(`${kind} listening on http://127.0.0.1:${server.address().port}`);
    });
  } catch (error) {
    const message = error?.stack ?? String(error);
    if (process.send) process.send({ type: 'error', message }, () => process.exit(1));
    else {
      console.error(message);
      process.exit(1);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
