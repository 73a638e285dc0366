import * as edgeRuntimeCookies from '@edge-runtime/cookies';
import request from 'supertest';
import { MutableRequestCookies, parseCookie, RequestCookies, ResponseCookies, stringifyCookie } from '../lib/next/cookies';
import * as nextServer from '../lib/next/server';
import { expressVersions } from './helpers/express';
import { handlersFor, recordErrors, serve } from './helpers/server';

const NOW = new Date('2025-01-02T03:04:05.000Z');
const EPOCH = 'Thu, 01 Jan 1970 00:00:00 GMT';
const READONLY_COOKIES_MESSAGE =
  'Cookies can only be modified in a Server Action or Route Handler. Read more: https://nextjs.org/docs/app/api-reference/functions/cookies#options';
// What every cookie store serialises to: only its own fields `_parsed` (a Map) and `_headers` are enumerable.
const STORE_JSON = '{"_parsed":{},"_headers":{}}';

describe('the cookie classes are those of @edge-runtime/cookies, as in Next.js', () => {
  test('next/server exports the package’s RequestCookies and ResponseCookies', () => {
    expect(nextServer.RequestCookies).toBe(edgeRuntimeCookies.RequestCookies);
    expect(nextServer.ResponseCookies).toBe(edgeRuntimeCookies.ResponseCookies);
    expect(RequestCookies).toBe(edgeRuntimeCookies.RequestCookies);
    expect(ResponseCookies).toBe(edgeRuntimeCookies.ResponseCookies);
  });

  test('the version Next 16.4.6 bundles', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect((require('@edge-runtime/cookies/package.json') as { version: string }).version).toMatch(/^6\./);
  });
});

