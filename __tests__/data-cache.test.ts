/**
 * The Data Cache (spec §3.9 unstable_cache, §3.10 fetch() in route handlers, §4.2 effective
 * revalidate, §8 items 49–52): route files fetch from a small upstream server started here, which
 * counts requests per path. Nothing sleeps: tests wait for cache writes (an observed cache handler)
 * and move the clock with jest's fake Date.
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { CacheEntry, RouteHandlersMiddleware } from '../lib';
import { MemoryCacheHandler, RedisCacheHandler, routeHandlers } from '../lib';
import { routeFetch } from '../lib/load/route-fetch';
import { unstable_cache } from '../lib/next/cache';
import { expressVersions, type Express } from './helpers/express';
import { startRedisServer, type RedisServer } from './helpers/redis';
import { fixtureApp, handlersFor, recordErrors } from './helpers/server';

const originalFetch = globalThis.fetch;

/** Moves only Date: timers, ticks and I/O stay real (supertest and the upstream need them). */
function fakeDate(at: number): void {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
  jest.setSystemTime(at);
}

/** A memory cache handler that says when an entry was stored. */
class ObservedCache extends MemoryCacheHandler {
  readonly events = new EventEmitter();

  override async set(key: string, entry: CacheEntry): Promise<void> {
    await super.set(key, entry);
    this.events.emit('set', key, entry);
  }

  /** Resolves with the next entry stored whose key passes `accept`. */
  nextSet(accept: (key: string, entry: CacheEntry) => boolean): Promise<CacheEntry> {
    return new Promise((resolve) => {
      const listener = (key: string, entry: CacheEntry): void => {
        if (!accept(key, entry)) return;
        this.events.off('set', listener);
        resolve(entry);
      };
      this.events.on('set', listener);
    });
  }
}

/** A data entry written for an upstream path (the stored body is the upstream's JSON). */
const dataFor = (path: string) => (key: string, entry: CacheEntry) => key.startsWith('fetch:') && entry.body.toString().includes(`"path":"${path}"`);

/** The upstream: JSON `{ path, hit, method, variant }`, `hit` counting requests per path; `/status-500` fails. */
function upstreamServer() {
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    const hit = (hits.get(path) ?? 0) + 1;
    hits.set(path, hit);
    req.resume();
    req.on('end', () => {
      res.statusCode = path === '/status-500' ? 500 : 200;
      res.statusMessage = path === '/status-500' ? 'Broken' : 'Fine Thanks';
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-custom', `hit-${hit}`);
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2']);
      const variant = req.headers['x-variant'];
      res.end(JSON.stringify({ path, hit, method: req.method, ...(variant ? { variant } : {}) }));
    });
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.env.UPSTREAM_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    hits: (path: string) => hits.get(path) ?? 0,
    get url() {
      return process.env.UPSTREAM_URL!;
    },
  };
}

