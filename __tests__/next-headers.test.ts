import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { expressContext } from '../lib';
import { connection } from '../lib/next/connection';
import { cookies, draftMode, headers } from '../lib/next/headers';
import { expressVersions } from './helpers/express';
import { handlersFor, recordErrors, serve } from './helpers/server';

const DRAFT_ID = 'draft-id-0123456789';
const EPOCH = 'Thu, 01 Jan 1970 00:00:00 GMT';
const HTTP_DATE = /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const INTERNAL_HEADERS = {
  rsc: '1',
  'next-router-state-tree': '%5B%22%22%5D',
  'next-router-prefetch': '1',
  'next-hmr-refresh': '1',
  'next-router-segment-prefetch': '/_tree',
  'x-nextjs-request-id': 'req-1',
  'x-nextjs-html-request-id': 'html-1',
};

/** The `Expires` of a Set-Cookie line, checked to be `seconds` from now (give or take a few). */
function expectExpiresIn(line: string, seconds: number): void {
  const expires = /; Expires=([^;]+)/.exec(line)?.[1];
  expect(expires).toMatch(HTTP_DATE);
  const delta = (Date.parse(expires!) - Date.now()) / 1000;
  expect(delta).toBeGreaterThan(seconds - 10);
  expect(delta).toBeLessThanOrEqual(seconds + 1);
}

