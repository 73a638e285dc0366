import request from 'supertest';
import { RouteHandlerError } from '../lib';
import {
  getAccessFallbackHTTPStatus,
  getRedirectStatusCodeFromError,
  getRedirectTypeFromError,
  getURLFromRedirectError,
  isHTTPAccessFallbackError,
  isRedirectError,
  notFound,
  permanentRedirect,
  redirect,
  RedirectType,
  unstable_rethrow,
} from '../lib/next/navigation';
import { expressVersions } from './helpers/express';
import { httpRequest } from './helpers/http';
import { fixtureApp, handlersFor, recordErrors, serve } from './helpers/server';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe.each(expressVersions)('next/navigation in route handlers (%s)', (_name, express) => {
  const handlers = handlersFor('next-api');
  const app = express();
  app.use(handlers);
  const errors = recordErrors(app);
  const server = serve(app);

  // The same app with Next's `experimental.authInterrupts`.
  const authHandlers = handlersFor('next-api', { authInterrupts: true });
  const authApp = express();
  authApp.use(authHandlers);
  const authErrors = recordErrors(authApp);

  beforeAll(() => Promise.all([handlers.ready, authHandlers.ready]));
  beforeEach(() => {
    errors.splice(0);
    authErrors.splice(0);
  });

  describe('redirect() and permanentRedirect()', () => {
    it('redirect() answers 307 with the location and an empty body (§8 item 21)', async () => {
      const response = await httpRequest(server.port, { path: '/nav/redirect' });
      expect(response.status).toBe(307);
      expect(response.headers.location).toBe('https://nextjs.org/');
      expect(response.body).toBe('');
      expect(response.headers['content-type']).toBeUndefined();
      expect(errors).toEqual([]);
    });

    it('permanentRedirect() answers 308 (§8 item 22)', async () => {
      const response = await httpRequest(server.port, { path: '/nav/permanent' });
      expect(response.status).toBe(308);
      expect(response.headers.location).toBe('https://nextjs.org/');
      expect(response.body).toBe('');
    });

    it.each([
      ['GET', 307, '/pushed'],
      ['PUT', 308, '/pushed'],
      ['PATCH', 307, '/replaced'],
    ])('RedirectType does not change the status (%s)', async (method, status, location) => {
      const response = await httpRequest(server.port, { method, path: '/nav/push' });
      expect(response.status).toBe(status);
      expect(response.headers.location).toBe(location);
    });

    it.each([
      ['relative', '/target?x=1'],
      ['space', 'https://example.com/a b'],
      ['dots', '../up/./here'],
    ])('sends the Location verbatim (%s)', async (name, location) => {
      const response = await httpRequest(server.port, { path: `/nav/verbatim?case=${name}` });
      expect(response.status).toBe(307);
      expect(response.headers.location).toBe(location);
    });

    it.each([
      ['a next-action header', { 'next-action': 'abc123', 'content-type': 'text/plain' }],
      ['Content-Type exactly application/x-www-form-urlencoded', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['Content-Type multipart/form-data', { 'content-type': 'multipart/form-data; boundary=xyz' }],
    ])('answers 303 to a POST that may be a Server Action: %s (§2.9)', async (_case, headers) => {
      for (const path of ['/nav/redirect', '/nav/permanent']) {
        const response = await httpRequest(server.port, { method: 'POST', path, headers, body: 'a=1' });
        expect(response.status).toBe(303);
        expect(response.headers.location).toBe('/target');
        expect(response.body).toBe('');
      }
    });

    it.each([
      ['POST', '/nav/redirect', 'application/x-www-form-urlencoded; charset=utf-8', 307],
      ['POST', '/nav/permanent', 'application/x-www-form-urlencoded; charset=utf-8', 308],
      ['POST', '/nav/redirect', 'application/json', 307],
      ['PUT', '/nav/push', 'application/x-www-form-urlencoded', 308],
    ])('keeps 307/308 for a %s %s with Content-Type %s', async (method, path, type, status) => {
      const response = await httpRequest(server.port, { method, path, headers: { 'content-type': type }, body: 'a=1' });
      expect(response.status).toBe(status);
    });

    it('carries cookies() changes made before the redirect', async () => {
      const response = await httpRequest(server.port, { path: '/nav/redirect-cookie' });
      expect(response.status).toBe(307);
      expect(response.headers.location).toBe('/target');
      expect(response.headers['set-cookie']).toEqual(['rc=1; Path=/']);
    });
  });

  describe('notFound(), forbidden(), unauthorized()', () => {
    it('notFound() answers 404 with an empty body (§8 item 23)', async () => {
      const response = await httpRequest(server.port, { path: '/nav/not-found' });
      expect(response.status).toBe(404);
      expect(response.body).toBe('');
      expect(response.headers['content-type']).toBeUndefined();
      expect(errors).toEqual([]);
    });

    it('notFound() drops cookies() changes', async () => {
      const response = await httpRequest(server.port, { path: '/nav/not-found-cookie' });
      expect(response.status).toBe(404);
      expect(response.headers['set-cookie']).toBeUndefined();
    });

    it.each([
      ['forbidden', '`forbidden()` is experimental and only allowed to be enabled when `experimental.authInterrupts` is enabled.'],
      ['unauthorized', '`unauthorized()` is experimental and only allowed to be used when `experimental.authInterrupts` is enabled.'],
    ])('%s() without authInterrupts fails through Express with Next.js’s message', async (name, message) => {
      const response = await request(app).get(`/nav/${name}`);
      expect(response.status).toBe(500);
      expect(errors).toHaveLength(1);
      const error = errors[0] as RouteHandlerError;
      expect(error).toBeInstanceOf(RouteHandlerError);
      expect(error.message).toBe(`Route handler '${fixtureApp('next-api')}/nav/${name}/route.ts' threw (method: GET, url: /nav/${name}): Error: ${message}`);
      expect((error.cause as Error).message).toBe(message);
    });

    it.each([
      ['forbidden', 403],
      ['unauthorized', 401],
    ])('%s() with authInterrupts answers %d with an empty body', async (name, status) => {
      const response = await request(authApp).get(`/nav/${name}`);
      expect(response.status).toBe(status);
      expect(response.text).toBe('');
      expect(response.headers['content-type']).toBeUndefined();
      expect(authErrors).toEqual([]);
    });
  });

  describe('catching navigation errors', () => {
    it('unstable_rethrow() lets a catch-all keep redirect() and notFound() working', async () => {
      const redirected = await httpRequest(server.port, { path: '/nav/rethrow?kind=redirect' });
      expect(redirected.status).toBe(307);
      expect(redirected.headers.location).toBe('/caught');
      expect((await httpRequest(server.port, { path: '/nav/rethrow?kind=not-found' })).status).toBe(404);
    });

    it('unstable_rethrow() finds a navigation error in the cause chain', async () => {
      const response = await httpRequest(server.port, { path: '/nav/rethrow?kind=wrapped' });
      expect(response.status).toBe(307);
      expect(response.headers.location).toBe('/wrapped');
    });

    it('unstable_rethrow() leaves ordinary errors to the catch', async () => {
      const response = await request(app).get('/nav/rethrow?kind=other');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ swallowed: 'ordinary failure', digest: null });
    });

    it('a catch-all without unstable_rethrow() swallows the redirect, which carries Next.js’s digest', async () => {
      const response = await request(app).post('/nav/rethrow');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ swallowed: 'NEXT_REDIRECT;replace;/caught;307;' });
    });
  });

  describe('NextResponse', () => {
    it('NextResponse.redirect() answers 307 with the location and an empty body (§8 item 10)', async () => {
      const response = await httpRequest(server.port, { path: '/nav/next-redirect' });
      expect(response.status).toBe(307);
      expect(response.headers.location).toBe('https://nextjs.org/');
      expect(response.body).toBe('');
    });

    it('NextResponse.redirect() takes another redirect status', async () => {
      const response = await httpRequest(server.port, { path: '/nav/next-redirect?mode=301', headers: { host: 'example.test' } });
      expect(response.status).toBe(301);
      expect(response.headers.location).toBe('http://example.test/moved');
    });

    it('NextResponse.json() answers application/json (§8 item 11)', async () => {
      const response = await request(app).get('/nav/next-json?ping=pong');
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/json');
      expect(response.body).toEqual({ pathname: '/nav/next-json', query: { ping: 'pong' } });
    });

    it('NextResponse.redirect() with a relative URL throws Next.js’s error to Express', async () => {
      const response = await request(app).get('/nav/next-redirect?mode=relative');
      expect(response.status).toBe(500);
      expect(errors).toHaveLength(1);
      expect((errors[0] as Error).cause).toBeInstanceOf(Error);
      expect(((errors[0] as Error).cause as Error).message).toBe(
        'URL is malformed "/relative". Please use only absolute URLs - https://nextjs.org/docs/messages/middleware-relative-urls',
      );
    });

    it('NextResponse.redirect() with status 200 throws a RangeError to Express', async () => {
      const response = await request(app).get('/nav/next-redirect?mode=status-200');
      expect(response.status).toBe(500);
      expect(errors).toHaveLength(1);
      expect((errors[0] as Error).cause).toBeInstanceOf(RangeError);
    });
  });
});

