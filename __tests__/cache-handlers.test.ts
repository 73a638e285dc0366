/**
 * The cache-handler contract, run against the in-memory default and the Redis handler (on a private
 * redis-server), plus what only one of them has: byte-bounded LRU eviction (memory); sharing between
 * processes, the stored layout and behaviour while Redis is unreachable (Redis).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { createClient, RESP_TYPES } from 'redis';
import type { CacheEntry, CacheHandler, CacheLock } from '../lib/cache/cache-handler';
import { entrySize, MemoryCacheHandler } from '../lib/cache/memory-cache';
import { RedisCacheHandler } from '../lib/cache/redis-cache';
import { freePort, startRedisServer, type RedisServer } from './helpers/redis';

type RawClient = ReturnType<typeof createClient>;

let server: RedisServer;
/** A plain node-redis client, to look at what the handler stored and who listens. */
let raw: RawClient;
let prefixCount = 0;
const nextPrefix = (): string => `test${++prefixCount}:`;

beforeAll(async () => {
  server = await startRedisServer();
  raw = createClient({ url: server.url });
  raw.on('error', () => undefined);
  await raw.connect();
});

afterAll(async () => {
  await raw?.close();
  await server?.stop();
});

/** Every byte value, invalid UTF-8 and NULs, then random bytes: anything lossy (strings, base64 slips) shows. */
const BINARY_BODY = Buffer.concat([
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0x00, 0x00, 0xed, 0xa0, 0x80]),
  randomBytes(256 * 1024),
]);

function makeEntry(overrides: Partial<CacheEntry> = {}): CacheEntry {
  return {
    status: 200,
    headers: { 'content-type': 'application/octet-stream', 'set-cookie': ['a=1; Path=/', 'b=2'], 'x-note': 'Grüße' },
    body: BINARY_BODY,
    etag: '"0123456789abcdef"',
    generatedAt: Date.now(),
    revalidate: 60,
    expire: 31536000,
    tags: ['_N_T_/layout', '_N_T_/api/static', 'posts'],
    ...overrides,
  };
}

/**
 * Resolves once some connection listens on the Redis update channel of `key`. A set is published
 * once, so a test that sets right after starting a wait must first let the waiter subscribe.
 * (In real use the winner's release follows its set, and a release is never missed.)
 */
async function untilListening(
  prefix: string,
  key: string,
  expected: 'some' | 0 = 'some',
  client: { sendCommand(args: string[]): Promise<unknown> } = raw,
): Promise<void> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const [, listeners] = (await client.sendCommand(['PUBSUB', 'NUMSUB', `${prefix}update:${key}`])) as [string, number];
    if (expected === 'some' ? listeners > 0 : listeners === expected) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`the update channel of ${key} never had ${expected} listeners`);
}

/** Milliseconds `promise` took to settle. */
async function timed(promise: Promise<unknown>): Promise<number> {
  const start = performance.now();
  await promise;
  return performance.now() - start;
}