describe.each(expressVersions)('next/headers (%s)', (_name, express) => {
  const handlers = handlersFor('next-api', { draftModeId: DRAFT_ID });
  const app = express();
  // Legacy Express middleware ahead of the route handlers (passport-style user, locals, a cookie).
  app.use((req: Request, res: Response, next: NextFunction) => {
    (req as Request & { user?: unknown }).user = { id: 'u1', name: 'Ada' };
    res.locals.x = 'local-x';
    if (req.path === '/cookies/upstream') res.cookie('up', '1');
    next();
  });
  app.use(handlers);
  const errors = recordErrors(app);
  serve(app);
  beforeAll(() => handlers.ready);
  beforeEach(() => errors.splice(0));
  afterEach(() => expect(errors).toEqual([]));

  describe('headers()', () => {
    it('returns the request header the client sent, with and without await (§8 item 19)', async () => {
      const response = await request(app).get('/headers/echo').set('x-test', 'hello from client');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ awaited: 'hello from client', direct: 'hello from client' });
    });

    it('is read-only: set/append/delete throw Next.js’s error and change nothing', async () => {
      const response = await request(app).get('/headers/mutate').set('x-test', 'original');
      const message = 'Headers cannot be modified. Read more: https://nextjs.org/docs/app/api-reference/functions/headers';
      expect(response.body).toEqual({ attempts: { set: message, append: message, delete: message }, after: 'original' });
    });

    it('hides Next.js router headers, which stay on request.headers', async () => {
      const response = await request(app).get('/headers/echo').set(INTERNAL_HEADERS);
      expect(response.body.hiddenFromHeaders).toEqual([]);
      expect(response.body.visibleOnRequest).toEqual(Object.keys(INTERNAL_HEADERS));
    });
  });

  describe('cookies()', () => {
    it('reads a client cookie like request.cookies, and sees its own set() (§8 item 20)', async () => {
      const response = await request(app).get('/cookies/read').set('Cookie', 'session=s%20value; other=1');
      expect(response.body).toEqual({
        fromCookies: 's value',
        fromRequest: 's value',
        direct: 's value',
        before: false,
        hasCookie: true,
        value: 'a',
      });
      expect(response.headers['set-cookie']).toEqual(['a=a; Path=/']);
    });

    it('merges its changes into the Response’s Set-Cookie as Next.js does (§7.4)', async () => {
      const response = await request(app).get('/cookies/merge').set('Cookie', 'c=3; a=1; keep=k');
      expect(response.status).toBe(200);
      expect(response.text).toBe('merged');
      const lines = response.headers['set-cookie'] as unknown as string[];
      // The Response's own cookies first (re-serialised; `resp` from the Response beats cookies()),
      // then the changed ones: request cookies in request order, then new names. `keep` was not changed.
      expect(lines).toEqual([
        'resp=r1; Path=/',
        'raw=1; Path=/',
        'raw2=2; Path=/',
        expect.stringMatching(/^raw3=3; Path=\/x; Expires=[^;]+; Max-Age=60; HttpOnly$/),
        `c=; Path=/; Expires=${EPOCH}`,
        'a=override; Path=/',
        'b=new; Path=/',
      ]);
      expectExpiresIn(lines[3], 60);
    });

    it('sends the handler’s raw Set-Cookie strings verbatim when cookies() changed nothing', async () => {
      const response = await request(app).get('/cookies/raw').set('Cookie', 'session=abc');
      expect(response.headers['x-seen']).toBe('abc');
      expect(response.headers['set-cookie']).toEqual(['raw2=2', 'weird=x;   httponly; path=/p', 'dated=1; Expires=Wed, 21 Oct 2065 07:28:00 GMT']);
    });

    it('keeps Set-Cookie from earlier Express middleware, with and without cookies() changes', async () => {
      const plain = await request(app).get('/cookies/upstream');
      expect(plain.headers['set-cookie']).toEqual(['up=1; Path=/', 'own=1']);
      const mutated = await request(app).get('/cookies/upstream?mutate');
      expect(mutated.headers['set-cookie']).toEqual(['up=1; Path=/', 'own=1; Path=/', 'mine=1; Path=/']);
    });

    it('serialises NextResponse.cookies with every attribute in Next.js’s order', async () => {
      const response = await request(app).get('/cookies/attributes');
      expect(response.text).toBe('attributes');
      expect(response.headers['x-middleware-set-cookie']).toBeUndefined();
      const lines = response.headers['set-cookie'] as unknown as string[];
      expect(lines).toEqual([
        'a=1; Path=/',
        expect.stringMatching(
          /^b=two%20words%3Bx; Path=\/p; Expires=[^;]+; Max-Age=60; Domain=example\.com; Secure; HttpOnly; SameSite=lax; Partitioned; Priority=high$/,
        ),
        `c=; Path=/; Expires=${EPOCH}`,
        `e=5; Path=/; Expires=${EPOCH}`,
      ]);
      expectExpiresIn(lines[1], 60);
    });
  });

  describe('draftMode()', () => {
    const bypass = `__prerender_bypass=${DRAFT_ID}; Path=/; Secure; HttpOnly; SameSite=none`;

    it('is off without the bypass cookie, or with a wrong one', async () => {
      expect((await request(app).get('/draft')).body).toEqual({ isEnabled: false, direct: false });
      const wrong = await request(app).get('/draft').set('Cookie', '__prerender_bypass=not-the-id');
      expect(wrong.body).toEqual({ isEnabled: false, direct: false });
      expect(wrong.headers['set-cookie']).toBeUndefined();
    });

    it('enable() sets the bypass cookie carrying the draftModeId', async () => {
      const response = await request(app).post('/draft');
      expect(response.body).toEqual({ isEnabled: true });
      expect(response.headers['set-cookie']).toEqual([bypass]);
    });

    it('is on for a request carrying that cookie', async () => {
      const response = await request(app).get('/draft').set('Cookie', `__prerender_bypass=${DRAFT_ID}`);
      expect(response.body).toEqual({ isEnabled: true, direct: true });
    });

    it('disable() sends the expiring cookie', async () => {
      const response = await request(app).delete('/draft').set('Cookie', `__prerender_bypass=${DRAFT_ID}`);
      expect(response.body).toEqual({ isEnabled: false });
      expect(response.headers['set-cookie']).toEqual([`__prerender_bypass=; Path=/; Expires=${EPOCH}; Secure; HttpOnly; SameSite=none`]);
    });
  });

  it('connection() resolves inside a handler', async () => {
    const response = await request(app).get('/connection');
    expect(response.body).toEqual({ connected: true, value: null });
  });

  it('expressContext() gives the handler Express’s req and res', async () => {
    const response = await request(app).get('/express?q=1');
    expect(response.body).toEqual({ user: { id: 'u1', name: 'Ada' }, local: 'local-x', originalUrl: '/express?q=1', headersSent: false });
  });
});

describe('outside a handler', () => {
  const wrongContext = (api: string) =>
    `\`${api}\` was called outside a request scope. Read more: https://nextjs.org/docs/messages/next-dynamic-api-wrong-context`;

  it.each([
    ['headers', headers],
    ['cookies', cookies],
    ['draftMode', draftMode],
    ['connection', connection],
    ['expressContext', expressContext],
  ] as const)('%s() throws Next.js’s wrong-context error', (api, fn) => {
    expect(() => (fn as () => unknown)()).toThrow(wrongContext(api));
  });
});
