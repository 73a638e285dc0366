import request from 'supertest';
import { expressVersions } from './helpers/express';
import { handlersFor, recordErrors } from './helpers/server';

describe.each(expressVersions)('prerender: true (%s)', (_name, express) => {
  const warn = jest.fn();
  const handlers = handlersFor('prerender', { prerender: true, logger: { warn } });
  const app = express();
  app.use(handlers);
  const errors = recordErrors(app);
  beforeAll(() => handlers.ready);
  afterEach(() => expect(errors).toEqual([]));

  it("generates static routes and listed params during ready, with Next's build request, running after()", async () => {
    const { body } = await request(app).get('/state');
    expect(body.runs).toEqual({ static: 1, a: 1, 'b c': 1 });
    expect(body.requests).toEqual(['http://localhost:3000/static']);
    expect(body.afterRuns).toEqual(['static']);
  });

  it('serves prerendered answers as HITs without running the handler again', async () => {
    expect((await request(app).get('/static')).headers['x-nextjs-cache']).toBe('HIT');
    expect((await request(app).get('/posts/a')).headers['x-nextjs-cache']).toBe('HIT');
    expect((await request(app).get('/posts/b%20c')).headers['x-nextjs-cache']).toBe('HIT');
    expect((await request(app).get('/posts/other')).headers['x-nextjs-cache']).toBe('MISS');
    expect((await request(app).get('/state')).body.runs).toEqual({ static: 1, a: 1, 'b c': 1, other: 1 });
  });

  it('leaves a route that reads request data dynamic, saying why', async () => {
    expect(handlers.routes.find((route) => route.pattern === '/reads-headers')?.rendering).toBe('dynamic');
    expect(warn.mock.calls.some(([message]) => String(message).includes('/reads-headers') && String(message).includes('request.headers'))).toBe(true);
    expect((await request(app).get('/reads-headers').set('user-agent', 'x')).body).toEqual({ agent: 'x' });
  });
});