// Where Next's behaviour (the package's) differs from what this library did before it used the package.
describe('Next.js behaviour this library now has by construction', () => {
  beforeEach(() => {
    jest.useFakeTimers().setSystemTime(NOW);
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  test('the three examples from a real Next 16 server', () => {
    const headers = new Headers();
    const cookies = new ResponseCookies(headers);
    cookies.set('a', '1');
    cookies.set({ name: 'b', value: 'two words;x', httpOnly: true, path: '/p', maxAge: 60, sameSite: 'lax', secure: true, priority: 'high', partitioned: true });
    cookies.delete('c');
    expect(headers.getSetCookie()).toEqual([
      'a=1; Path=/',
      'b=two%20words%3Bx; Path=/p; Expires=Thu, 02 Jan 2025 03:05:05 GMT; Max-Age=60; Secure; HttpOnly; SameSite=lax; Partitioned; Priority=high',
      `c=; Path=/; Expires=${EPOCH}`,
    ]);
  });

  test('Cookie header names are not trimmed', () => {
    expect([...parseCookie('a =1;  b= 2')]).toEqual([
      ['a ', '1'],
      ['b', ' 2'],
    ]);
  });

  test('delete() keeps every option given, and a maxAge then moves Expires off the epoch', () => {
    const headers = new Headers();
    const cookies = new ResponseCookies(headers);
    cookies.delete({ name: 's', path: '/p', domain: 'd.test', httpOnly: true });
    cookies.delete({ name: 'm', maxAge: 10 });
    expect(headers.getSetCookie()).toEqual([`s=; Path=/p; Expires=${EPOCH}; Domain=d.test; HttpOnly`, 'm=; Path=/; Expires=Thu, 02 Jan 2025 03:04:15 GMT; Max-Age=10']);
  });

  test('set(name, value, options): a name or value among the options wins', () => {
    const cookies = new ResponseCookies(new Headers());
    cookies.set('b', '2', { name: 'other', value: 'kept' });
    expect(cookies.get('b')).toEqual({ name: 'other', value: 'kept', path: '/' });
  });

  test('ResponseCookies has no iterator and no size', () => {
    const cookies = new ResponseCookies(new Headers()) as unknown as Record<PropertyKey, unknown>;
    expect(cookies[Symbol.iterator]).toBeUndefined();
    expect(cookies.size).toBeUndefined();
  });

  test('invalid dates are written as such, a string expires throws', () => {
    expect(stringifyCookie({ name: 'a', value: '1', expires: new Date('nope') })).toBe('a=1; Expires=Invalid Date');
    expect(() => new ResponseCookies(new Headers()).set('a', '1', { expires: '2030-01-01' as never })).toThrow(TypeError);
  });

  test('an empty Set-Cookie value or Max-Age=0 is lost when parsed (and so when re-serialised)', () => {
    const headers = new Headers();
    headers.append('set-cookie', 'a=; Max-Age=0');
    const cookies = new ResponseCookies(headers);
    expect(cookies.get('a')).toEqual({ name: 'a' });
    cookies.set('x', '1');
    expect(headers.getSetCookie()).toEqual(['a=', 'x=1; Path=/']);
  });
});

describe('MutableRequestCookies', () => {
  const seeded = (cookie: string) => new MutableRequestCookies(new RequestCookies(new Headers({ cookie })));

  test('request cookies read back with path "/"; seeding is not a change', () => {
    const cookies = seeded('a=1; b=x%20y');
    expect(cookies).toBeInstanceOf(ResponseCookies);
    expect(cookies.getAll()).toEqual([
      { name: 'a', value: '1', path: '/' },
      { name: 'b', value: 'x y', path: '/' },
    ]);
    expect(MutableRequestCookies.changedIn(cookies)).toEqual([]);
    expect(JSON.stringify(cookies)).toBe(STORE_JSON);
  });

  test('seeds exactly what set() of each request cookie would store (it bypasses set() for speed)', () => {
    const request = new RequestCookies(new Headers({ cookie: 'a=1; b=x%20y; flag; e=; a=2' }));
    const viaSet = new ResponseCookies(new Headers());
    for (const cookie of request.getAll()) viaSet.set(cookie);
    const cookies = new MutableRequestCookies(request);
    expect(cookies.getAll()).toStrictEqual(viaSet.getAll());
    expect(cookies.toString()).toBe(viaSet.toString());
    // And a later change sees the seeded cookies as set() would have left them.
    expect(cookies.set('n', 'v').getAll()).toStrictEqual(viaSet.set('n', 'v').getAll());
  });

  test('changedIn: what set() and delete() touched, request cookies first in the order sent, then new names', () => {
    const cookies = seeded('c=3; a=1; keep=k');
    cookies.set('b', 'new').set('a', 'override').delete('c');
    expect(MutableRequestCookies.changedIn(cookies)).toEqual([
      { name: 'c', value: '', path: '/', expires: new Date(0) },
      { name: 'a', value: 'override', path: '/' },
      { name: 'b', value: 'new', path: '/' },
    ]);
  });

  test('a set() that fails to serialise still counts as changed, as in Next', () => {
    const cookies = new MutableRequestCookies();
    expect(() => cookies.set('bad', '\ud800')).toThrow(URIError);
    expect(MutableRequestCookies.changedIn(cookies).map((cookie) => cookie.name)).toEqual(['bad']);
  });
});

// Request `Cookie: a=1; b=x%20y; flag; e=` throughout; the expected values are what Next 16.4.6 answers.
const REQUEST_COOKIE = 'a=1; b=x%20y; flag; e=';

describe.each(expressVersions)('cookies() and request.cookies in a route handler (%s)', (_name, express) => {
  const handlers = handlersFor('cookies-path');
  const app = express();
  app.use(handlers);
  const errors = recordErrors(app);
  serve(app);
  beforeAll(() => handlers.ready);
  beforeEach(() => errors.splice(0));
  afterEach(() => expect(errors).toEqual([]));

  test('cookies() is a ResponseCookies copy of the request cookies: { name, value, path: "/" }, no size, no iterator', async () => {
    const response = await request(app).get('/read').set('Cookie', REQUEST_COOKIE);
    expect(response.status).toBe(200);
    const withPath = [
      { name: 'a', value: '1', path: '/' },
      { name: 'b', value: 'x y', path: '/' },
      { name: 'flag', value: 'true', path: '/' },
      { name: 'e', value: '', path: '/' },
    ];
    expect(response.body).toMatchObject({
      get: { name: 'a', value: '1', path: '/' },
      getByObject: { name: 'b', value: 'x y', path: '/' },
      getAll: withPath,
      getAllNamed: [withPath[0]],
      getAllMissing: [],
      has: [true, false],
      size: 'undefined',
      iteration: { threw: 'TypeError' },
      toString: 'a=1; Path=/; b=x%20y; Path=/; flag=true; Path=/; e=; Path=/',
      json: STORE_JSON,
      clear: 'undefined',
      isResponseCookies: true,
      sameEachCall: true,
      destructured: withPath[0],
    });
    // toMatchObject would let extra keys through: path must be exactly there, no more.
    expect(response.body.getAll).toEqual(withPath);
    // Reading changed nothing, so nothing is sent.
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  test('request.cookies stays a RequestCookies: { name, value } without path', async () => {
    const response = await request(app).get('/read').set('Cookie', REQUEST_COOKIE);
    const plain = [
      { name: 'a', value: '1' },
      { name: 'b', value: 'x y' },
      { name: 'flag', value: 'true' },
      { name: 'e', value: '' },
    ];
    expect(response.body.request).toEqual({
      get: plain[0],
      getAll: plain,
      size: 4,
      iteration: plain.map((cookie) => [cookie.name, cookie]),
      toString: 'a=1; b=x%20y; flag=true; e=',
      json: STORE_JSON,
    });
  });

  test('set() and delete() return the store, change what it reads, and only the changed cookies are sent', async () => {
    const response = await request(app).get('/mutate').set('Cookie', REQUEST_COOKIE);
    expect(response.status).toBe(200);
    const deletedA = { name: 'a', value: '', expires: '1970-01-01T00:00:00.000Z', path: '/' };
    const deletedE = { name: 'e', value: '', path: '/q', httpOnly: true, expires: '1970-01-01T00:00:00.000Z' };
    expect(response.body).toEqual({
      chained: true,
      // A deleted cookie is still there, expired.
      a: deletedA,
      hasA: true,
      getAll: [deletedA, { name: 'b', value: 'z', httpOnly: true, path: '/p' }, { name: 'flag', value: 'true', path: '/' }, deletedE, { name: 'n', value: 'v', path: '/' }],
      toString: `a=; Path=/; Expires=${EPOCH}; b=z; Path=/p; HttpOnly; flag=true; Path=/; e=; Path=/q; Expires=${EPOCH}; HttpOnly; n=v; Path=/`,
      request: [
        { name: 'a', value: '1' },
        { name: 'b', value: 'x y' },
        { name: 'flag', value: 'true' },
        { name: 'e', value: '' },
      ],
    });
    // Request cookies in the order sent, then new names; `flag` was not changed.
    expect(response.headers['set-cookie']).toEqual([`a=; Path=/; Expires=${EPOCH}`, 'b=z; Path=/p; HttpOnly', `e=; Path=/q; Expires=${EPOCH}; HttpOnly`, 'n=v; Path=/']);
  });

  test('the Response’s own Set-Cookie wins over a cookies() change of the same name', async () => {
    const response = await request(app).get('/mutate?own').set('Cookie', REQUEST_COOKIE);
    expect(response.headers['set-cookie']).toEqual(['b=own; Path=/', `a=; Path=/; Expires=${EPOCH}`, `e=; Path=/q; Expires=${EPOCH}; HttpOnly`, 'n=v; Path=/']);
  });

  test('without a Cookie header, cookies() starts empty and keeps the order of the changes', async () => {
    const response = await request(app).get('/mutate');
    expect(response.body.getAll).toEqual([
      { name: 'n', value: 'v', path: '/' },
      { name: 'a', value: '', expires: '1970-01-01T00:00:00.000Z', path: '/' },
      { name: 'b', value: 'z', httpOnly: true, path: '/p' },
      { name: 'e', value: '', path: '/q', httpOnly: true, expires: '1970-01-01T00:00:00.000Z' },
    ]);
    expect(response.headers['set-cookie']).toEqual(['n=v; Path=/', `a=; Path=/; Expires=${EPOCH}`, 'b=z; Path=/p; HttpOnly', `e=; Path=/q; Expires=${EPOCH}; HttpOnly`]);
  });

  test("under dynamic = 'force-static', cookies() and request.cookies are empty RequestCookies whose changes throw", async () => {
    const response = await request(app).get('/static').set('Cookie', REQUEST_COOKIE);
    expect(response.status).toBe(200);
    const readonly = { threw: 'ReadonlyRequestCookiesError', message: READONLY_COOKIES_MESSAGE };
    expect(response.body).toEqual({
      get: null,
      getAll: [],
      has: false,
      size: 0,
      iteration: [],
      toString: '',
      json: STORE_JSON,
      isRequestCookies: true,
      destructured: [],
      set: readonly,
      delete: readonly,
      clear: readonly,
      request: { getAll: [], size: 0, set: readonly },
    });
    expect(response.headers['set-cookie']).toBeUndefined();
  });
});