describe.each(['memory', 'redis'] as const)('%s cache handler: the CacheHandler contract', (kind) => {
  let prefix: string;
  const opened: CacheHandler[] = [];

  /** A handler on this test's storage: Redis instances share it; the memory handler has one instance. */
  let cache: CacheHandler;
  function another(): CacheHandler {
    if (kind === 'memory') return cache;
    const handler = new RedisCacheHandler({ url: server.url, keyPrefix: prefix });
    opened.push(handler);
    return handler;
  }

  beforeEach(() => {
    prefix = nextPrefix();
    cache = kind === 'memory' ? new MemoryCacheHandler() : new RedisCacheHandler({ url: server.url, keyPrefix: prefix });
    opened.push(cache);
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((handler) => handler.close?.()));
  });

  describe('entries', () => {
    it('round-trips an entry with every field and its binary body intact', async () => {
      const entry = makeEntry();
      await cache.set('/api/data', entry);

      for (const reader of [cache, another()]) {
        const stored = await reader.get('/api/data');
        // The body is compared with Buffer#equals: toEqual walks a large buffer byte by byte, slowly.
        expect({ ...stored, body: null }).toEqual({ ...entry, body: null });
        expect(Buffer.isBuffer(stored?.body)).toBe(true);
        expect(stored?.body.equals(BINARY_BODY)).toBe(true);
      }
    });

    it('keeps an empty body, a non-200 status and revalidate: false', async () => {
      const entry = makeEntry({ status: 404, body: Buffer.alloc(0), revalidate: false, headers: {}, tags: [] });
      await cache.set('k', entry);
      expect(await cache.get('k')).toEqual(entry);
    });

    it('answers undefined for a key never set, and the newer entry after a second set', async () => {
      expect(await cache.get('missing')).toBeUndefined();
      await cache.set('k', makeEntry({ etag: '"one"' }));
      await cache.set('k', makeEntry({ etag: '"two"', body: Buffer.from('two') }));
      const stored = await cache.get('k');
      expect(stored?.etag).toBe('"two"');
      expect(stored?.body.toString()).toBe('two');
    });

    it('hands out copies: changing a returned entry does not change the stored one', async () => {
      await cache.set('k', makeEntry());
      const first = await cache.get('k');
      first!.headers['x-changed'] = 'yes';
      first!.tags.push('changed');
      const second = await cache.get('k');
      expect(second?.headers['x-changed']).toBeUndefined();
      expect(second?.tags).not.toContain('changed');
    });

    it('no longer answers an entry once it is past expire', async () => {
      await cache.set('old', makeEntry({ generatedAt: Date.now() - 10_000, expire: 5 }));
      await cache.set('young', makeEntry({ generatedAt: Date.now() - 10_000, expire: 3600 }));
      expect(await cache.get('old')).toBeUndefined();
      expect(await cache.get('young')).toBeDefined();
    });
  });

  describe('tag invalidations', () => {
    it('answers no fields for tags never invalidated', async () => {
      expect(await cache.tagInvalidation(['never'])).toEqual({});
      expect(await cache.tagInvalidation([])).toEqual({});
      expect(Object.keys(await cache.tagInvalidation(['never']))).toEqual([]);
    });

    it('keeps the latest time per field: a later call never moves a time backwards', async () => {
      await cache.invalidateTags(['posts'], { staleAt: 2000 });
      await cache.invalidateTags(['posts'], { staleAt: 1000, expiredAt: 1500 });
      expect(await cache.tagInvalidation(['posts'])).toEqual({ staleAt: 2000, expiredAt: 1500 });

      await cache.invalidateTags(['posts'], { expiredAt: 1200 });
      await cache.invalidateTags(['posts', 'users'], { staleAt: 3000 });
      expect(await another().tagInvalidation(['posts'])).toEqual({ staleAt: 3000, expiredAt: 1500 });
      expect(await another().tagInvalidation(['users'])).toEqual({ staleAt: 3000 });
    });

    it('answers the latest time over all the given tags', async () => {
      await cache.invalidateTags(['a'], { staleAt: 100, expiredAt: 900 });
      await cache.invalidateTags(['b'], { staleAt: 500 });
      expect(await cache.tagInvalidation(['a', 'b', 'never'])).toEqual({ staleAt: 500, expiredAt: 900 });
    });

    it('ends with the maximum when invalidations race', async () => {
      const times = [5, 1, 9, 3, 7, 2, 8];
      await Promise.all(times.map((time) => another().invalidateTags(['raced'], { staleAt: time, expiredAt: 10 - time })));
      expect(await cache.tagInvalidation(['raced'])).toEqual({ staleAt: 9, expiredAt: 9 });
    });
  });

  describe('regeneration locks', () => {
    it('gives a key to one holder at a time, until it is released', async () => {
      const first = await cache.lock('k', 10_000);
      expect(first).toBeDefined();
      expect(await cache.lock('k', 10_000)).toBeUndefined();
      expect(await another().lock('k', 10_000)).toBeUndefined();
      expect(await cache.lock('other-key', 10_000)).toBeDefined();

      await first!.release();
      const second = await another().lock('k', 10_000);
      expect(second).toBeDefined();

      // A late second release of the first lock must not free its successor's lock.
      await first!.release();
      expect(await cache.lock('k', 10_000)).toBeUndefined();
      await second!.release();
    });

    it('frees a lock whose TTL ran out, and wakes its waiters then', async () => {
      if (kind === 'memory') {
        jest.useFakeTimers();
        try {
          expect(await cache.lock('k', 1000)).toBeDefined();
          let woken = false;
          const waiting = cache.waitForUpdate('k', 60_000).then(() => (woken = true));
          jest.advanceTimersByTime(999);
          expect(await cache.lock('k', 1000)).toBeUndefined();
          await Promise.resolve();
          expect(woken).toBe(false);
          jest.advanceTimersByTime(1);
          await waiting;
          expect(woken).toBe(true);
          expect(await cache.lock('k', 1000)).toBeDefined();
        } finally {
          jest.useRealTimers();
        }
      } else {
        expect(await cache.lock('k', 150)).toBeDefined();
        expect(await another().lock('k', 10_000)).toBeUndefined();
        // Nothing is published on expiry: the waiter wakes from the lock's remaining TTL.
        const waited = await timed(another().waitForUpdate('k', 15_000));
        expect(waited).toBeLessThan(5000);
        expect(await another().lock('k', 10_000)).toBeDefined();
      }
    });
  });

  describe('waitForUpdate', () => {
    it('resolves when the entry is set', async () => {
      const lock = await cache.lock('k', 30_000);
      const waiting = another().waitForUpdate('k', 15_000);
      if (kind === 'redis') await untilListening(prefix, 'k');
      const start = performance.now();
      await another().set('k', makeEntry());
      await waiting;
      expect(performance.now() - start).toBeLessThan(5000);
      await lock!.release();
    });

    it('resolves when the lock is released', async () => {
      const lock = await cache.lock('k', 30_000);
      const waiting = another().waitForUpdate('k', 15_000);
      const start = performance.now();
      await lock!.release(); // even before the waiter listens: it then finds the lock free
      await waiting;
      expect(performance.now() - start).toBeLessThan(5000);
    });

    it('wakes every waiter of the key', async () => {
      const lock = await cache.lock('k', 30_000);
      const waiters = [cache, another(), another()].map((handler) => handler.waitForUpdate('k', 15_000));
      const elapsed = timed(Promise.all(waiters));
      await lock!.release();
      expect(await elapsed).toBeLessThan(5000);
    });

    it('resolves after the timeout when nothing happens', async () => {
      const lock = await cache.lock('k', 30_000);
      const waited = await timed(another().waitForUpdate('k', 300));
      expect(waited).toBeGreaterThanOrEqual(250);
      expect(waited).toBeLessThan(5000);
      await lock!.release();
    });

    it('does not wait when nobody holds the lock (it was released before the wait began)', async () => {
      const lock = await cache.lock('k', 30_000);
      await lock!.release();
      expect(await timed(another().waitForUpdate('k', 15_000))).toBeLessThan(5000);
      expect(await timed(cache.waitForUpdate('never-locked', 15_000))).toBeLessThan(5000);
    });
  });
});