describe('navigation errors', () => {
  it('redirect() and permanentRedirect() throw errors that carry Next.js’s digest', () => {
    const error = thrown(() => redirect('/a;b?c=1'));
    expect(isRedirectError(error)).toBe(true);
    expect(isHTTPAccessFallbackError(error)).toBe(false);
    expect((error as { digest: string }).digest).toBe('NEXT_REDIRECT;replace;/a;b?c=1;307;');
    expect(getURLFromRedirectError(error as never)).toBe('/a;b?c=1');
    expect(getRedirectTypeFromError(error as never)).toBe(RedirectType.replace);
    expect(getRedirectStatusCodeFromError(error as never)).toBe(307);

    const permanent = thrown(() => permanentRedirect('https://x.test/', RedirectType.push));
    expect((permanent as { digest: string }).digest).toBe('NEXT_REDIRECT;push;https://x.test/;308;');
    expect(getRedirectStatusCodeFromError(permanent as never)).toBe(308);
  });

  it('notFound() throws an HTTP access fallback error', () => {
    const error = thrown(() => notFound());
    expect(isHTTPAccessFallbackError(error)).toBe(true);
    expect(isRedirectError(error)).toBe(false);
    expect((error as { digest: string }).digest).toBe('NEXT_HTTP_ERROR_FALLBACK;404');
    expect(getAccessFallbackHTTPStatus(error as never)).toBe(404);
  });

  it('isRedirectError() recognises a digest, not a message', () => {
    expect(isRedirectError(new Error('NEXT_REDIRECT'))).toBe(false);
    expect(isRedirectError({ digest: 'NEXT_REDIRECT;replace;/x;307;' })).toBe(true);
    expect(isRedirectError({ digest: 'NEXT_REDIRECT;replace;/x;302;' })).toBe(false);
    expect(isRedirectError({ digest: 'NEXT_REDIRECT;other;/x;307;' })).toBe(false);
    expect(isRedirectError(null)).toBe(false);
    expect(isRedirectError('NEXT_REDIRECT;replace;/x;307;')).toBe(false);
  });

  it('unstable_rethrow() rethrows navigation errors (also as a cause) and nothing else', () => {
    const navigation = thrown(() => redirect('/x'));
    expect(() => unstable_rethrow(navigation)).toThrow(navigation as Error);
    expect(() => unstable_rethrow(new Error('wrapped', { cause: navigation }))).toThrow(navigation as Error);
    expect(() => unstable_rethrow(thrown(() => notFound()))).toThrow();
    expect(() => unstable_rethrow(new Error('plain'))).not.toThrow();
    expect(() => unstable_rethrow('a string')).not.toThrow();
    expect(() => unstable_rethrow(undefined)).not.toThrow();
  });
});
