import http from 'node:http';
import request from 'supertest';
import { after } from '../lib/next/after';
import { expressVersions } from './helpers/express';
import { httpRequest } from './helpers/http';
import { handlersFor, recordErrors, serve } from './helpers/server';

let ids = 0;
const nextId = () => `t${++ids}`;

describe.each(expressVersions)('after() (%s)', (_name, express) => {
  const handlers = handlersFor('next-api');
  const app = express();
  app.use(handlers);
  const errors = recordErrors(app);
  const server = serve(app);
  beforeAll(() => handlers.ready);
  beforeEach(() => errors.splice(0));

  /** Answers once the named signal fired in the route files' shared module (no sleeping). */
  async function waitFor(name: string): Promise<unknown> {
    const response = await httpRequest(server.port, { path: `/after/status?wait=${encodeURIComponent(name)}` });
    return JSON.parse(response.body).value;
  }
  async function peek(name: string): Promise<{ settled: boolean; value?: unknown }> {
    return JSON.parse((await httpRequest(server.port, { path: `/after/status?peek=${encodeURIComponent(name)}` })).body);
  }
  async function fire(name: string): Promise<void> {
    expect((await httpRequest(server.port, { method: 'POST', path: `/after/status?fire=${encodeURIComponent(name)}` })).status).toBe(204);
  }

  it('runs the callback after the response has finished; the client has it all while the callback waits', async () => {
    const id = nextId();
    const response = await httpRequest(server.port, {
      path: `/after/gated?id=${id}`,
      headers: { 'x-test': 'seen in after', cookie: 'session=s1' },
    });
    expect(response.status).toBe(200);
    expect(response.body).toBe('response body');

    // The callback started after `finish`, and is still blocked on its gate.
    const started = await waitFor(`${id}:started`);
    expect(started).toMatchObject({ writableFinished: true });
    expect(await peek(`${id}:done`)).toEqual({ settled: false });

    await fire(`${id}:gate`);
    expect(await waitFor(`${id}:done`)).toBe(true);
    expect(errors).toEqual([]);
  });

  it('does not make one callback wait for another', async () => {
    const id = nextId();
    await httpRequest(server.port, { path: `/after/gated?id=${id}` });
    await waitFor(`${id}:started`);
    // The first callback is blocked on its gate; the second one ran anyway.
    expect(await waitFor(`${id}:second`)).toBe(true);
    expect(await peek(`${id}:done`)).toEqual({ settled: false });
    await fire(`${id}:gate`);
    await waitFor(`${id}:done`);
  });

  it('lets the callback read headers() and cookies(), but no longer set cookies', async () => {
    const id = nextId();
    await httpRequest(server.port, { path: `/after/gated?id=${id}`, headers: { 'x-test': 'seen in after', cookie: 'session=s1' } });
    expect(await waitFor(`${id}:started`)).toEqual({
      writableFinished: true,
      header: 'seen in after',
      cookie: 's1',
      cookieError: 'Cookies can only be modified in a Server Action or Route Handler. Read more: https://nextjs.org/docs/app/api-reference/functions/cookies#options',
    });
    await fire(`${id}:gate`);
    await waitFor(`${id}:done`);
  });

  it('keeps the connection usable: a keep-alive client gets the next response while a callback still waits', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const id = nextId();
      const first = await httpRequest(server.port, { path: `/after/gated?id=${id}`, agent });
      const second = await httpRequest(server.port, { path: '/after/status?peek=unrelated', agent });
      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(second.reusedSocket).toBe(true);
      await fire(`${id}:gate`);
      await waitFor(`${id}:done`);
    } finally {
      agent.destroy();
    }
  });

  it.each([
    ['throw', 500],
    ['redirect', 307],
    ['not-found', 404],
    ['return', 200],
  ])('runs the callback when the handler ends with %s', async (then, status) => {
    const id = nextId();
    const response = await request(app).get(`/after/outcome?id=${id}&then=${then}`);
    expect(response.status).toBe(status);
    expect(await waitFor(`${id}:ran`)).toBe(then);
    expect(errors).toHaveLength(then === 'throw' ? 1 : 0);
  });

  describe('errors', () => {
    let consoleError: jest.SpyInstance;
    beforeEach(() => {
      consoleError = jest.spyOn(console, 'error').mockImplementation(() => {});
    });
    afterEach(() => consoleError.mockRestore());

    it('logs a throwing callback with Next.js’s words and never touches the response', async () => {
      const id = nextId();
      const response = await request(app).get(`/after/callback-error?id=${id}`);
      expect(response.status).toBe(200);
      expect(response.text).toBe('unaffected');
      expect(response.headers['x-after']).toBe('scheduled');

      // The later callbacks still run, including one scheduled from inside a callback.
      await waitFor(`${id}:last`);
      await waitFor(`${id}:nested`);
      const logged = consoleError.mock.calls.filter(([message]) => message === 'An error occurred in a function passed to `after()`:');
      expect(logged.map(([, error]) => (error as Error).message).sort()).toEqual(['async callback failed', 'callback failed']);
      expect(errors).toEqual([]);
    });

    it('awaits a promise passed to after(), and logs its rejection', async () => {
      const id = nextId();
      const response = await request(app).get(`/after/promise?id=${id}&reject`);
      expect(response.status).toBe(200);
      expect(response.text).toBe('promise scheduled');
      expect(await peek(`${id}:done`)).toEqual({ settled: false });
      await fire(`${id}:gate`);
      await waitFor(`${id}:done`);

      const logged = consoleError.mock.calls.filter(([message]) => message === 'A promise passed to `after()` rejected:');
      expect(logged).toHaveLength(1);
      expect((logged[0][1] as Error).message).toBe('promise rejected');
      expect(errors).toEqual([]);
    });
  });
});

it('after() outside a handler throws Next.js’s wrong-context error', () => {
  expect(() => after(() => {})).toThrow(
    '`after` was called outside a request scope. Read more: https://nextjs.org/docs/messages/next-dynamic-api-wrong-context',
  );
});
