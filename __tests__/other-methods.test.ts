import request from 'supertest';
import { routeHandlers } from '../lib';
import { expressVersions, type ExpressFactory } from './helpers/express';
import { fixtureApp, handlersFor, recordErrors } from './helpers/server';

/** A legacy app midway: route files mounted first, the Express routes they have not replaced after them. */
function legacyApp(express: ExpressFactory, otherMethods?: 'respond' | 'next') {
  const handlers = handlersFor('other-methods', otherMethods ? { otherMethods } : {});
  const app = express();
  app.use(handlers);
  app.post('/users', (_req, res) => {
    res.status(201).json({ from: 'express' });
  });
  app.post('/cached', (_req, res) => {
    res.status(201).json({ from: 'express' });
  });
  app.delete('/preflight', (_req, res) => {
    res.json({ from: 'express' });
  });
  const errors = recordErrors(app);
  beforeAll(() => handlers.ready);
  afterEach(() => expect(errors).toEqual([]));
  return app;
}

describe.each(expressVersions)("otherMethods: 'next' (%s)", (_name, express) => {
  const app = legacyApp(express, 'next');

  it('serves the methods the file exports, with HEAD from its GET', async () => {
    expect((await request(app).get('/users')).body).toEqual({ from: 'route file' });
    const head = await request(app).head('/users');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toMatch(/^application\/json/);
  });

  it('passes other methods to the Express routes after it', async () => {
    const post = await request(app).post('/users').send({});
    expect(post.status).toBe(201);
    expect(post.body).toEqual({ from: 'express' });
    // Nothing in Express answers DELETE /users: Express's own 404.
    expect((await request(app).delete('/users')).status).toBe(404);
  });

  it("leaves OPTIONS to Express unless the file exports it (its Allow lists Express's routes)", async () => {
    const options = await request(app).options('/users');
    expect(options.status).toBe(200);
    expect(options.headers.allow).toContain('POST');
    const own = await request(app).options('/preflight');
    expect(own.status).toBe(204);
    expect(own.headers['x-from']).toBe('route file');
  });

  it('does the same on a static route', async () => {
    expect((await request(app).get('/cached')).headers['x-nextjs-cache']).toBeDefined();
    expect((await request(app).post('/cached')).body).toEqual({ from: 'express' });
  });

  it('redirects a trailing slash only for a method the file serves', async () => {
    expect((await request(app).get('/users/')).status).toBe(308);
    // Express (non-strict routing) answers POST /users/ itself.
    expect((await request(app).post('/users/')).status).toBe(201);
  });
});

describe.each(expressVersions)("otherMethods: 'respond', the default (%s)", (_name, express) => {
  const app = legacyApp(express);

  it("answers other methods with Next's 405 and an automatic OPTIONS, even where Express has a route", async () => {
    const post = await request(app).post('/users').send({});
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD, OPTIONS');
    const options = await request(app).options('/users');
    expect(options.status).toBe(204);
    expect(options.headers.allow).toBe('GET, HEAD, OPTIONS');
  });
});

it('rejects an unknown otherMethods value at startup', () => {
  expect(() => routeHandlers({ appDir: fixtureApp('other-methods'), otherMethods: 'pass' as 'next' })).toThrow(/otherMethods must be 'respond' or 'next'/);
});
