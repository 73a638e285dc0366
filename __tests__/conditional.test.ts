import type { Express, RequestHandler } from 'express';
import request from 'supertest';
import { expressVersions, type ExpressFactory } from './helpers/express';
import { httpRequest } from './helpers/http';
import { handlersFor, recordErrors, serve } from './helpers/server';

// The algorithm behind Express's default `etag fn` (a dependency of express).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const etag = require('etag') as (entity: string | Buffer, options?: { weak?: boolean }) => string;

const text = 'héllo, conditional wörld';
const textHeaders = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'max-age=60', vary: 'Accept-Language' };
const weakTag = etag(Buffer.from(text), { weak: true });
const strongTag = etag(Buffer.from(text));
const lastModified = 'Wed, 01 Jan 2025 00:00:00 GMT';
const earlier = 'Tue, 31 Dec 2024 00:00:00 GMT';
const later = 'Thu, 02 Jan 2025 00:00:00 GMT';

/** Earlier middleware that already set a validator: neither we nor res.send generate another. */
const preEtag: RequestHandler = (_req, res, next) => {
  res.setHeader('ETag', '"pre"');
  next();
};

/**
 * Conditional requests against /last-modified (handler-set Last-Modified, generated weak ETag): each
 * must answer exactly as res.send does for the same body and validators. The two Expresses differ
 * when If-None-Match and If-Modified-Since come together (`fresh` 0.5 vs 2).
 */
