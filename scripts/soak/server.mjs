// The soak's server: one Express 4 app with the library (from dist/, as a user gets it) serving
// scripts/soak/app, run in a process of its own so its memory is measured alone. Forked by
// scripts/soak.mjs, it talks over IPC:
//   → { type: 'listening', port }                  once the route files are compiled and loaded
//   → { type: 'memory', rss, heapUsed, heapTotal, external, arrayBuffers }   every second
//   ← { type: 'stats' }  → { type: 'stats', stats, errorsHandled, notFoundHandled }
// It exits when the parent goes away or sends SIGTERM.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { stats } from './stats.mjs';

const require = createRequire(import.meta.url);
const { routeHandlers, MemoryCacheHandler } = require('../../dist/index.js');

const appDir = fileURLToPath(new URL('./app', import.meta.url));

// Small on purpose: the soak's few thousand static paths do not all fit, so the LRU evicts all
// the time (more MISSes) and the cache, bounded well below the memory we watch, cannot explain growth.
const CACHE_MAX_BYTES = 4 * 1024 * 1024;
// Limits every request carries (a deadline timer each): only /slow (maxDuration = 1) and the
// soak's oversized bodies reach them.
const MAX_DURATION_SECONDS = 30;
// Below the library's 1 MiB drain limit, so an oversized body is drained after the 413 and the
// connection stays usable (past it the socket is closed, see the soak's report).
const BODY_LIMIT = '512kb';

/**
 * Failures the library can only log. The soak causes two kinds on purpose — streams that break after
 * their headers went out, /slow running past its maxDuration — and counts them; anything else is
 * printed, for the soak to report.
 */
const logger = {
  warn: (message) => console.warn(message),
  error: (error) => {
    if (/failed while streaming.*soak: stream failure/.test(error.message)) stats.logged.streamFailures += 1;
    else if (/slow\/route\.ts' did not answer within its maxDuration/.test(error.message)) stats.logged.timeouts += 1;
    else {
      stats.logged.other += 1;
      console.error(error.stack ?? String(error));
    }
  },
};

let errorsHandled = 0;
let notFoundHandled = 0;

function createApp() {
  const app = express();
  const handlers = routeHandlers({
    appDir,
    cache: new MemoryCacheHandler({ maxBytes: CACHE_MAX_BYTES }),
    maxDuration: MAX_DURATION_SECONDS,
    bodyLimit: BODY_LIMIT,
    logger,
  });

  // Legacy body parsers ahead of the library for requests that ask for it, so the soak also covers
  // bodies rebuilt from req.body. (Their own limit above bodyLimit: the library's 413 decides.)
  const json = express.json({ limit: '1mb' });
  const form = express.urlencoded({ extended: true, limit: '1mb', parameterLimit: 10_000 });
  app.use((req, res, next) => {
    if (req.headers['x-soak-preparse'] !== '1') return next();
    json(req, res, (error) => (error ? next(error) : form(req, res, next)));
  });

  // On-demand revalidation from Express code: ?path=/static/7 or ?tag=…[&profile=max].
  app.get('/admin/revalidate', async (req, res, next) => {
    try {
      if (typeof req.query.path === 'string') await handlers.revalidatePath(req.query.path);
      else if (typeof req.query.tag === 'string') await handlers.revalidateTag(req.query.tag, req.query.profile === 'max' ? 'max' : undefined);
      else return res.status(400).send('path or tag');
      res.json({ revalidated: true });
    } catch (error) {
      next(error);
    }
  });

  app.use(handlers);

  // What no route matched falls through to here.
  app.use((req, res) => {
    notFoundHandled += 1;
    res.status(404).type('text/plain').send('soak fallthrough');
  });

  // Handler errors (RouteHandlerError) and body-parser errors. Quiet: the soak counts them instead.
  app.use((error, req, res, _next) => {
    errorsHandled += 1;
    if (res.headersSent || res.destroyed) return res.destroy();
    res.status(500).set('x-soak-error', error?.name ?? 'unknown').type('text/plain').send('soak error handler');
  });

  return { app, handlers };
}

function sampleMemory() {
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  process.send?.({ type: 'memory', rss, heapUsed, heapTotal, external, arrayBuffers });
}

async function main() {
  // Without a parent there is nobody to measure for.
  process.on('disconnect', () => process.exit(0));
  const { app, handlers } = createApp();
  try {
    await handlers.ready;
  } catch (error) {
    console.error(error?.stack ?? String(error));
    process.exit(1);
  }
  process.on('message', (message) => {
    if (message?.type === 'stats') process.send({ type: 'stats', stats, errorsHandled, notFoundHandled });
  });
  const server = app.listen(0, '127.0.0.1', () => {
    process.send?.({ type: 'listening', port: server.address().port });
    setInterval(sampleMemory, 1000);
  });
  process.once('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    handlers.close().finally(() => process.exit(0));
  });
}

main();
