import request from 'supertest';
import { expressVersions } from './helpers/express';
import { httpRequest } from './helpers/http';
import { handlersFor, recordErrors, serve } from './helpers/server';

describe.each(expressVersions)('static GET cache (%s)', (_name, express) => {
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

  it('lists static routes with their revalidate in handlers.routes', () => {
    const byPattern = Object.fromEntries(handlers.routes.map((route) => [route.pattern, route]));
    expect(byPattern['/static']).toMatchObject({ rendering: 'static', revalidate: false });
    expect(byPattern['/revalidate']).toMatchObject({ rendering: 'static', revalidate: 5 });
    expect(byPattern['/actions']).toMatchObject({ rendering: 'dynamic' });
  });
});
