import request from 'supertest';
import { MemoryCacheHandler, type CacheEntry } from '../lib';
import { expressVersions } from './helpers/express';
import { httpRequest } from './helpers/http';
import { handlersFor, recordErrors, serve } from './helpers/server';

describe.each(expressVersions)('static GET cache (%s)', (_name, express) => {
  /** A background regeneration ends after the STALE answer: ask until its result shows (bounded). */
  const waitForHeader = async (path: string, name: string, value: string) => {
    for (let attempt = 0; attempt < 200; attempt++) {
      const response = await request(app).get(path);
      if (response.headers[name] === value) return response;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`${path} never answered ${name}: ${value}`);
  };
  const warn = jest.fn();
  const handlers = handlersFor('static-cache', { logger: { warn } });
  const app = express();
  app.use(handlers);
  const errors = recordErrors(app);
  const server = serve(app);
  beforeAll(() => handlers.ready);
  afterEach(() => {
    expect(errors).toEqual([]);
    jest.useRealTimers();
  });

  it('generates a force-static answer once, then serves it with Next headers, ETag and Last-Modified', async () => {
    const first = await request(app).get('/static?x=1');
    expect(first.status).toBe(200);
    expect(first.headers['x-nextjs-cache']).toBe('MISS');
    expect(first.headers['cache-control']).toBe('s-maxage=31536000');
    expect(first.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers['last-modified']).toEqual(expect.any(String));
    expect(first.headers['content-length']).toBe(String(Buffer.byteLength(first.text)));
    const second = await request(app).get('/static');
    expect(second.headers['x-nextjs-cache']).toBe('HIT');
    expect(second.body).toEqual(first.body);
    expect(second.headers.etag).toBe(first.headers.etag);
  });

  it('answers If-None-Match and If-Modified-Since with 304, keeping ETag and Cache-Control', async () => {
    const { headers } = await request(app).get('/static');
    const byTag = await httpRequest(server.port, { path: '/static', headers: { 'if-none-match': `W/${headers.etag}, "other"` } });
    expect(byTag.status).toBe(304);
    expect(byTag.body).toBe('');
    expect(byTag.headers.etag).toBe(headers.etag);
    expect(byTag.headers['cache-control']).toBe('s-maxage=31536000');
    expect(byTag.headers['content-type']).toBeUndefined();
    const byDate = await httpRequest(server.port, { path: '/static', headers: { 'if-modified-since': headers['last-modified'] } });
    expect(byDate.status).toBe(304);
    const changed = await httpRequest(server.port, { path: '/static', headers: { 'if-none-match': '"something-else"' } });
    expect(changed.status).toBe(200);
  });

  it('serves HEAD from the same entry, with its length and no body', async () => {
    const head = await httpRequest(server.port, { method: 'HEAD', path: '/static' });
    expect(head.status).toBe(200);
    expect(head.headers['x-nextjs-cache']).toBe('HIT');
    expect(head.headers['content-length']).toEqual(expect.any(String));
    expect(head.body).toBe('');
  });

  it('serves stale while one regeneration runs, then the new answer', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
    jest.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const first = await request(app).get('/revalidate');
    expect(first.headers['x-nextjs-cache']).toBe('MISS');
    expect(first.headers['cache-control']).toBe('s-maxage=5, stale-while-revalidate=31535995');
    expect((await request(app).get('/revalidate')).headers['x-nextjs-cache']).toBe('HIT');

    jest.setSystemTime(new Date('2026-01-01T00:00:06Z'));
    const stale = await request(app).get('/revalidate');
    expect(stale.headers['x-nextjs-cache']).toBe('STALE');
    expect(stale.body).toEqual(first.body);
    await request(app).get(`/revalidate/status?generation=${first.body.generation + 1}`);
    const fresh = await request(app).get('/revalidate');
    expect(fresh.headers['x-nextjs-cache']).toBe('HIT');
    expect(fresh.body.generation).toBe(first.body.generation + 1);
  });

  it('turns an auto route dynamic when its generation reads request data, and says so once', async () => {
    const first = await request(app).get('/dynamic-usage').set('user-agent', 'one');
    expect(first.body.agent).toBe('one');
    expect(first.headers['x-nextjs-cache']).toBeUndefined();
    const second = await request(app).get('/dynamic-usage').set('user-agent', 'two');
    expect(second.body.agent).toBe('two');
    expect(warn.mock.calls.filter(([message]) => String(message).includes('/dynamic-usage'))).toHaveLength(1);
    expect(handlers.routes.find((route) => route.pattern === '/dynamic-usage')?.rendering).toBe('dynamic');
  });

  it('does not cache an answer of 500, but caches notFound() for a year', async () => {
    const a = await request(app).get('/error-500');
    const b = await request(app).get('/error-500');
    expect([a.status, b.status]).toEqual([500, 500]);
    expect(b.body.generation).toBe(a.body.generation + 1);
    const missing = await request(app).get('/not-found');
    expect(missing.status).toBe(404);
    expect(missing.headers['cache-control']).toBe('s-maxage=31536000');
    expect((await request(app).get('/not-found')).headers['x-nextjs-cache']).toBe('HIT');
  });

  it('keeps a Cache-Control the handler set', async () => {
    const response = await request(app).get('/own-cache-control');
    expect(response.headers['cache-control']).toBe('public, max-age=60');
    expect(response.headers['x-custom']).toBe('kept');
  });

  it('revalidatePath() from a route handler makes the next request regenerate (MISS)', async () => {
    const before = (await request(app).get('/static')).body.generation;
    await request(app).post('/actions').send({ path: '/static' });
    const after = await request(app).get('/static');
    expect(after.headers['x-nextjs-cache']).toBe('MISS');
    expect(after.body.generation).toBe(before + 1);
  });

  it("revalidatePath('/', 'layout') regenerates every route, and a dynamic pattern without a type is ignored with a warning", async () => {
    const before = (await request(app).get('/static')).body.generation;
    await request(app).post('/actions').send({ path: '/', type: 'layout' });
    const after = await request(app).get('/static');
    expect(after.headers['x-nextjs-cache']).toBe('MISS');
    expect(after.body.generation).toBeGreaterThan(before);
    await request(app).post('/actions').send({ path: '/items/[id]' });
    expect(warn.mock.calls.some(([message]) => String(message).includes('revalidatePath("/items/[id]")'))).toBe(true);
  });

  it("revalidateTag(tag, 'max') serves the old answer once (STALE), then regenerates", async () => {
    const before = (await request(app).get('/static')).body.generation;
    await request(app).post('/actions').send({ tag: '_N_T_/static', profile: 'max' });
    const stale = await request(app).get('/static');
    expect(stale.headers['x-nextjs-cache']).toBe('STALE');
    expect(stale.body.generation).toBe(before);
  });

  it('handlers.revalidatePath() works from plain Express code', async () => {
    const before = (await request(app).get('/static')).body.generation;
    await handlers.revalidatePath('/static');
    expect((await request(app).get('/static')).body.generation).toBeGreaterThan(before);
  });

  it('updateTag() throws in a route handler with Next words', async () => {
    const response = await request(app).post('/actions').send({ update: 'x' });
    expect(response.status).toBe(500);
    expect((errors.splice(0)[0] as Error).message).toContain('updateTag can only be called from within a Server Action.');
  });

  it('runs the handler once for 200 concurrent misses', async () => {
    const requests = Array.from({ length: 200 }, () => httpRequest(server.port, { path: '/slow' }));
    await httpRequest(server.port, { method: 'POST', path: '/slow/open' });
    const answers = await Promise.all(requests);
    expect(new Set(answers.map((answer) => answer.body))).toEqual(new Set([JSON.stringify({ generation: 1 })]));
    expect(JSON.parse((await httpRequest(server.port, { path: '/slow/open' })).body)).toEqual({ runs: 1 });
  });

  it('keeps the old answer when a regeneration throws or answers 500, retrying after 3 s', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
    jest.setSystemTime(new Date('2026-02-01T00:00:00Z'));
    const good = await request(app).get('/flaky');
    expect(good.status).toBe(200);
    for (const mode of ['throw', '500'] as const) {
      await request(app).post('/flaky/mode').send({ mode });
      jest.setSystemTime(Date.now() + 4_000);
      const stale = await request(app).get('/flaky');
      expect(stale.headers['x-nextjs-cache']).toBe('STALE');
      expect(stale.body).toEqual(good.body);
      // The failed regeneration re-stored the old answer, fresh for the retry window.
      const retried = await waitForHeader('/flaky', 'cache-control', 's-maxage=3, stale-while-revalidate=31535997');
      expect(retried.body).toEqual(good.body);
      expect(retried.headers['x-nextjs-cache']).toBe('HIT');
    }
    await request(app).post('/flaky/mode').send({ mode: 'ok' });
    jest.setSystemTime(Date.now() + 4_000);
    expect((await request(app).get('/flaky')).headers['x-nextjs-cache']).toBe('STALE');
    const recovered = await waitForHeader('/flaky', 'cache-control', 's-maxage=2, stale-while-revalidate=31535998');
    expect(recovered.body.generation).toBeGreaterThan(good.body.generation);
    errors.splice(0);
  });

  it('regenerates before answering (MISS) once an entry is past its expire time', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
    // A route of its own: entries generated in the fake future would outlive this test.
    await request(app).get('/own-cache-control');
    expect((await request(app).get('/own-cache-control')).headers['x-nextjs-cache']).toBe('HIT');
    jest.setSystemTime(Date.now() + 31_536_001_000);
    expect((await request(app).get('/own-cache-control')).headers['x-nextjs-cache']).toBe('MISS');
  });

  it('lets draft-mode requests bypass the cache', async () => {
    const enable = await request(app).post('/draft-toggle');
    const cookie = enable.headers['set-cookie'][0].split(';')[0];
    const cached = (await request(app).get('/static')).body.generation;
    const draft = await request(app).get('/static').set('cookie', cookie);
    expect(draft.headers['cache-control']).toBe('private, no-cache, no-store, max-age=0, must-revalidate');
    expect(draft.body.generation).toBe(cached + 1);
    expect((await request(app).get('/static')).body.generation).toBe(cached);
  });

  it('revalidateTag with one argument warns and expires at once; { expire: 0 } expires at once', async () => {
    const warnSpy = jest.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      for (const profile of ['none', 'expire0']) {
        const before = (await request(app).get('/static')).body.generation;
        await request(app).post('/actions').send({ tag: '_N_T_/static', profile });
        const after = await request(app).get('/static');
        expect(after.headers['x-nextjs-cache']).toBe('MISS');
        expect(after.body.generation).toBeGreaterThan(before);
      }
      expect(warnSpy.mock.calls.map(([message]) => message)).toEqual([
        '"revalidateTag" without the second argument is now deprecated, add second argument of "max" or use "updateTag". See more info here: https://nextjs.org/docs/messages/revalidate-tag-single-arg',
      ]);
    } finally {
      warnSpy.mockRestore();
    }
  });

  it('refresh() throws in a route handler with Next words', async () => {
    await request(app).post('/actions').send({ refresh: true });
    expect((errors.splice(0)[0] as Error).message).toContain('refresh can only be called from within a Server Action.');
  });

  it('unstable_noStore() makes an auto static route dynamic', async () => {
    const a = await request(app).get('/no-store');
    const b = await request(app).get('/no-store');
    expect(b.body.generation).toBeGreaterThan(a.body.generation);
    expect(b.headers['x-nextjs-cache']).toBeUndefined();
  });

  it('lists static routes with their revalidate in handlers.routes', () => {
    const byPattern = Object.fromEntries(handlers.routes.map((route) => [route.pattern, route]));
    expect(byPattern['/static']).toMatchObject({ rendering: 'static', revalidate: false });
    expect(byPattern['/revalidate']).toMatchObject({ rendering: 'static', revalidate: 5 });
    expect(byPattern['/actions']).toMatchObject({ rendering: 'dynamic' });
  });
});