describe('MemoryCacheHandler: LRU bounded in bytes', () => {
  const entryOf = (size: number): CacheEntry => makeEntry({ body: Buffer.alloc(size, 1) });

  it('evicts the least recently used entries once the bytes exceed maxBytes', async () => {
    const one = entrySize(entryOf(10_000));
    const cache = new MemoryCacheHandler({ maxBytes: 3 * one });
    await cache.set('a', entryOf(10_000));
    await cache.set('b', entryOf(10_000));
    await cache.set('c', entryOf(10_000));
    await cache.get('a'); // a is now more recent than b
    await cache.set('d', entryOf(10_000));
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBeDefined();
    expect(await cache.get('c')).toBeDefined();
    expect(await cache.get('d')).toBeDefined();

    // One large entry pushes out as many small ones as its bytes need.
    await cache.set('big', entryOf(25_000));
    expect(await cache.get('big')).toBeDefined();
    const survivors = await Promise.all(['a', 'c', 'd'].map((key) => cache.get(key)));
    expect(survivors.filter(Boolean)).toHaveLength(0);
  });

  it('counts headers and tags, not only the body', () => {
    const plain = entrySize(makeEntry({ headers: {}, tags: [] }));
    const rich = entrySize(makeEntry({ headers: { 'x-long': 'v'.repeat(1000) }, tags: ['t'.repeat(500)] }));
    expect(rich - plain).toBeGreaterThanOrEqual(1500);
  });

  it('does not keep an entry larger than maxBytes (and drops the older one of that key)', async () => {
    const cache = new MemoryCacheHandler({ maxBytes: 20_000 });
    await cache.set('k', entryOf(1000));
    await cache.set('k', entryOf(30_000));
    expect(await cache.get('k')).toBeUndefined();
  });

  it('defaults to 50 MB and refuses a meaningless bound', () => {
    expect(() => new MemoryCacheHandler()).not.toThrow();
    expect(() => new MemoryCacheHandler({ maxBytes: 0 })).toThrow(RangeError);
    expect(() => new MemoryCacheHandler({ maxBytes: Number.NaN })).toThrow(RangeError);
  });

  it('keeps tag invalidations however many entries are evicted', async () => {
    const cache = new MemoryCacheHandler({ maxBytes: entrySize(entryOf(1000)) });
    await cache.invalidateTags(['posts'], { expiredAt: 42 });
    for (let i = 0; i < 50; i++) await cache.set(`k${i}`, entryOf(1000));
    expect(await cache.tagInvalidation(['posts'])).toEqual({ expiredAt: 42 });
  });
});

