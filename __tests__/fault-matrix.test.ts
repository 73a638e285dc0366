/**
 * The fault matrix: one case per way a request can go wrong — the client leaving at each stage,
 * handlers that throw, reject or never settle, body streams that break, after() callbacks that
 * fail, request bodies read wrongly — each with its exact expected outcome. After every case the
 * harness checks (see helpers/faults.ts) that nothing escaped: no unhandled rejection or uncaught
 * exception, every connection closed, no resource left active, Express still answering.
 */
import http from 'node:http';
import { expressVersions } from './helpers/express';
import { describeValue, expectRouteError, faultHarness, summary, within, CLIENT_TIMEOUT_MS, type ClientResult } from './helpers/faults';

describe.each(expressVersions)('fault matrix (%s)', (_name, express) => {
  const faults = faultHarness(express);

  /** Resolves when the request's socket closed (or it failed), whatever the client saw. */
  const ended = (req: http.ClientRequest) =>
    within(
      new Promise<void>((resolve) => {
        req.on('error', () => resolve());
        req.on('close', () => resolve());
      }),
      CLIENT_TIMEOUT_MS,
      () => 'the client request never closed',
    );

  const expectAnswer = (result: ClientResult, status: number, body?: string) => {
    expect(summary(result)).toMatchObject({ kind: 'response', status });
    if (body !== undefined && result.kind === 'response') expect(result.body.toString()).toBe(body);
  };

  describe('the client goes away', () => {
    it('before sending the request body: the handler’s read fails, nothing is answered, next(err) is not called', async () => {
      const { req, id } = faults.open({ method: 'POST', path: '/matrix/read-body', headers: { 'content-length': 1000 } });
      req.on('error', () => {});
      req.flushHeaders();
      const record = await faults.arrival(id);
      await record.probed('started');
      req.destroy();
      await record.closed;
      expect(await record.probed('read-failed')).toMatch(/abort/i);
      expect(record.probes.map((probe) => probe.name)).toEqual(['started', 'read-failed']);
      expect(record.calls).toEqual([]);
      expect(record.outcome).toBe('aborted');
    });

    it('in the middle of the request body: the read fails after the bytes that came, nothing is answered', async () => {
      const { req, id } = faults.open({ method: 'POST', path: '/matrix/read-body', headers: { 'content-length': 1000 } });
      req.on('error', () => {});
      req.write(Buffer.alloc(400, 'a'));
      const record = await faults.arrival(id);
      expect(await record.probed('chunk')).toBe(400);
      req.destroy();
      await record.closed;
      expect(await record.probed('read-failed')).toMatch(/abort/i);
      expect(record.calls).toEqual([]);
      expect(record.outcome).toBe('aborted');
    });

    it('in the middle of the response stream: the stream is cancelled with ResponseAborted, nothing is logged', async () => {
      const { req, id } = faults.open({ path: '/matrix/endless' });
      req.on('error', () => {});
      req.on('response', (response) => response.once('data', () => req.destroy()));
      req.end();
      await ended(req);
      const record = await faults.arrival(id);
      expect(await record.probed('cancelled')).toEqual({ name: 'ResponseAborted', message: expect.any(String) });
      await record.closed;
      expect(record.calls).toEqual([]);
      expect(record.outcome).toBe('aborted');
    });

    it('while the handler never settles: request.signal aborts with ResponseAborted and the server lets go of the connection', async () => {
      const { req, id } = faults.open({ path: '/matrix/never' });
      req.on('error', () => {});
      req.end();
      const record = await faults.arrival(id);
      await record.probed('started');
      req.destroy();
      expect(await record.probed('aborted')).toEqual({ name: 'ResponseAborted', message: expect.any(String) });
      await record.closed;
      expect(record.calls).toEqual([]);
      expect(record.outcome).toBe('aborted');
      // The harness then checks the socket is closed and no timer or handle is left.
    });

    it.each([
      ['respond', 'a Response returned after the client left is dropped silently'],
      ['throw', 'an error thrown after the client left is not an error: next(err) is not called'],
      ['stream', 'a stream returned after the client left is cancelled without being read'],
    ])('then=%s: %s', async (then) => {
      const { req, id } = faults.open({ path: `/matrix/late?then=${then}` });
      req.on('error', () => {});
      req.end();
      const record = await faults.arrival(id);
      await record.probed('started');
      req.destroy();
      await record.probed('settling');
      await record.closed;
      if (then === 'stream') await record.probed('cancelled');
      expect(record.calls).toEqual([]);
      expect(record.outcome).toBe('aborted');
    });
  });

  describe('handlers that fail', () => {
    it('a synchronous throw goes to next(err) → 500, as a RouteHandlerError naming file, method and URL', async () => {
      const { result, record } = await faults.request({ path: '/matrix/throw-sync?x=1' });
      expectAnswer(result, 500, 'error');
      expect(record!.calls).toEqual(['error']);
      expect((record!.errors[0] as Error).message).toBe(
        `Route handler '${faults.file('matrix/throw-sync/route.ts')}' threw (method: GET, url: /matrix/throw-sync?x=1): Error: thrown synchronously`,
      );
      expect(((record!.errors[0] as Error).cause as Error).message).toBe('thrown synchronously');
    });

    it('a rejection goes to next(err) → 500 the same way', async () => {
      const { result, record } = await faults.request({ path: '/matrix/reject' });
      expectAnswer(result, 500, 'error');
      expect(record!.calls).toEqual(['error']);
      expect((record!.errors[0] as Error).message).toBe(`Route handler '${faults.file('matrix/reject/route.ts')}' threw (method: GET, url: /matrix/reject): Error: rejected`);
    });

    it.each([
      ['', 'a non-Error value (undefined)'],
      ['?what=response', 'a non-Error value (Response)'],
    ])('throwing a non-Error%s goes to next(err) → 500 saying what was thrown', async (query, detail) => {
      const { result, record } = await faults.request({ path: `/matrix/throw-value${query}` });
      expectAnswer(result, 500, 'error');
      expect(record!.calls).toEqual(['error']);
      expectRouteError(record!.errors[0], faults.file('matrix/throw-value/route.ts'), 'GET', `/matrix/throw-value${query}`);
      expect((record!.errors[0] as Error).message).toContain(detail);
    });
  });

  describe('body streams that throw', () => {
    it('before the first chunk: next(err) → 500 without the handler’s headers, a RouteHandlerError with the stream’s error as cause', async () => {
      const { result, record } = await faults.request({ path: '/matrix/stream-error?after=0' });
      expectAnswer(result, 500, 'error');
      if (result.kind === 'response') expect(result.headers['x-custom']).toBeUndefined();
      expect(record!.calls).toEqual(['error']);
      expectRouteError(record!.errors[0], faults.file('matrix/stream-error/route.ts'), 'GET', '/matrix/stream-error?after=0');
      expect(((record!.errors[0] as Error).cause as Error).message).toBe('stream broke after 0 chunk(s)');
    });

    it('after the first chunk: the client sees the headers and a cut body, the error goes to logger.error, not next(err)', async () => {
      const { result, record } = await faults.request({ path: '/matrix/stream-error?after=1' });
      expect(summary(result)).toMatchObject({ kind: 'truncated', status: 200 });
      if (result.kind !== 'truncated') return;
      expect(result.headers['x-custom']).toBe('handler header');
      expect('chunk 1;'.startsWith(result.body.toString())).toBe(true);
      await record!.closed;
      expect(record!.calls).toEqual([]);
      expect(record!.outcome).toBe('aborted');
      if (faults.loggedErrors.length === 0) await faults.nextLog();
      expect(faults.loggedErrors).toHaveLength(1);
      expectRouteError(faults.loggedErrors[0], faults.file('matrix/stream-error/route.ts'), 'GET', '/matrix/stream-error?after=1');
      expect(((faults.loggedErrors[0] as Error).cause as Error).message).toBe('stream broke after 1 chunk(s)');
      await faults.check({ allowLoggedErrors: true });
    });
  });

  describe('after() callbacks that fail', () => {
    /** The one report of a failed after() callback, wherever it was logged. */
    async function afterReport(): Promise<string> {
      if (faults.loggedErrors.length + faults.consoleErrors.length === 0) await faults.nextLog();
      const reports = [...faults.loggedErrors.map((error) => [error]), ...faults.consoleErrors];
      expect(reports).toHaveLength(1);
      return reports[0].map(describeValue).join(' ');
    }

    it('a callback that throws synchronously: the response is complete, the error is logged once', async () => {
      const { result, record } = await faults.request({ path: '/matrix/after-throw' });
      expectAnswer(result, 200, 'answered');
      expect(record!.calls).toEqual([]);
      expect(await afterReport()).toContain('after callback threw');
      await faults.check({ allowConsoleErrors: true, allowLoggedErrors: true });
    });

    it.each([
      ['callback', 'after callback rejected'],
      ['promise', 'after promise rejected'],
    ])('a rejecting %s: the response is complete, the rejection is logged once, never unhandled', async (form, message) => {
      const { result, record } = await faults.request({ path: `/matrix/after-reject?form=${form}` });
      expectAnswer(result, 200, 'answered');
      expect(record!.calls).toEqual([]);
      expect(await afterReport()).toContain(message);
      await faults.check({ allowConsoleErrors: true, allowLoggedErrors: true });
    });
  });

  describe('request bodies read wrongly', () => {
    it('request.json() on invalid JSON rejects with a SyntaxError: next(err) → 500', async () => {
      const { result, record } = await faults.request({ method: 'POST', path: '/matrix/json', body: '{"a":', headers: { 'content-type': 'application/json' } });
      expectAnswer(result, 500, 'error');
      expect(record!.calls).toEqual(['error']);
      expectRouteError(record!.errors[0], faults.file('matrix/json/route.ts'), 'POST', '/matrix/json');
      expect(((record!.errors[0] as Error).cause as Error).name).toBe('SyntaxError');
    });

    it('request.json() on valid JSON answers (the control case)', async () => {
      const { result } = await faults.request({ method: 'POST', path: '/matrix/json', body: '{"a":1}' });
      expectAnswer(result, 200, '{"value":{"a":1}}');
    });

    it('text() twice: the second read rejects with a TypeError: next(err) → 500', async () => {
      const { result, record } = await faults.request({ method: 'POST', path: '/matrix/read-twice?how=text', body: 'hello' });
      expectAnswer(result, 500, 'error');
      expect(record!.probes).toEqual([{ name: 'first', value: 'hello' }]);
      expect(record!.calls).toEqual(['error']);
      expectRouteError(record!.errors[0], faults.file('matrix/read-twice/route.ts'), 'POST', '/matrix/read-twice?how=text');
      expect(((record!.errors[0] as Error).cause as Error).name).toBe('TypeError');
    });

    it('the stream read to its end, then text(): the second read rejects with a TypeError: next(err) → 500', async () => {
      const { result, record } = await faults.request({ method: 'POST', path: '/matrix/read-twice?how=stream', body: 'hello' });
      expectAnswer(result, 500, 'error');
      expect(record!.calls).toEqual(['error']);
      expect(((record!.errors[0] as Error).cause as Error).name).toBe('TypeError');
    });
  });

  describe('requests that cannot be turned into a Request', () => {
    it.each([
      ['a dynamic route', '/p/x'],
      ['a static (cached) route', '/static'],
    ])('Host: evil/x on %s → 400, never next(err)', async (_what, path) => {
      const { result, record } = await faults.request({ path, headers: { host: 'evil/x' } });
      expectAnswer(result, 400);
      expect(record!.calls).toEqual([]);
    });
  });
});