describe.each(expressVersions)('Data Cache (%s)', (_name, express) => {
  const upstream = upstreamServer();
  const warn = jest.fn();
  const cache = new ObservedCache();
  const handlers = handlersFor('data-cache', { logger: { warn }, cache, draftModeId: 'draft-secret' });
  const app = express();
  app.use(handlers);
  // Plain Express code next to the route handlers: its fetch is the platform's, never cached.
  app.get('/plain', async (_req, res) => {
    const response = await fetch(`${upstream.url}/plain`, { cache: 'force-cache', next: { revalidate: 60 } } as RequestInit);
    res.json(await response.json());
  });
  const errors = recordErrors(app);
  beforeAll(() => handlers.ready);
  afterEach(() => {
    expect(errors).toEqual([]);
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  const get = (path: string) => request(app).get(path);
  const act = (body: object) => request(app).post('/actions').send(body).expect(200);

  describe('fetch() in route handlers (§3.10)', () => {
    it('does not cache a fetch without options', async () => {
      expect((await get('/no-options')).body.hit).toBe(1);
      expect((await get('/no-options')).body.hit).toBe(2);
    });

    it("caches cache: 'force-cache' indefinitely, even in a force-dynamic handler, and rebuilds the Response whole", async () => {
      const first = await get('/force-cache');
      expect(first.headers['x-nextjs-cache']).toBeUndefined();
      expect(first.body).toEqual({
        status: 200,
        statusText: 'Fine Thanks',
        contentType: 'application/json',
        custom: 'hit-1',
        cookies: ['a=1; Path=/', 'b=2'],
        url: `${upstream.url}/force-cache`,
        body: { path: '/force-cache', hit: 1, method: 'GET' },
        clone: JSON.stringify({ path: '/force-cache', hit: 1, method: 'GET' }),
      });
      fakeDate(Date.now() + 300 * 24 * 3600 * 1000);
      for (let i = 0; i < 3; i++) expect((await get('/force-cache')).body).toEqual(first.body);
      expect(upstream.hits('/force-cache')).toBe(1);
    });

    it('takes options from a Request object too', async () => {
      expect((await get('/request-input')).body.hit).toBe(1);
      expect((await get('/request-input')).body.hit).toBe(1);
    });

    it('keys entries by request headers', async () => {
      expect((await get('/headers-key?variant=a')).body).toMatchObject({ hit: 1, variant: 'a' });
      expect((await get('/headers-key?variant=b')).body).toMatchObject({ hit: 2, variant: 'b' });
      expect((await get('/headers-key?variant=a')).body).toMatchObject({ hit: 1, variant: 'a' });
    });

    it('caches only 200 answers', async () => {
      expect((await get('/status-500')).body).toMatchObject({ status: 500, body: { hit: 1 } });
      expect((await get('/status-500')).body).toMatchObject({ status: 500, body: { hit: 2 } });
    });

    it('next: { revalidate } serves the cached answer, then once stale (old value, one refetch), then the new one', async () => {
      const start = Date.now();
      fakeDate(start);
      expect((await get('/revalidate')).body.hit).toBe(1);
      fakeDate(start + 9_000);
      expect((await get('/revalidate')).body.hit).toBe(1);
      fakeDate(start + 11_000);
      const refreshed = cache.nextSet(dataFor('/revalidate'));
      expect((await get('/revalidate')).body.hit).toBe(1);
      expect(JSON.parse((await refreshed).body.toString()).hit).toBe(2);
      expect((await get('/revalidate')).body.hit).toBe(2);
      expect(upstream.hits('/revalidate')).toBe(2);
    });

    it("next: { tags } attaches tags: revalidateTag(tag, 'max') → stale once, then fresh; { expire: 0 } → refetched at once", async () => {
      const start = Date.now();
      fakeDate(start);
      expect((await get('/tagged')).body.hit).toBe(1);
      expect((await get('/tagged')).body.hit).toBe(1);
      await act({ tag: 'tagged', profile: 'max' });
      fakeDate(start + 1);
      const refreshed = cache.nextSet(dataFor('/tagged'));
      expect((await get('/tagged')).body.hit).toBe(1);
      await refreshed;
      expect((await get('/tagged')).body.hit).toBe(2);
      await act({ tag: 'tagged', profile: 'expire0' });
      fakeDate(start + 2);
      expect((await get('/tagged')).body.hit).toBe(3);
      expect((await get('/tagged')).body.hit).toBe(3);
    });

    it.each(['no-store', 'no-cache', 'revalidate-0'])('does not cache %s', async (how) => {
      expect((await get(`/no-store?how=${how}`)).body.hit).toBe(1);
      expect((await get(`/no-store?how=${how}`)).body.hit).toBe(2);
    });

    it.each([
      ['no-store', '"cache: no-store" and "revalidate: 60"'],
      ['force-cache', '"cache: force-cache" and "revalidate: 0"'],
    ])('ignores both options when cache: %s conflicts with revalidate, with one warning', async (how, words) => {
      for (let i = 1; i <= 3; i++) expect((await get(`/conflict?how=${how}`)).body.hit).toBe(i);
      const warnings = warn.mock.calls.map(([message]) => String(message)).filter((message) => message.includes(words));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('only one should be specified');
    });

    it('an ignored no-store (conflicting) does not make a revalidate route dynamic', async () => {
      const first = await get('/conflict-static');
      expect(first.headers['x-nextjs-cache']).toBe('MISS');
      expect((await get('/conflict-static')).headers['x-nextjs-cache']).toBe('HIT');
      expect(upstream.hits('/conflict-static')).toBe(1);
    });

    it('never caches a POST fetch from a POST handler: 5 POSTs → 5 upstream hits (§8 item 49)', async () => {
      const hits: number[] = [];
      for (let i = 0; i < 5; i++) hits.push((await request(app).post('/post').expect(200)).body.hit);
      expect(hits).toEqual([1, 2, 3, 4, 5]);
    });

    it('bypasses the Data Cache in draft mode', async () => {
      const draft = () => get('/draft').set('cookie', '__prerender_bypass=draft-secret');
      expect((await draft()).body.hit).toBe(1);
      expect((await draft()).body.hit).toBe(2);
      expect((await get('/draft')).body.hit).toBe(3);
      expect((await get('/draft')).body.hit).toBe(3);
    });
  });

  describe('fetch() and static routes (§4.2, §5.3–5.5)', () => {
    it('turns an auto route dynamic when its generation makes a no-store fetch, hitting upstream once per request', async () => {
      for (const [path, words] of [
        ['/auto-no-store', 'no-store fetch'],
        ['/auto-revalidate-0', 'revalidate: 0 fetch'],
      ]) {
        const first = await get(path);
        expect(first.status).toBe(200);
        expect(first.headers['x-nextjs-cache']).toBeUndefined();
        expect(first.body.hit).toBe(1);
        expect((await get(path)).body.hit).toBe(2);
        expect(upstream.hits(path)).toBe(2);
        expect(handlers.routes.find((route) => route.pattern === path)?.rendering).toBe('dynamic');
        const said = warn.mock.calls.map(([message]) => String(message)).filter((message) => message.includes(`${path} (`));
        expect(said).toHaveLength(1);
        expect(said[0]).toContain(`${words} ${upstream.url}${path} ${path}`);
      }
    });

    it('stores the shortest revalidate of the route and its cached fetches: route 100 + fetch 4 → s-maxage=4', async () => {
      const first = await get('/min-revalidate');
      expect(first.headers['x-nextjs-cache']).toBe('MISS');
      expect(first.headers['cache-control']).toBe('s-maxage=4, stale-while-revalidate=31535996');
      expect((await get('/min-revalidate')).headers['cache-control']).toBe('s-maxage=4, stale-while-revalidate=31535996');
    });

    it('revalidateTag() from a handler makes a revalidate=360 route return new data (§8 item 50)', async () => {
      jest.spyOn(console, 'warn').mockImplementation(() => {});
      const stored = cache.nextSet((key) => key === '/revalidate-360');
      const first = await get('/revalidate-360');
      expect(first.headers['x-nextjs-cache']).toBe('MISS');
      expect(first.headers['cache-control']).toBe('s-maxage=360, stale-while-revalidate=31535640');
      expect((await stored).tags).toContain('thankyounext');
      expect((await get('/revalidate-360')).body).toEqual(first.body);

      await act({ tag: 'thankyounext' });
      expect(console.warn).toHaveBeenCalledWith(expect.stringContaining('"revalidateTag" without the second argument is now deprecated'));
      const fresh = await get('/revalidate-360');
      expect(fresh.headers['x-nextjs-cache']).toBe('MISS');
      expect(fresh.body.hit).toBe(2);
    });

    it('force-static + revalidate + a no-store fetch stays cached, then returns new data after the period (§8 item 52)', async () => {
      const start = Date.now();
      fakeDate(start);
      const first = await get('/force-static-no-store');
      expect(first.headers['x-nextjs-cache']).toBe('MISS');
      expect(first.headers['cache-control']).toBe('s-maxage=3, stale-while-revalidate=31535997');
      const second = await get('/force-static-no-store');
      expect(second.headers['x-nextjs-cache']).toBe('HIT');
      expect(second.body).toEqual(first.body);
      expect(upstream.hits('/force-static-no-store')).toBe(1);

      fakeDate(start + 4_000);
      const regenerated = cache.nextSet((key) => key === '/force-static-no-store');
      const stale = await get('/force-static-no-store');
      expect(stale.headers['x-nextjs-cache']).toBe('STALE');
      expect(stale.body).toEqual(first.body);
      await regenerated;
      const fresh = await get('/force-static-no-store');
      expect(fresh.headers['x-nextjs-cache']).toBe('HIT');
      expect(fresh.body).toEqual({ hit: 2, now: start + 4_000 });
    });

    it('revalidatePath() reaches the data the route read (implicit tags): MISS with new data', async () => {
      const start = Date.now();
      fakeDate(start);
      expect((await get('/path-data')).body.hit).toBe(1);
      expect((await get('/path-data')).headers['x-nextjs-cache']).toBe('HIT');
      await act({ path: '/path-data' });
      fakeDate(start + 1);
      const after = await get('/path-data');
      expect(after.headers['x-nextjs-cache']).toBe('MISS');
      expect(after.body.hit).toBe(2);
      expect((await get('/path-data')).headers['x-nextjs-cache']).toBe('HIT');
    });
  });

  describe('unstable_cache (§3.9)', () => {
    it('caches per arguments, serves stale once after revalidate while it refreshes, then the new value', async () => {
      const start = Date.now();
      fakeDate(start);
      expect((await get('/unstable-dynamic?id=1')).body).toEqual({ id: '1', hit: 1 });
      expect((await get('/unstable-dynamic?id=1')).body).toEqual({ id: '1', hit: 1 });
      expect((await get('/unstable-dynamic?id=2')).body).toEqual({ id: '2', hit: 2 });
      fakeDate(start + 11_000);
      const refreshed = cache.nextSet((key) => key.startsWith('unstable_cache:'));
      expect((await get('/unstable-dynamic?id=1')).body).toEqual({ id: '1', hit: 1 });
      await refreshed;
      expect((await get('/unstable-dynamic?id=1')).body).toEqual({ id: '1', hit: 3 });
      expect(upstream.hits('/unstable-dynamic')).toBe(3);
    });

    it("flows its tags and revalidate into the route's entry: s-maxage=4, and revalidateTag('tag-a', 'max') makes the route stale", async () => {
      const start = Date.now();
      fakeDate(start);
      const stored = cache.nextSet((key) => key === '/unstable-cache');
      const first = await get('/unstable-cache');
      expect(first.headers['x-nextjs-cache']).toBe('MISS');
      expect(first.headers['cache-control']).toBe('s-maxage=4, stale-while-revalidate=31535996');
      expect((await stored).tags).toEqual(expect.arrayContaining(['tag-a', '_N_T_/unstable-cache']));
      expect((await get('/unstable-cache')).headers['x-nextjs-cache']).toBe('HIT');

      await act({ tag: 'tag-a', profile: 'max' });
      fakeDate(start + 1);
      const regenerated = cache.nextSet((key) => key === '/unstable-cache');
      const stale = await get('/unstable-cache');
      expect(stale.headers['x-nextjs-cache']).toBe('STALE');
      expect(stale.body).toEqual(first.body);
      await regenerated;
      const fresh = await get('/unstable-cache');
      expect(fresh.headers['x-nextjs-cache']).toBe('HIT');
      // The regeneration refreshed the (stale) data before answering: the route has the new value.
      expect(fresh.body.data).toEqual({ hit: 2 });
      expect(upstream.hits('/unstable-cache')).toBe(2);
    });
  });

  describe('the Express app keeps its own fetch', () => {
    it('leaves globalThis.fetch alone after loading routes', () => {
      expect(globalThis.fetch).toBe(originalFetch);
    });

    it("does not cache plain Express code's fetch, whatever its options", async () => {
      expect((await get('/plain')).body.hit).toBe(1);
      expect((await get('/plain')).body.hit).toBe(2);
    });
  });
});

describe('Data Cache shared through Redis (decisions §3.12)', () => {
  const upstream = upstreamServer();
  const [, express] = expressVersions[0];
  let redis: RedisServer | undefined;
  const instances: { handlers: RouteHandlersMiddleware; app: Express }[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
    for (let i = 0; i < 2; i++) {
      const handlers = routeHandlers({ appDir: fixtureApp('data-cache'), logger: { warn: () => {} }, cache: new RedisCacheHandler({ url: redis.url }) });
      await handlers.ready;
      const app = express();
      app.use(handlers);
      instances.push({ handlers, app });
    }
  });
  afterAll(async () => {
    for (const { handlers } of instances) await handlers.close();
    await redis?.stop();
  });

  it('shares fetch entries (whole responses) and tag invalidations between instances', async () => {
    const [one, two] = instances;
    const first = await request(one.app).get('/force-cache');
    expect(first.body).toMatchObject({ statusText: 'Fine Thanks', cookies: ['a=1; Path=/', 'b=2'], body: { hit: 1 } });
    expect((await request(two.app).get('/force-cache')).body).toEqual(first.body);
    expect(upstream.hits('/force-cache')).toBe(1);

    expect((await request(one.app).get('/tagged')).body.hit).toBe(1);
    expect((await request(two.app).get('/tagged')).body.hit).toBe(1);
    await two.handlers.revalidateTag('tagged');
    expect((await request(one.app).get('/tagged')).body.hit).toBe(2);
  });
});

describe('outside a handler call', () => {
  afterEach(() => jest.restoreAllMocks());

  it("route files' fetch is the platform's globalThis.fetch, as it is at call time", async () => {
    const answer = new Response('mocked');
    const spy = jest.spyOn(globalThis, 'fetch').mockResolvedValue(answer);
    const init = { cache: 'force-cache' as const };
    expect(await routeFetch('http://127.0.0.1:9/x', init)).toBe(answer);
    expect(spy).toHaveBeenCalledWith('http://127.0.0.1:9/x', init);
  });

  it('unstable_cache runs the function uncached', async () => {
    let runs = 0;
    const cached = unstable_cache(async (n: number) => n + ++runs, ['outside']);
    expect(await cached(10)).toBe(11);
    expect(await cached(10)).toBe(12);
  });

  it('unstable_cache rejects revalidate: 0 and invalid values, as Next', () => {
    expect(() => unstable_cache(async () => 1, [], { revalidate: 0 })).toThrow('Invariant revalidate: 0 can not be passed to unstable_cache()');
    expect(() => unstable_cache(async () => 1, [], { revalidate: -1 })).toThrow('must be a non-negative number or false');
  });
});