const parityCases: [string, (tag: string) => Record<string, string>, number, number][] = [
  ['no condition', () => ({}), 200, 200],
  ['If-None-Match: the ETag', (tag) => ({ 'if-none-match': tag }), 304, 304],
  ['If-None-Match: the ETag without W/', (tag) => ({ 'if-none-match': tag.replace(/^W\//, '') }), 304, 304],
  ['If-None-Match: a list holding it', (tag) => ({ 'if-none-match': `"other",  ${tag} ` }), 304, 304],
  ['If-None-Match: another tag', () => ({ 'if-none-match': '"other"' }), 200, 200],
  ['If-None-Match: *', () => ({ 'if-none-match': '*' }), 304, 304],
  ['If-Modified-Since: Last-Modified', () => ({ 'if-modified-since': lastModified }), 304, 304],
  ['If-Modified-Since: later', () => ({ 'if-modified-since': later }), 304, 304],
  ['If-Modified-Since: earlier', () => ({ 'if-modified-since': earlier }), 200, 200],
  ['If-Modified-Since: not a date', () => ({ 'if-modified-since': 'yesterday' }), 200, 200],
  ['the ETag with an earlier If-Modified-Since', (tag) => ({ 'if-none-match': tag, 'if-modified-since': earlier }), 200, 304],
  ['* with an earlier If-Modified-Since', () => ({ 'if-none-match': '*', 'if-modified-since': earlier }), 200, 304],
  ['another tag with a matching If-Modified-Since', () => ({ 'if-none-match': '"other"', 'if-modified-since': lastModified }), 200, 200],
  ['the ETag with Cache-Control: no-cache', (tag) => ({ 'if-none-match': tag, 'cache-control': 'no-cache' }), 200, 200],
  ['the ETag with Cache-Control: max-age=0, no-cache', (tag) => ({ 'if-none-match': tag, 'cache-control': 'max-age=0, no-cache' }), 200, 200],
  ['the ETag with Cache-Control: max-age=0', (tag) => ({ 'if-none-match': tag, 'cache-control': 'max-age=0' }), 304, 304],
];

describe.each(expressVersions)('conditional requests (%s)', (name, express) => {
  const express4 = name === 'express 4';
  const handlers = handlersFor('conditional');

  /** An app with route handlers, after the given `etag` setting (Express's default when undefined). */
  function appWith(factory: ExpressFactory, setting?: unknown): Express {
    const created = factory();
    if (setting !== undefined) created.set('etag', setting);
    created.use(handlers);
    recordErrors(created);
    return created;
  }

  // The default app, with plain Express routes sending the same bodies through res.send for comparison.
  const app = express();
  app.get('/send/text', (_req, res) => {
    res.set(textHeaders).send(text);
  });
  app.get('/send/last-modified', (_req, res) => {
    res.set({ 'last-modified': lastModified, 'cache-control': 'max-age=60' }).type('text/plain').send('dated body');
  });
  app.get('/send/status/:code', (req, res) => {
    res.status(Number(req.params.code)).send(`status ${req.params.code}`);
  });
  app.use('/pre', preEtag, handlers);
  app.use(handlers);
  const errors = recordErrors(app);
  const server = serve(app);

  const noEtag = appWith(express, false);
  const strong = appWith(express, 'strong');
  const customCalls: [boolean, string, unknown][] = [];
  const custom = appWith(express, (body: Buffer, encoding?: string) => {
    customCalls.push([Buffer.isBuffer(body), body.toString('utf8'), encoding]);
    return `"custom-${body.length}"`;
  });

  beforeAll(() => handlers.ready);
  afterEach(() => expect(errors).toEqual([]));

  describe('default app (weak ETags)', () => {
    it('gives a known body the weak ETag res.send gives the same bytes', async () => {
      const ours = await request(app).get('/text');
      expect(ours.status).toBe(200);
      expect(ours.text).toBe(text);
      expect(ours.headers['content-length']).toBe(String(Buffer.byteLength(text)));
      expect(ours.headers.etag).toBe(weakTag);
      const sent = await request(app).get('/send/text');
      expect(sent.headers.etag).toBe(weakTag);
    });

    it.each([
      ['/bytes', Buffer.from([1, 2, 3, 4, 5])],
      ['/json', Buffer.from(JSON.stringify({ conditional: true, text: 'wörld' }))],
    ])('hashes the bytes of %s', async (path, bytes) => {
      const response = await request(app).get(path);
      expect(response.status).toBe(200);
      expect(response.headers['content-length']).toBe(String(bytes.length));
      expect(response.headers.etag).toBe(etag(bytes, { weak: true }));
      const again = await httpRequest(server.port, { path, headers: { 'if-none-match': etag(bytes, { weak: true }) } });
      expect(again.status).toBe(304);
    });

    it('answers a matching If-None-Match with 304: no Content-Type, Content-Length or body; ETag, Cache-Control, Vary kept', async () => {
      const response = await httpRequest(server.port, { path: '/text', headers: { 'if-none-match': weakTag } });
      expect(response.status).toBe(304);
      expect(response.statusMessage).toBe('Not Modified');
      expect(response.body).toBe('');
      expect(response.headers['content-type']).toBeUndefined();
      expect(response.headers['content-length']).toBeUndefined();
      expect(response.headers['transfer-encoding']).toBeUndefined();
      expect(response.headers.etag).toBe(weakTag);
      expect(response.headers['cache-control']).toBe('max-age=60');
      expect(response.headers.vary).toBe('Accept-Language');
    });

    it('drops the same headers as res.send does on its 304', async () => {
      const ours = await httpRequest(server.port, { path: '/text', headers: { 'if-none-match': weakTag } });
      const sent = await httpRequest(server.port, { path: '/send/text', headers: { 'if-none-match': weakTag } });
      expect(sent.status).toBe(304);
      const names = (headers: Record<string, unknown>) => Object.keys(headers).filter((header) => !['date', 'x-powered-by', 'connection', 'keep-alive'].includes(header)).sort();
      expect(names(ours.headers)).toEqual(names(sent.headers));
    });

    it('answers a different If-None-Match with the full response', async () => {
      const response = await httpRequest(server.port, { path: '/text', headers: { 'if-none-match': '"something-else"' } });
      expect(response.status).toBe(200);
      expect(response.body).toBe(text);
      expect(response.headers.etag).toBe(weakTag);
    });

    it('answers HEAD like GET without a body: same ETag and Content-Length, and 304s', async () => {
      const head = await httpRequest(server.port, { method: 'HEAD', path: '/text' });
      expect(head.status).toBe(200);
      expect(head.body).toBe('');
      expect(head.headers.etag).toBe(weakTag);
      expect(head.headers['content-length']).toBe(String(Buffer.byteLength(text)));
      expect(head.headers['content-type']).toBe('text/plain; charset=utf-8');
      const notModified = await httpRequest(server.port, { method: 'HEAD', path: '/text', headers: { 'if-none-match': weakTag } });
      expect(notModified.status).toBe(304);
      expect(notModified.headers.etag).toBe(weakTag);
      expect(notModified.headers['content-length']).toBeUndefined();
      expect(notModified.headers['content-type']).toBeUndefined();
      expect(notModified.headers['cache-control']).toBe('max-age=60');
    });

    it.each(['no-cache', 'max-age=0, no-cache'])('lets Cache-Control: %s in the request defeat the 304', async (cacheControl) => {
      const response = await httpRequest(server.port, { path: '/text', headers: { 'if-none-match': weakTag, 'cache-control': cacheControl } });
      expect(response.status).toBe(200);
      expect(response.body).toBe(text);
      expect(response.headers.etag).toBe(weakTag);
    });

    it.each([weakTag, '*'])('never gives POST an ETag or a 304 (If-None-Match: %s)', async (tag) => {
      const response = await httpRequest(server.port, { method: 'POST', path: '/text', headers: { 'if-none-match': tag } });
      expect(response.status).toBe(200);
      expect(response.body).toBe(text);
      expect(response.headers.etag).toBeUndefined();
    });

    it('never gives a streamed body an ETag or a 304, even with its own ETag', async () => {
      const plain = await httpRequest(server.port, { path: '/stream' });
      expect(plain.status).toBe(200);
      expect(plain.body).toBe('streamed body');
      expect(plain.headers['transfer-encoding']).toBe('chunked');
      expect(plain.headers.etag).toBeUndefined();
      const star = await httpRequest(server.port, { path: '/stream', headers: { 'if-none-match': '*' } });
      expect(star.status).toBe(200);
      expect(star.body).toBe('streamed body');
      const own = await httpRequest(server.port, { path: '/stream?etag', headers: { 'if-none-match': '"s1"' } });
      expect(own.status).toBe(200);
      expect(own.headers.etag).toBe('"s1"');
      expect(own.body).toBe('streamed body');
    });

    it('gives a Blob its Content-Length but no ETag (its bytes stream)', async () => {
      const response = await httpRequest(server.port, { path: '/blob', headers: { 'if-none-match': '"x"' } });
      expect(response.status).toBe(200);
      expect(response.body).toBe('blob body');
      expect(response.headers['content-length']).toBe('9');
      expect(response.headers.etag).toBeUndefined();
    });

    it('keeps a handler-set ETag and honours it for 304s', async () => {
      const first = await request(app).get('/own-etag');
      expect(first.headers.etag).toBe('"v1"');
      for (const tag of ['"v1"', 'W/"v1"', '"v0", "v1"']) {
        const response = await httpRequest(server.port, { path: '/own-etag', headers: { 'if-none-match': tag } });
        expect(response.status).toBe(304);
        expect(response.body).toBe('');
        expect(response.headers.etag).toBe('"v1"');
        expect(response.headers['cache-control']).toBe('no-cache');
        expect(response.headers.vary).toBe('Accept');
      }
      const changed = await httpRequest(server.port, { path: '/own-etag', headers: { 'if-none-match': '"v2"' } });
      expect(changed.status).toBe(200);
      expect(changed.body).toBe('versioned body');
    });

    it('keeps an ETag set by earlier middleware (as res.send does) and honours it', async () => {
      const response = await request(app).get('/pre/text');
      expect(response.headers.etag).toBe('"pre"');
      const notModified = await httpRequest(server.port, { path: '/pre/text', headers: { 'if-none-match': '"pre"' } });
      expect(notModified.status).toBe(304);
    });

    it('answers If-Modified-Since against a handler-set Last-Modified with 304', async () => {
      const response = await httpRequest(server.port, { path: '/last-modified', headers: { 'if-modified-since': lastModified } });
      expect(response.status).toBe(304);
      expect(response.body).toBe('');
      expect(response.headers['last-modified']).toBe(lastModified);
      expect(response.headers['cache-control']).toBe('max-age=60');
      expect(response.headers['content-type']).toBeUndefined();
      expect(response.headers.etag).toBe(etag(Buffer.from('dated body'), { weak: true }));
    });

    it.each(parityCases)('answers %s exactly as res.send does', async (_label, conditions, status4, status5) => {
      const tag = etag(Buffer.from('dated body'), { weak: true });
      const ours = await httpRequest(server.port, { path: '/last-modified', headers: conditions(tag) });
      const sent = await httpRequest(server.port, { path: '/send/last-modified', headers: conditions(tag) });
      expect(ours.status).toBe(express4 ? status4 : status5);
      expect(sent.status).toBe(ours.status);
      expect(ours.body).toBe(sent.body);
      expect(ours.headers.etag).toBe(sent.headers.etag);
      expect(ours.headers['content-length']).toBe(sent.headers['content-length']);
    });

    it('turns any 2xx into a 304, with the status message of a 304', async () => {
      const tag = etag(Buffer.from('status 201'), { weak: true });
      const created = await httpRequest(server.port, { path: '/status/201' });
      expect(created.status).toBe(201);
      expect(created.statusMessage).toBe('Custom Text');
      expect(created.headers.etag).toBe(tag);
      const notModified = await httpRequest(server.port, { path: '/status/201', headers: { 'if-none-match': tag } });
      expect(notModified.status).toBe(304);
      expect(notModified.statusMessage).toBe('Not Modified');
    });

    it.each([301, 404, 500])('tags a %i body as res.send does, but never answers it with 304', async (status) => {
      const tag = etag(Buffer.from(`status ${status}`), { weak: true });
      const ours = await httpRequest(server.port, { path: `/status/${status}`, headers: { 'if-none-match': tag } });
      const sent = await httpRequest(server.port, { path: `/send/status/${status}`, headers: { 'if-none-match': tag } });
      expect(ours.status).toBe(status);
      expect(ours.body).toBe(`status ${status}`);
      expect(ours.headers.etag).toBe(tag);
      expect(sent.status).toBe(status);
      expect(sent.headers.etag).toBe(tag);
    });
  });

  describe("app.set('etag', false)", () => {
    it('generates no ETag and so answers If-None-Match in full', async () => {
      const plain = await request(noEtag).get('/text');
      expect(plain.status).toBe(200);
      expect(plain.headers.etag).toBeUndefined();
      const conditional = await request(noEtag).get('/text').set('If-None-Match', weakTag);
      expect(conditional.status).toBe(200);
      expect(conditional.text).toBe(text);
      expect(conditional.headers.etag).toBeUndefined();
    });

    it("still honours the handler's own ETag and Last-Modified, as res.send does", async () => {
      expect((await request(noEtag).get('/own-etag').set('If-None-Match', '"v1"')).status).toBe(304);
      expect((await request(noEtag).get('/last-modified').set('If-Modified-Since', lastModified)).status).toBe(304);
    });
  });

  describe("app.set('etag', 'strong')", () => {
    it('gives a strong ETag and answers it, weakly compared, with 304', async () => {
      const response = await request(strong).get('/text');
      expect(response.headers.etag).toBe(strongTag);
      expect((await request(strong).get('/text').set('If-None-Match', strongTag)).status).toBe(304);
      expect((await request(strong).get('/text').set('If-None-Match', `W/${strongTag}`)).status).toBe(304);
      const head = await request(strong).head('/text');
      expect(head.headers.etag).toBe(strongTag);
    });
  });

  describe("app.set('etag', fn)", () => {
    it('calls the function with the body bytes as res.send does and uses its tag', async () => {
      customCalls.splice(0);
      const response = await request(custom).get('/text');
      const bytes = Buffer.byteLength(text);
      expect(response.headers.etag).toBe(`"custom-${bytes}"`);
      expect(customCalls).toEqual([[true, text, undefined]]);
      expect((await request(custom).get('/text').set('If-None-Match', `"custom-${bytes}"`)).status).toBe(304);
    });
  });

  describe('cached static routes', () => {
    it("keep the cache's strong content-hash ETag, whatever the app's etag setting", async () => {
      const first = await request(app).get('/static');
      expect(first.headers.etag).toMatch(/^"[\w-]+"$/);
      expect(first.headers['x-nextjs-cache']).toEqual(expect.any(String));
      for (const other of [noEtag, strong, custom]) {
        const response = await request(other).get('/static');
        expect(response.headers.etag).toBe(first.headers.etag);
      }
      const notModified = await httpRequest(server.port, { path: '/static', headers: { 'if-none-match': first.headers.etag } });
      expect(notModified.status).toBe(304);
    });
  });
});
