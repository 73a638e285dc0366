'use strict';

/*
 * A "legacy" Express 4 server: body parsers, cookie-parser, compression, a logger, plain Express
 * routes — and, mounted in the middle of it, Next.js App Router route handlers from ./app.
 *
 *   npm start                 (from the repository root: builds the package, then runs this file)
 *   PORT=4000 HOST=0.0.0.0 node example-app/server.js
 *   REDIS_URL=redis://127.0.0.1:6379 node example-app/server.js   (static-route cache shared through Redis)
 */

var path = require('path');
var express = require('express');
var cookieParser = require('cookie-parser');
var compression = require('compression');
// The package's own name resolves to ./dist through package.json "exports" (self-reference).
// In your own app this is simply the installed dependency.
var erh = require('express-route-handlers');
var store = require('./lib/store');

var routeHandlers = erh.routeHandlers;
var formatRouteTable = erh.formatRouteTable;
var RedisCacheHandler = erh.RedisCacheHandler;

var app = express();
app.disable('x-powered-by');

// --- the usual middleware stack --------------------------------------------------------------

// A tiny request logger. It also counts requests in the shared store (see GET /api/stats).
app.use(function logger(req, res, next) {
  var started = process.hrtime();
  store.stats.requests += 1;
  res.locals.requestId = 'req-' + store.stats.requests;
  res.on('close', function () {
    var diff = process.hrtime(started);
    var ms = (diff[0] * 1e3 + diff[1] / 1e6).toFixed(1);
    var note = res.writableFinished ? '' : ' (client went away)';
    console.log('%s %s %d %sms%s', req.method, req.originalUrl, res.statusCode, ms, note);
  });
  next();
});

app.use(compression());
app.use(express.json());
app.use(express.urlencoded({ extended: true }));
app.use(cookieParser());

// --- plain Express routes --------------------------------------------------------------------

app.get('/health', function (req, res) {
  res.json({ ok: true });
});

// Short-link visits, counted by after() in app/api/go/route.ts.
app.get('/legacy/visits', function (req, res) {
  res.json(store.visits);
});

// The same store the route files under app/ import.
app.get('/legacy/users', function (req, res) {
  res.json(store.listUsers());
});

app.get('/legacy/users/:id', function (req, res) {
  var user = store.getUser(req.params.id);
  if (!user) return res.status(404).json({ error: 'User ' + req.params.id + ' not found' });
  res.json(user);
});

// Express code changing data that a cached route serves: update the store, then revalidate the path
// (the next GET /api/catalog regenerates; with Redis, on every instance). Declared before `handlers`
// but only called at request time.
app.patch('/legacy/catalog/:sku', function (req, res, next) {
  var price = Number(req.body && req.body.price);
  if (!(price >= 0)) return res.status(400).json({ error: 'Body must be JSON like {"price": 99}' });
  var product = store.setPrice(req.params.sku, price);
  if (!product) return res.status(404).json({ error: 'Product ' + req.params.sku + ' not found' });
  handlers.revalidatePath('/api/catalog').then(function () {
    res.json(product);
  }, next);
});

// cookie-parser sees the cookie that app/api/session/route.ts sets.
app.get('/legacy/session', function (req, res) {
  res.json({ session: req.cookies.session || null });
});

// Errors from plain routes end up in the error handler below, like those from route handlers.
app.get('/legacy/boom', function (req, res, next) {
  next(new Error('Something broke in a legacy route'));
});

// --- Next.js route handlers ------------------------------------------------------------------

// Static GET routes (app/api/catalog: `export const revalidate = 30`) are cached. By default in this
// process's memory; with REDIS_URL set, in Redis, so that every instance of the app shares the cached
// answers, `revalidatePath`/`revalidateTag` and the regeneration locks.
var cache;
if (process.env.REDIS_URL) {
  cache = new RedisCacheHandler({ url: process.env.REDIS_URL });
  console.log('Static-route cache: Redis at %s (shared by every instance with this REDIS_URL)', withoutPassword(process.env.REDIS_URL));
} else {
  console.log('Static-route cache: in memory (this process only; set REDIS_URL to share it through Redis)');
}

var handlers = routeHandlers({ appDir: path.join(__dirname, 'app'), cache: cache });
app.use(handlers);
// Mounted under a prefix, the same files answer there too: /v2/api/users, ...
// app.use('/v2', handlers);

// --- 404 and errors --------------------------------------------------------------------------

app.use(function notFound(req, res) {
  res.status(404).json({ error: 'Not Found', path: req.originalUrl });
});

// eslint-disable-next-line no-unused-vars
app.use(function errorHandler(err, req, res, next) {
  // Body-parser errors (malformed JSON, too large, ...) carry a 4xx status.
  var status = err.status || err.statusCode || 500;
  if (status < 400 || status > 599) status = 500;
  if (status >= 500) console.error('Error while handling %s %s:\n', req.method, req.originalUrl, err);
  if (res.headersSent) return next(err);
  res.status(status).json({ error: status >= 500 ? 'Internal Server Error' : err.message });
});

// --- start -----------------------------------------------------------------------------------

// `node example-app/server.js` listens; `require('./server')` (a test, another entry point) only gets
// the app and its route handlers, and is in charge of `handlers.ready` and `handlers.close()`.
module.exports = { app: app, handlers: handlers };

var server;
var shuttingDown = false;

if (require.main === module) start();

function start() {
  var port = process.env.PORT || 3000;
  var host = process.env.HOST || '127.0.0.1';

  ['SIGINT', 'SIGTERM'].forEach(function (signal) {
    process.on(signal, function () {
      console.log('\n%s received, shutting down', signal);
      shutdown(0);
    });
  });

  handlers.ready
    .then(function () {
      server = app.listen(port, host, function () {
        var address = server.address();
        var shownHost = address.family === 'IPv6' ? '[' + address.address + ']' : address.address;
        console.log('Example app listening on http://%s:%d', shownHost, address.port);
        console.log('\nRoute handlers (from %s):\n%s\n', path.relative(process.cwd(), path.join(__dirname, 'app')) || '.', formatRouteTable(handlers.routes));
      });
      server.on('error', function (err) {
        console.error('Server error:', err);
        shutdown(1);
      });
    })
    .catch(function (err) {
      console.error('Failed to start the example app:\n', err);
      handlers.close().finally(function () {
        process.exit(1);
      });
    });
}

function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;

  function closeHandlers() {
    handlers
      .close() // removes the compiled route files, disconnects Redis
      .catch(function (err) {
        console.error('Error while closing route handlers:', err);
      })
      .then(function () {
        process.exit(code);
      });
  }

  if (!server || !server.listening) return closeHandlers();
  // Stop accepting connections; finish in-flight requests, drop idle keep-alive sockets.
  server.close(closeHandlers);
  server.closeIdleConnections();
  // Long-lived responses (SSE) would keep us waiting: cut them after a short grace period.
  setTimeout(function () {
    console.log('Closing connections still open after 2s');
    server.closeAllConnections();
  }, 2000).unref();
  setTimeout(function () {
    console.error('Forcing exit after 5s');
    process.exit(1);
  }, 5000).unref();
}

/** For log lines: the URL without its credentials. */
function withoutPassword(url) {
  try {
    var parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch (err) {
    return '(invalid URL)';
  }
}