/** A storage that can be switched off, counting every call the static cache makes to it. */
class SwitchableCache extends MemoryCacheHandler {
  up = true;
  calls = 0;
  available(): boolean {
    return this.up;
  }
  override get(key: string) {
    this.calls++;
    return super.get(key);
  }
  override set(key: string, entry: CacheEntry) {
    this.calls++;
    return super.set(key, entry);
  }
  override lock(key: string, ttlMs: number) {
    this.calls++;
    return super.lock(key, ttlMs);
  }
}

describe.each(expressVersions)('static GET cache while its storage is unavailable (%s)', (_name, express) => {
  const cache = new SwitchableCache();
  const handlers = handlersFor('static-cache', { cache });
  const app = express();
  app.use(handlers);
  const errors = recordErrors(app);
  beforeAll(() => handlers.ready);
  afterEach(() => {
    cache.up = true;
    expect(errors).toEqual([]);
  });

  it('answers every request uncached, with a MISS’s headers, without asking the storage', async () => {
    await request(app).get('/static');
    cache.up = false;
    cache.calls = 0;
    const first = await request(app).get('/static');
    const second = await request(app).get('/static');
    expect([first.headers['x-nextjs-cache'], second.headers['x-nextjs-cache']]).toEqual(['MISS', 'MISS']);
    expect(first.headers['cache-control']).toBe('s-maxage=31536000');
    expect(second.body.generation).toBe(first.body.generation + 1);
    expect(cache.calls).toBe(0);
    cache.up = true;
    expect((await request(app).get('/static')).headers['x-nextjs-cache']).toBe('HIT');
  });

  it('never gives an auto candidate that reads request data cache headers: it turns dynamic, as when generated', async () => {
    cache.up = false;
    const answer = await request(app).get('/dynamic-usage').set('User-Agent', 'client-a');
    expect([answer.status, answer.body.agent, answer.headers['cache-control'], answer.headers['x-nextjs-cache']]).toEqual([200, 'client-a', undefined, undefined]);
    expect(handlers.routes.find((route) => route.pattern === '/dynamic-usage')?.rendering).toBe('dynamic');
  });

  it("keeps the handler's own Cache-Control, and gives an error status no cache headers", async () => {
    cache.up = false;
    const own = await request(app).get('/own-cache-control');
    expect([own.headers['cache-control'], own.headers['x-nextjs-cache'], own.text]).toEqual(['public, max-age=60', 'MISS', 'mine']);
    const failed = await request(app).get('/error-500');
    expect(failed.status).toBe(500);
    expect([failed.headers['cache-control'], failed.headers['x-nextjs-cache']]).toEqual([undefined, undefined]);
  });
});
