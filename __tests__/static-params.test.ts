import path from 'node:path';
import request from 'supertest';
import { routeHandlers } from '../lib';
import { expressVersions } from './helpers/express';
import { fixtures, handlersFor, recordErrors } from './helpers/server';

describe.each(expressVersions)('generateStaticParams and dynamicParams (%s)', (_name, express) => {
  const handlers = handlersFor(path.join('static-params'));
  const app = express();
  app.use(handlers);
  app.use((req, res) => res.status(404).json({ fallback: req.originalUrl }));
  const errors = recordErrors(app);
  beforeAll(() => handlers.ready);
  afterEach(() => expect(errors).toEqual([]));

  it('serves listed params and caches them (the route is static)', async () => {
    const first = await request(app).get('/posts/first');
    expect(first.status).toBe(200);
    expect(first.headers['x-nextjs-cache']).toBe('MISS');
    const again = await request(app).get('/posts/first');
    expect(again.headers['x-nextjs-cache']).toBe('HIT');
    expect(again.body).toEqual(first.body);
  });

  it('with dynamicParams = false, passes unlisted params on to the rest of the app', async () => {
    const response = await request(app).get('/posts/third');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ fallback: '/posts/third' });
  });

  it('matches catch-all params as lists', async () => {
    expect((await request(app).get('/docs/guide/intro')).body).toEqual({ path: ['guide', 'intro'] });
    expect((await request(app).get('/docs/faq')).status).toBe(200);
    expect((await request(app).get('/docs/guide')).body).toEqual({ fallback: '/docs/guide' });
  });

  it('with dynamicParams (default), generates unlisted params on demand and caches them', async () => {
    const first = await request(app).get('/open/other');
    expect(first.headers['x-nextjs-cache']).toBe('MISS');
    const second = await request(app).get('/open/other');
    expect(second.headers['x-nextjs-cache']).toBe('HIT');
    expect(second.body).toEqual(first.body);
  });
});

it('a param that is not a string fails ready with Next words and the file', async () => {
  const appDir = path.join(fixtures, 'static-params', 'invalid', 'app');
  const handlers = routeHandlers({ appDir, logger: { warn: () => {} } });
  const error = (await handlers.ready.then(() => undefined, (e: unknown) => e)) as Error;
  expect(error.message).toBe(
    `A required parameter (id) was not provided as a string received number in generateStaticParams for /items/[id] (${appDir}/items/[id]/route.ts)`,
  );
  await handlers.close();
});
