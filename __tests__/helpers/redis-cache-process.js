// A second process for the Redis cache-handler tests: it runs the built RedisCacheHandler
// (dist/, as an app would) and does what the parent asks over the IPC channel, so the tests can
// check that two processes sharing one Redis see each other's entries, locks and invalidations.
// It also watches its own process for unhandled rejections and uncaught exceptions: outside jest,
// `process.on('unhandledRejection')` sees the real thing.
'use strict';

const { RedisCacheHandler } = require('../../dist/cache/redis-cache.js');

const [url, keyPrefix] = process.argv.slice(2);
const warnings = [];
const unhandledRejections = [];
const uncaughtExceptions = [];
process.on('unhandledRejection', (reason) => unhandledRejections.push(String(reason)));
process.on('uncaughtException', (error) => uncaughtExceptions.push(String(error)));

const cache = new RedisCacheHandler({ url, keyPrefix, logger: { warn: (message) => warnings.push(message) } });
const locks = new Map();

const operations = {
  get: async (key) => cache.get(key),
  set: async (key, entry) => cache.set(key, { ...entry, body: Buffer.from(entry.body) }),
  lock: async (key, ttlMs) => {
    const lock = await cache.lock(key, ttlMs);
    if (lock) locks.set(key, lock);
    return lock !== undefined;
  },
  release: async (key) => {
    await locks.get(key)?.release();
    locks.delete(key);
  },
  invalidateTags: async (tags, invalidation) => cache.invalidateTags(tags, invalidation),
  tagInvalidation: async (tags) => cache.tagInvalidation(tags),
  waitForUpdate: async (key, timeoutMs) => cache.waitForUpdate(key, timeoutMs),
  report: async () => ({ warnings, unhandledRejections, uncaughtExceptions }),
  close: async () => cache.close(),
};

process.on('message', ({ id, op, args }) => {
  // After 'close', disconnecting leaves nothing that keeps the process alive: it exits.
  const reply = (message) => process.send(message, () => op === 'close' && process.disconnect());
  operations[op](...args).then(
    (result) => reply({ id, ok: true, result }),
    (error) => reply({ id, ok: false, error: String(error && error.stack ? error.stack : error) }),
  );
});
process.send({ ready: true });