describe('RedisCacheHandler: what is stored', () => {
  let cache: RedisCacheHandler;
  let prefix: string;
  beforeEach(() => {
    prefix = nextPrefix();
    cache = new RedisCacheHandler({ url: server.url, keyPrefix: prefix });
  });
  afterEach(() => cache.close());

  it('stores the body as raw bytes beside JSON metadata, expiring at generatedAt + expire', async () => {
    const entry = makeEntry({ generatedAt: Date.now() - 1000, expire: 100 });
    await cache.set('/api/data', entry);
    const key = `${prefix}entry:/api/data`;
    const body = await raw.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }).hGet(key, 'body');
    expect(Buffer.isBuffer(body) && body.equals(BINARY_BODY)).toBe(true); // not base64: same length
    const meta = JSON.parse((await raw.hGet(key, 'meta')) ?? '{}');
    expect(meta).toEqual({ ...JSON.parse(JSON.stringify({ ...entry, body: undefined })), v: 1 });
    const ttl = await raw.pTTL(key);
    expect(ttl).toBeGreaterThan(97_000);
    expect(ttl).toBeLessThanOrEqual(99_000);
  });

  it('keeps tag invalidations in hashes without TTL, and locks as expiring tokens', async () => {
    await cache.invalidateTags(['posts'], { staleAt: 1000, expiredAt: 2000 });
    expect(await raw.hGet(`${prefix}tags:stale`, 'posts')).toBe('1000');
    expect(await raw.hGet(`${prefix}tags:expired`, 'posts')).toBe('2000');
    expect(await raw.pTTL(`${prefix}tags:stale`)).toBe(-1);

    const lock = await cache.lock('k', 5000);
    const ttl = await raw.pTTL(`${prefix}lock:k`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5000);
    await lock!.release();
    expect(await raw.exists(`${prefix}lock:k`)).toBe(0);
  });

  it('unsubscribes from a key once nobody waits for it', async () => {
    const lock = await cache.lock('k', 30_000);
    const waiting = cache.waitForUpdate('k', 15_000);
    await untilListening(prefix, 'k');
    await lock!.release();
    await waiting;
    await untilListening(prefix, 'k', 0);
  });

  it('reads an entry and its tags\' invalidation times in one round trip (a HIT), and asks again afterwards', async () => {
    const commandsProcessed = async () => Number(/total_commands_processed:(\d+)/.exec(await raw.info('stats'))![1]);
    await cache.set('k', makeEntry({ tags: ['posts', 'users'] }));
    await cache.invalidateTags(['users'], { staleAt: 5000 });
    const before = await commandsProcessed();
    const entry = await cache.get('k');
    expect(await cache.tagInvalidation(entry!.tags)).toEqual({ staleAt: 5000 });
    // The INFO above, then one EVAL and the three HMGETs it runs inside: the tag times came with the
    // entry (asking for them again would add two HMGETs).
    expect((await commandsProcessed()) - before).toBe(5);
    await cache.invalidateTags(['posts'], { expiredAt: 7000 });
    expect(await cache.tagInvalidation(entry!.tags)).toEqual({ staleAt: 5000, expiredAt: 7000 });
  });

  it('treats a foreign or newer-format value as a miss rather than failing', async () => {
    await raw.hSet(`${prefix}entry:k`, { meta: '{"v":99}', body: 'x' });
    await raw.hSet(`${prefix}entry:j`, { meta: 'not json', body: 'x' });
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.get('j')).toBeUndefined();
  });
});

/** A second node process running dist/cache/redis-cache.js, driven over IPC (see the helper's header). */
interface CacheProcess {
  call<T = unknown>(op: string, ...args: unknown[]): Promise<T>;
  exit(): Promise<void>;
}

