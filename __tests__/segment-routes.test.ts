import request from 'supertest';
import { routeHandlers } from '../lib';
import { expressVersions } from './helpers/express';
import { fixtureApp, handlersFor, recordErrors } from './helpers/server';

describe.each(expressVersions)('segment config on requests (%s)', (_name, express) => {
  const warn = jest.fn();
  const handlers = handlersFor('segment-routes', { logger: { warn } });
  const app = express();
  app.use(handlers);
  const errors = recordErrors(app);
  beforeAll(() => handlers.ready);
  beforeEach(() => errors.splice(0));

  it("gives a force-static handler Next's sanitised request (§8 item 32)", async () => {
    const response = await request(app).get('/dynamic?query=true').set('accept', 'application/json').set('cookie', 'session=abc');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      href: 'http://localhost:3000/dynamic',
      search: '',
      query: null,
      clone: 'http://localhost:3000/dynamic',
      url: 'http://localhost:3000/dynamic',
      accept: null,
      headersAccept: null,
      session: null,
      cookieSize: 0,
    });
  });

  it('keeps the body of other methods under force-static', async () => {
    const response = await request(app).post('/force-static-post?x=1').set('content-type', 'text/plain').send('kept');
    expect(response.body).toEqual({ body: 'kept', url: 'http://localhost:3000/force-static-post', headerCount: 0 });
  });

  it("makes request data an error with dynamic = 'error', with Next's words", async () => {
    const response = await request(app).get('/error-mode?q=1');
    expect(response.status).toBe(500);
    expect((errors[0] as Error).message).toContain(
      'Route /error-mode with `dynamic = "error"` couldn\'t be rendered statically because it used `nextUrl.searchParams`.',
    );
    await request(app).get('/error-headers');
    expect((errors[1] as Error).message).toContain(
      'Route /error-headers with `dynamic = "error"` couldn\'t be rendered statically because it used `headers`. See more info here: https://nextjs.org/docs/app/building-your-application/rendering/static-and-dynamic#dynamic-rendering',
    );
  });

  it("serves a dynamic = 'error' handler that only reads the pathname", async () => {
    const response = await request(app).get('/error-mode-ok?q=1');
    expect(response.body).toEqual({ pathname: '/error-mode-ok', method: 'GET' });
    expect(errors).toEqual([]);
  });

  it("leaves the request alone in a dynamic = 'error' file that also exports POST (it is dynamic)", async () => {
    const response = await request(app).get('/error-with-post').set('accept', 'text/x-test');
    expect(response.body).toEqual({ accept: 'text/x-test', viaHeaders: 'text/x-test' });
  });

  it("runs runtime = 'edge' routes on Node with one startup warning naming the file", async () => {
    expect((await request(app).get('/edge')).text).toBe('edge on node');
    const edgeWarnings = warn.mock.calls.filter(([message]) => String(message).includes("runtime = 'edge'"));
    expect(edgeWarnings).toHaveLength(1);
    expect(edgeWarnings[0][0]).toContain(`${fixtureApp('segment-routes')}/edge/route.ts`);
  });
});

describe('invalid segment config', () => {
  it('fails ready naming every file and export', async () => {
    const handlers = routeHandlers({ appDir: fixtureApp('segment-invalid'), logger: { warn: () => {} } });
    const error = (await handlers.ready.then(() => undefined, (e: unknown) => e)) as Error;
    expect(error.name).toBe('RouteConfigError');
    expect(error.message).toContain(
      `Invalid revalidate value -1 on "/bad-revalidate", must be a non-negative number or false (export const revalidate in ${fixtureApp('segment-invalid')}/bad-revalidate/route.ts)`,
    );
    expect(error.message).toContain(`(export const dynamic in ${fixtureApp('segment-invalid')}/bad-dynamic/route.ts)`);
    await handlers.close();
  });
});