/** Only the clock and its timers are faked: sockets, immediates and microtasks run as usual. */
function fakeTimers(): void {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'hrtime', 'performance'] });
}

describe.each(expressVersions)('fault matrix, with maxDuration and bodyLimit (%s)', (_name, express) => {
  const faults = faultHarness(express, { handlers: { maxDuration: 2, bodyLimit: 1024 } });
  afterEach(() => jest.useRealTimers());

  it('a handler that never settles: 504 at exactly 2 s, request.signal aborts with a TimeoutError, the error is logged, no timer is left', async () => {
    fakeTimers();
    const { req, id } = faults.open({ path: '/matrix/never' });
    const answer = faults.answer(req);
    const record = await faults.arrival(id);
    await record.probed('started');
    await jest.advanceTimersByTimeAsync(1999);
    expect(record.outcome).toBe('pending');
    await jest.advanceTimersByTimeAsync(1);
    expect(summary(await answer)).toMatchObject({ kind: 'response', status: 504, body: '' });
    expect(await record.probed('aborted')).toEqual({ name: 'TimeoutError', message: expect.stringContaining('maxDuration of 2 s') });
    expect(record.calls).toEqual([]);
    expect(faults.loggedErrors).toHaveLength(1);
    expectRouteError(faults.loggedErrors[0], faults.file('matrix/never/route.ts'), 'GET', '/matrix/never');
    await faults.check({ allowLoggedErrors: true });
  });

  it('a stream still going at 2 s: the connection is cut, the stream cancelled, the error logged', async () => {
    fakeTimers();
    const { req, id } = faults.open({ path: '/matrix/endless' });
    const answer = faults.answer(req);
    const record = await faults.arrival(id);
    await new Promise<void>((resolve) => req.once('response', () => resolve()));
    await jest.advanceTimersByTimeAsync(2000);
    expect(summary(await answer)).toMatchObject({ kind: 'truncated', status: 200 });
    expect(await record.probed('cancelled')).toEqual({ name: 'ResponseAborted', message: expect.any(String) });
    expect(record.calls).toEqual([]);
    expect(faults.loggedErrors).toHaveLength(1);
    expectRouteError(faults.loggedErrors[0], faults.file('matrix/endless/route.ts'), 'GET', '/matrix/endless');
    await faults.check({ allowLoggedErrors: true });
  });

  it('a handler that answers in time leaves no timer behind, real or fake', async () => {
    fakeTimers();
    const { result, record } = await faults.request({ path: '/p/in-time' });
    expect(summary(result)).toMatchObject({ kind: 'response', status: 200 });
    expect(record!.outcome).toBe('response');
    await faults.check();
  });

  it('a declared Content-Length over bodyLimit: 413 before the handler runs', async () => {
    const { result, record } = await faults.request({ method: 'POST', path: '/matrix/read-body', body: Buffer.alloc(2000, 'a') });
    expect(summary(result)).toMatchObject({ kind: 'response', status: 413 });
    expect(record!.probes).toEqual([]);
    expect(record!.calls).toEqual([]);
  });

  it('a chunked body crossing bodyLimit: the read rejects with PayloadTooLargeError, the client gets 413', async () => {
    const { req, id } = faults.open({ method: 'POST', path: '/matrix/read-body', headers: { 'transfer-encoding': 'chunked' } });
    const answer = faults.answer(req, null);
    req.write(Buffer.alloc(800, 'a'));
    const record = await faults.arrival(id);
    expect(await record.probed('chunk')).toBe(800);
    req.end(Buffer.alloc(800, 'b'));
    expect(summary(await answer)).toMatchObject({ kind: 'response', status: 413 });
    expect(await record.probed('read-failed')).toMatch(/bodyLimit of 1024 bytes/);
    expect(record.calls).toEqual([]);
  });
});