async function forkCacheProcess(url: string, keyPrefix: string): Promise<CacheProcess> {
  const built = path.resolve(__dirname, '../dist/cache/redis-cache.js');
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first (npm test does)`);
  const child: ChildProcess = fork(path.resolve(__dirname, 'helpers/redis-cache-process.js'), [url, keyPrefix], {
    execArgv: [],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`cache process exited (${code}) before it was ready`)));
  });
  child.on('message', (message: { id: number; ok: boolean; result?: unknown; error?: string }) => {
    const call = pending.get(message.id);
    pending.delete(message.id);
    if (message.ok) call?.resolve(message.result);
    else call?.reject(new Error(`in the cache process: ${message.error}`));
  });
  let nextId = 0;
  const call = <T>(op: string, ...args: unknown[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ id, op, args });
    });
  return {
    call,
    async exit() {
      await call('close');
      await exited;
    },
  };
}

describe('RedisCacheHandler: two processes sharing one Redis', () => {
  let cache: RedisCacheHandler;
  let other: CacheProcess;
  let prefix: string;

  beforeEach(async () => {
    prefix = nextPrefix();
    cache = new RedisCacheHandler({ url: server.url, keyPrefix: prefix });
    other = await forkCacheProcess(server.url, prefix);
  });
  afterEach(async () => {
    await other.exit();
    await cache.close();
  });

  it('sees an entry the other process stored, bytes intact, and vice versa', async () => {
    const entry = makeEntry();
    await other.call('set', '/api/data', entry);
    const seen = await cache.get('/api/data');
    expect({ ...seen, body: null }).toEqual({ ...entry, body: null });
    expect(seen?.body.equals(BINARY_BODY)).toBe(true);

    await cache.set('/api/mine', makeEntry({ body: Buffer.from('mine') }));
    const theirs = await other.call<CacheEntry>('get', '/api/mine');
    expect(Buffer.from(theirs.body).toString()).toBe('mine');
  });

  it('is refused a lock the other process holds, and gets it once that one is released', async () => {
    expect(await other.call('lock', 'k', 30_000)).toBe(true);
    expect(await cache.lock('k', 30_000)).toBeUndefined();

    const waiting = cache.waitForUpdate('k', 15_000);
    const start = performance.now();
    await other.call('release', 'k');
    await waiting;
    expect(performance.now() - start).toBeLessThan(5000);

    const lock = await cache.lock('k', 30_000);
    expect(lock).toBeDefined();
    expect(await other.call('lock', 'k', 30_000)).toBe(false);
    await lock!.release();
  });

  it('sees the tag invalidations of the other process', async () => {
    await other.call('invalidateTags', ['posts', '_N_T_/api/static'], { staleAt: 1000, expiredAt: 2000 });
    await cache.invalidateTags(['posts'], { staleAt: 500 });
    expect(await cache.tagInvalidation(['posts'])).toEqual({ staleAt: 1000, expiredAt: 2000 });
    expect(await other.call('tagInvalidation', ['_N_T_/api/static'])).toEqual({ staleAt: 1000, expiredAt: 2000 });
  });

  it('wakes a waiter when the other process stores the entry', async () => {
    const lock = await cache.lock('k', 30_000);
    const waiting = cache.waitForUpdate('k', 15_000);
    await untilListening(prefix, 'k');
    const start = performance.now();
    await other.call('set', 'k', makeEntry());
    await waiting;
    expect(performance.now() - start).toBeLessThan(5000);
    await lock!.release();
  });
});

describe('RedisCacheHandler: Redis unreachable', () => {
  it('answers at once as "uncached", logs one warning and leaves no rejection behind', async () => {
    const port = await freePort(); // nothing listens there
    const warn = jest.fn();
    const cache = new RedisCacheHandler({ url: `redis://127.0.0.1:${port}`, keyPrefix: nextPrefix(), logger: { warn } });
    try {
      // (An unhandled rejection would also fail this test: jest reports them. The child-process test
      // below watches the real process events.)
      expect(await timed(cache.get('k'))).toBeLessThan(1000);
      expect(await cache.get('k')).toBeUndefined();

      let lock: CacheLock | undefined;
      expect(await timed(cache.lock('k', 10_000).then((l) => (lock = l)))).toBeLessThan(1000);
      expect(lock).toBeDefined(); // a no-op lock: generate, answer uncached
      await expect(lock!.release()).resolves.toBeUndefined();
      expect(await cache.lock('k', 10_000)).toBeDefined(); // nobody can be refused without Redis

      await expect(cache.set('k', makeEntry())).resolves.toBeUndefined();
      await expect(cache.invalidateTags(['posts'], { expiredAt: 42 })).resolves.toBeUndefined();
      expect(await cache.tagInvalidation(['posts'])).toEqual({ expiredAt: 42 }); // known locally
      expect(await timed(cache.waitForUpdate('k', 15_000))).toBeLessThan(1000);

      // Calls after the first failure don't wait for a connection at all.
      const many = await timed(Promise.all(Array.from({ length: 50 }, (_, i) => cache.get(`k${i}`))));
      expect(many).toBeLessThan(500);

      // Background reconnection attempts (100 ms, 200 ms, …) fail meanwhile: still one warning.
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await cache.get('k')).toBeUndefined();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toMatch(/Redis cache at redis:\/\/127\.0\.0\.1:\d+.* is unavailable .*answering uncached/);
    } finally {
      await cache.close();
    }
  });

  it('never crashes or leaks a rejection in a real process (no jest in between)', async () => {
    const port = await freePort();
    const other = await forkCacheProcess(`redis://127.0.0.1:${port}`, nextPrefix());
    try {
      expect(await other.call('get', 'k')).toBeUndefined();
      expect(await other.call('lock', 'k', 1000)).toBe(true);
      await other.call('release', 'k');
      await other.call('set', 'k', makeEntry({ body: Buffer.from('x') }));
      await other.call('invalidateTags', ['posts'], { staleAt: 1 });
      await other.call('waitForUpdate', 'k', 10_000);
      await new Promise((resolve) => setTimeout(resolve, 400)); // let reconnection attempts fail too
      const report = await other.call<{ warnings: string[]; unhandledRejections: string[]; uncaughtExceptions: string[] }>('report');
      expect(report.unhandledRejections).toEqual([]);
      expect(report.uncaughtExceptions).toEqual([]);
      expect(report.warnings).toHaveLength(1);
    } finally {
      await other.exit();
    }
  });

  it('wakes waiters and degrades at once when Redis goes away mid-flight, then recovers', async () => {
    let redis = await startRedisServer();
    let announceBack!: () => void;
    const back = new Promise<void>((resolve) => (announceBack = resolve));
    const warn = jest.fn((message: string) => {
      if (message.includes('available again')) announceBack();
    });
    const prefix = nextPrefix();
    const cache = new RedisCacheHandler({ url: redis.url, keyPrefix: prefix, logger: { warn } });
    try {
      await cache.set('k', makeEntry());
      const lock = await cache.lock('k', 30_000);
      expect(lock).toBeDefined();
      const waiting = cache.waitForUpdate('k', 15_000);
      const observer = createClient({ url: redis.url });
      observer.on('error', () => undefined);
      await observer.connect();
      await untilListening(prefix, 'k', 'some', observer);
      observer.destroy();

      await redis.stop();
      expect(await timed(waiting)).toBeLessThan(5000); // it could no longer hear an update
      expect(await timed(cache.get('k'))).toBeLessThan(1000);
      expect(await cache.get('k')).toBeUndefined();
      expect(await cache.lock('k', 30_000)).toBeDefined(); // no-op lock
      expect(warn).toHaveBeenCalledTimes(1);

      redis = await startRedisServer(redis.port); // empty again: no persistence
      await back;
      await cache.set('k', makeEntry());
      expect(await cache.get('k')).toBeDefined();
      expect(warn).toHaveBeenCalledTimes(2);
    } finally {
      await cache.close();
      await redis.stop();
    }
  });

  it('records invalidations made during the outage once Redis is back', async () => {
    const port = await freePort();
    const prefix = nextPrefix();
    let announceBack!: () => void;
    const back = new Promise<void>((resolve) => (announceBack = resolve));
    const warn = jest.fn((message: string) => {
      if (message.includes('available again')) announceBack();
    });
    const cache = new RedisCacheHandler({ url: `redis://127.0.0.1:${port}`, keyPrefix: prefix, logger: { warn } });
    let late: RedisServer | undefined;
    try {
      await cache.invalidateTags(['posts'], { staleAt: 1000, expiredAt: 2000 });
      expect(warn).toHaveBeenCalledTimes(1);

      late = await startRedisServer(port);
      await back; // the client reconnects by itself (backoff ≤ 2 s) and replays what it kept
      expect(warn).toHaveBeenLastCalledWith(expect.stringContaining('recorded 1 tag invalidation(s)'));

      const fresh = new RedisCacheHandler({ url: late.url, keyPrefix: prefix });
      expect(await fresh.tagInvalidation(['posts'])).toEqual({ staleAt: 1000, expiredAt: 2000 });
      await fresh.close();
      await cache.set('k', makeEntry());
      expect(await cache.get('k')).toBeDefined();
    } finally {
      await cache.close();
      await late?.stop();
    }
  });
});
