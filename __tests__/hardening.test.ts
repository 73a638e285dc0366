/**
 * The findings of the hardening probe (issue 10), one regression test each: responses Node refuses
 * to send, a body stream that fails after the headers, a static generation that never settles,
 * `maxDuration`, `bodyLimit` and an invalid Host. jest fails a test on any unhandled rejection,
 * which is how finding 1 used to show (the process exits outside jest).
 */
import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import express4 from 'express';
import request from 'supertest';
import { routeHandlers } from '../lib';
import { expressVersions } from './helpers/express';
import { httpRequest } from './helpers/http';
import { fixtureApp, handlersFor, recordErrors, serve } from './helpers/server';

const events = ((globalThis as Record<symbol, EventEmitter>)[Symbol.for('express-route-handlers.test.hardening')] ??= new EventEmitter());
const file = (route: string) => `${fixtureApp('hardening')}/${route}/route.ts`;
const message = (error: unknown) => (error as Error).message;

/** Only the clock and its timers are faked: sockets, setImmediate and microtasks run as usual. */
function fakeTimers(): void {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'hrtime', 'performance'] });
}

/** Lets sockets deliver what was written (an immediate after I/O callbacks), without a clock. */
const ioTurn = () => new Promise((resolve) => setImmediate(resolve));

describe.each(expressVersions)('hardening (%s)', (_name, express) => {
  const logged: Error[] = [];
  const handlers = handlersFor('hardening', {
    logger: { warn: () => {}, error: (error) => void logged.push(error) },
    maxDuration: 30,
    staticPageGenerationTimeout: 5,
  });
  const app = express();
  app.set('trust proxy', true);
  // A header set before the handler: it must survive a response that could not be sent.
  app.use((_req, res, next) => {
    res.setHeader('x-upstream', '1');
    next();
  });
  app.use(handlers);
  app.get('/express', (_req, res) => void res.send('express'));
  const errors = recordErrors(app);
  const server = serve(app);
  beforeAll(() => handlers.ready);
  beforeEach(() => {
    errors.splice(0);
    logged.splice(0);
  });
  afterEach(() => jest.useRealTimers());

  describe('a response Node refuses to send becomes a 500 through next(err), never a crash', () => {
    it('a header value with a control character (the issue: GET /api/dl/a%01b)', async () => {
      const response = await httpRequest(server.port, { path: '/api/dl/a%01b' });
      expect(response.status).toBe(500);
      expect(response.headers['x-upstream']).toBe('1');
      expect(response.headers['content-disposition']).toBeUndefined();
      expect(message(errors[0])).toBe(
        `The response of route handler '${file('api/dl/[name]')}' cannot be sent (method: GET, url: /api/dl/a%01b): TypeError: Invalid character in header content ["content-disposition"]`,
      );
      expect((await httpRequest(server.port, { path: '/express' })).body).toBe('express');
    });

    it('every control character Node refuses, each as its own request', async () => {
      const refused = [...Array.from({ length: 8 }, (_, i) => i + 1), 0x0b, 0x0c, ...Array.from({ length: 18 }, (_, i) => i + 0x0e), 0x7f];
      for (const code of refused) {
        const response = await httpRequest(server.port, { path: `/api/dl/a%${code.toString(16).padStart(2, '0')}b` });
        expect([code, response.status]).toEqual([code, 500]);
      }
      expect(errors).toHaveLength(refused.length);
      // A tab is allowed in a header value: that one is sent.
      expect((await httpRequest(server.port, { path: '/api/dl/a%09b' })).headers['content-disposition']).toBe('attachment; filename="a\tb"');
    });

    it('a cookie attribute with a control character', async () => {
      const response = await httpRequest(server.port, { path: '/bad/cookie' });
      expect(response.status).toBe(500);
      expect(response.headers['set-cookie']).toBeUndefined();
      expect(message(errors[0])).toContain(`'${file('bad/cookie')}' cannot be sent (method: GET, url: /bad/cookie)`);
    });

    it.each([99, 600, 0, 150])('a Response subclass reporting status %i, with a known and a streamed body', async (code) => {
      for (const method of ['GET', 'POST']) {
        const response = await httpRequest(server.port, { method, path: `/bad/status?code=${code}` });
        expect(response.status).toBe(500);
      }
      expect(errors.map(message)).toEqual(
        ['GET', 'POST'].map(
          (method) =>
            `Route handler '${file('bad/status')}' returned a Response with status ${code} (method: ${method}, url: /bad/status?code=${code}); a response status must be an integer from 200 to 599.`,
        ),
      );
    });

    it('Response.error()', async () => {
      expect((await httpRequest(server.port, { path: '/bad/error-response' })).status).toBe(500);
      expect(message(errors[0])).toContain('returned a Response with status 0');
    });

    it('a status text with a control character, known body and stream alike, without the handler headers', async () => {
      for (const method of ['GET', 'POST']) {
        const response = await httpRequest(server.port, { method, path: '/bad/status-text' });
        expect(response.status).toBe(500);
        expect(response.statusMessage).toBe('Internal Server Error');
        expect(response.headers['x-handler']).toBeUndefined();
        expect(response.headers['x-upstream']).toBe('1');
      }
      expect(errors).toHaveLength(2);
    });

    it('a redirect() to a URL no Location header can hold', async () => {
      expect((await httpRequest(server.port, { path: '/bad/redirect' })).status).toBe(500);
      expect(message(errors[0])).toContain(`Route handler '${file('bad/redirect')}' threw (method: GET, url: /bad/redirect)`);
    });

    it('a static route whose answer cannot be sent is not cached: every request fails the same way', async () => {
      for (let run = 1; run <= 2; run++) {
        const response = await httpRequest(server.port, { path: '/bad/static-header' });
        expect(response.status).toBe(500);
        expect(response.headers['x-nextjs-cache']).toBeUndefined();
      }
      expect(errors.map(message)).toEqual([1, 2].map(() => expect.stringContaining(`'${file('bad/static-header')}' cannot be sent`)));
    });
  });

  it('a body stream that fails after the headers: the connection is cut and the error logged with file, method and URL', async () => {
    const outcome = await new Promise<{ complete: boolean; body: string }>((resolve, reject) => {
      http
        .get({ port: server.port, host: '127.0.0.1', path: '/stream/fails-after?x=1', agent: false }, (response) => {
          let body = '';
          response.on('data', (chunk) => (body += chunk));
          response.on('error', () => {});
          response.on('close', () => resolve({ complete: response.complete, body }));
        })
        .on('error', reject);
    });
    expect(outcome).toEqual({ complete: false, body: 'chunk 1;chunk 2;chunk 3;' });
    expect(errors).toEqual([]);
    expect(logged.map(message)).toEqual([
      `The response body of route handler '${file('stream/fails-after')}' failed while streaming (method: GET, url: /stream/fails-after?x=1): Error: backend went away`,
    ]);
    expect((await httpRequest(server.port, { path: '/express' })).body).toBe('express');
  });

  describe('a static generation that never settles (staticPageGenerationTimeout, shortened by maxDuration)', () => {
    it('fails every waiting request with a 500 after the limit, then the next request generates again', async () => {
      fakeTimers();
      const generation = once(events, 'generation');
      const first = httpRequest(server.port, { path: '/gen/hang' });
      expect(await generation).toEqual(['gen/hang', 1]);
      const waiting = httpRequest(server.port, { path: '/gen/hang' });
      // The waiter reaches the flight within a few I/O turns of arriving; nothing moves the clock meanwhile.
      for (let turn = 0; turn < 5; turn++) await ioTurn();

      await jest.advanceTimersByTimeAsync(4999);
      expect(errors).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect([(await first).status, (await waiting).status]).toEqual([500, 500]);
      expect(errors.map(message)).toEqual(
        [1, 2].map(
          () =>
            `Static generation by route handler '${file('gen/hang')}' did not finish within 5 s (method: GET, url: /gen/hang); the time limit is the staticPageGenerationTimeout option, or the route's maxDuration when shorter.`,
        ),
      );

      const again = await httpRequest(server.port, { path: '/gen/hang' });
      expect([again.status, again.headers['x-nextjs-cache'], JSON.parse(again.body)]).toEqual([200, 'MISS', { run: 2 }]);
      expect((await httpRequest(server.port, { path: '/gen/hang' })).headers['x-nextjs-cache']).toBe('HIT');
    });

    it("a route's maxDuration shortens the limit", async () => {
      fakeTimers();
      const generation = once(events, 'generation');
      const first = httpRequest(server.port, { path: '/gen/short' });
      await generation;
      await jest.advanceTimersByTimeAsync(1999);
      expect(errors).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect((await first).status).toBe(500);
      expect(message(errors[0])).toContain('did not finish within 2 s');
      expect((await httpRequest(server.port, { path: '/gen/short' })).status).toBe(200);
    });
  });

  describe('maxDuration', () => {
    it("answers 504 when the handler has not answered, aborting its request.signal with a TimeoutError; the route's export wins over the option", async () => {
      fakeTimers();
      const started = once(events, 'started');
      const answer = httpRequest(server.port, { path: '/slow' });
      await started;
      const aborted = once(events, 'aborted');
      await jest.advanceTimersByTimeAsync(2999);
      expect(logged).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect((await answer).status).toBe(504);
      const expected = `Route handler '${file('slow')}' did not answer within its maxDuration of 3 s (method: GET, url: /slow).`;
      expect(await aborted).toEqual(['slow', `TimeoutError: ${expected}`]);
      expect(logged.map(message)).toEqual([expected]);
      expect(errors).toEqual([]);
    });

    it('cuts the connection when the response had begun, cancelling its body', async () => {
      fakeTimers();
      const started = once(events, 'started');
      const outcome = new Promise<{ complete: boolean; body: string }>((resolve, reject) => {
        http
          .get({ port: server.port, host: '127.0.0.1', path: '/slow-stream', agent: false }, (response) => {
            let body = '';
            response.on('data', (chunk) => (body += chunk));
            response.on('error', () => {});
            response.on('close', () => resolve({ complete: response.complete, body }));
          })
          .on('error', reject);
      });
      await started;
      for (let turn = 0; turn < 5; turn++) await ioTurn();
      const cancelled = once(events, 'cancelled');
      await jest.advanceTimersByTimeAsync(3000);
      expect(await outcome).toEqual({ complete: false, body: 'begun;' });
      expect(await cancelled).toEqual(['slow-stream', 'ResponseAborted']);
      expect(logged.map(message)).toEqual([expect.stringContaining('did not answer within its maxDuration of 3 s')]);
    });
  });

  describe('invalid Host: 400 everywhere', () => {
    it.each(['/static', '/dynamic'])('%s, cold and cached', async (path) => {
      for (let run = 0; run < 2; run++) {
        const response = await httpRequest(server.port, { path, headers: { host: 'evil/x' } });
        expect(response.status).toBe(400);
        expect((await httpRequest(server.port, { path })).status).toBe(200);
      }
      expect((await request(app).get(path).set('X-Forwarded-Host', 'evil/x')).status).toBe(400);
      expect(errors).toEqual([]);
    });
  });
});

describe.each(expressVersions)('bodyLimit (%s)', (_name, express) => {
  const handlers = handlersFor('hardening', { bodyLimit: '1kb' });
  const app = express();
  // A body parser with a larger limit reads JSON first: its body still counts against ours.
  app.use(express.json({ limit: '10kb' }));
  app.use(handlers);
  const errors = recordErrors(app);
  const server = serve(app);
  beforeAll(() => handlers.ready);
  beforeEach(() => errors.splice(0));

  it('answers 413 up front when Content-Length says the body is too large, without running the handler', async () => {
    const failed = jest.fn();
    events.on('upload-failed', failed);
    const response = await httpRequest(server.port, { method: 'POST', path: '/upload', body: 'x'.repeat(1025) });
    events.off('upload-failed', failed);
    expect(response.status).toBe(413);
    expect(failed).not.toHaveBeenCalled();
    expect(errors).toEqual([]);
  });

  it('accepts a body at the limit', async () => {
    const response = await httpRequest(server.port, { method: 'POST', path: '/upload', body: 'x'.repeat(1024) });
    expect(JSON.parse(response.body)).toEqual({ length: 1024 });
  });

  it.each(['text', 'stream'])('fails a chunked body as it crosses the limit (read as %s): 413, the read rejects, request.signal aborts', async (how) => {
    const failed = once(events, 'upload-failed');
    const answer = new Promise<number>((resolve, reject) => {
      const req = http.request({ port: server.port, host: '127.0.0.1', method: 'POST', path: `/upload?read=${how}`, agent: false }, (response) => {
        response.resume();
        resolve(response.statusCode!);
      });
      req.on('error', reject);
      // Two chunks: the handler has begun reading before the limit is crossed.
      req.write('x'.repeat(600));
      setImmediate(() => req.end('y'.repeat(600)));
    });
    expect(await answer).toBe(413);
    expect(await failed).toEqual([
      { error: 'PayloadTooLargeError: The request body is larger than the bodyLimit of 1024 bytes.', aborted: true, reason: 'PayloadTooLargeError' },
    ]);
    // The handler rethrew after the 413 went out: that is not an error for Express any more.
    expect(errors).toEqual([]);
  });

  it('counts a body an earlier parser already read (chunked, so only its size tells)', async () => {
    const response = await httpRequest(server.port, {
      method: 'POST',
      path: '/upload',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body: JSON.stringify({ text: 'x'.repeat(2000) }),
    });
    expect(response.status).toBe(413);
  });

  it('keeps a keep-alive client working: a refused body it cannot drain closes the connection, and says so', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const big = Buffer.alloc(2 * 1024 * 1024, 'x');
    const refused = await httpRequest(server.port, { method: 'POST', path: '/upload', body: big, agent });
    expect([refused.status, refused.headers.connection]).toEqual([413, 'close']);
    // A small overage is drained instead: the connection stays.
    const small = await httpRequest(server.port, { method: 'POST', path: '/upload', body: 'x'.repeat(2000), agent });
    expect([small.status, small.headers.connection]).toEqual([413, 'keep-alive']);
    const next = await httpRequest(server.port, { method: 'POST', path: '/upload', body: 'ok', agent });
    expect([next.status, next.reusedSocket]).toEqual([200, true]);
    agent.destroy();
  });

  it('refuses a meaningless limit at startup', () => {
    expect(() => routeHandlers({ appDir: fixtureApp('hardening'), bodyLimit: 'lots' })).toThrow(
      `routeHandlers: bodyLimit must be a whole number of bytes or a size such as '1mb', got "lots"`,
    );
    expect(() => routeHandlers({ appDir: fixtureApp('hardening'), maxDuration: -1 })).toThrow('routeHandlers: maxDuration must be a number of seconds, got -1');
  });
});

// Express 4 only: a plain app without error middleware, as most legacy servers run.
describe('a logger without error() gets runtime failures as warnings', () => {
  const warn = jest.fn();
  const handlers = handlersFor('hardening', { logger: { warn } });
  const app = express4();
  app.use(handlers);
  const server = serve(app);
  beforeAll(() => handlers.ready);

  it('warns with the stream failure', async () => {
    await new Promise<void>((resolve) => {
      http.get({ port: server.port, host: '127.0.0.1', path: '/stream/fails-after', agent: false }, (response) => {
        response.resume();
        response.on('error', () => {});
        response.on('close', () => resolve());
      });
    });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("express-route-handlers: The response body of route handler '"));
  });
});
