import net from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { formatRouteTable, type RouteHandlersMiddleware, type RouteInfo } from '../lib';
import { expressVersions, type Express, type ExpressFactory } from './helpers/express';
import { fixtureApp, handlersFor, recordErrors, serve } from './helpers/server';

const appDir = fixtureApp('routing');

/** What the fixture's echo handler answers (`app/_lib/echo.ts`). */
interface Echo {
  route: string;
  message: string;
  method: string;
  params: Record<string, string | string[]> | null;
  pathname: string;
  url: string;
  query: Record<string, string>;
}

/** The routes of the fixture in Next.js's matching order (§1.6: depth-first trie walk). */
const matchingOrder = [
  '/',
  '/(.)icpt',
  '/.well-known/jwks',
  '/.well-known/security.txt',
  '/_under',
  '/api',
  '/api/catch/[...rest]',
  '/api/dynamic',
  '/api/get-only',
  '/api/health',
  '/api/hello.json',
  '/api/items/[id]',
  '/api/multi/[a]/[b]',
  '/api/opt/[[...rest]]',
  '/api/params/[slug]',
  '/api/prio/static',
  '/api/prio/[dyn]',
  '/api/prio/[...all]',
  '/basic/endpoint',
  '/basic/endpoint/nested',
  '/basic/[tenantID]/endpoint',
  '/basic/[tenantID]/[...resource]',
  '/data.json',
  '/depth/foo/[b]',
  '/depth/[a]/x',
  '/depth/[...rest]',
  '/feed/(..)photo',
  '/grouped',
  '/s',
  '/sp ace',
  '/static/[slug]/data.json',
];

/** The Express app around the middleware: anything it passes on is answered by a plain handler. */
function routingApp(express: ExpressFactory, handlers: RouteHandlersMiddleware, mount?: string): { app: Express; errors: unknown[] } {
  const app = express();
  if (mount) app.use(mount, handlers);
  else app.use(handlers);
  app.use((req, res) => {
    res.status(404).json({ fallback: true, url: req.originalUrl });
  });
  return { app, errors: recordErrors(app) };
}

describe.each(expressVersions)('routing (%s)', (_name, express) => {
  const handlers = handlersFor('routing');
  const { app, errors } = routingApp(express, handlers);
  const server = serve(app);
  beforeAll(() => handlers.ready);
  beforeEach(() => errors.splice(0));
  afterEach(() => expect(errors).toEqual([]));

  /** GET through a real socket; the body is the echo of the route that answered. */
  async function echo(target: string, method = 'GET'): Promise<Echo> {
    const response = await rawRequest(server.port, method, target);
    expect({ target, status: response.status }).toEqual({ target, status: 200 });
    return JSON.parse(response.body) as Echo;
  }

  async function expectFallback(target: string, method = 'GET'): Promise<void> {
    const response = await rawRequest(server.port, method, target);
    expect({ target, status: response.status, body: response.body }).toEqual({
      target,
      status: 404,
      body: JSON.stringify({ fallback: true, url: target }),
    });
  }

  describe('segment syntax (§1.2)', () => {
    it('[id] captures one segment', async () => {
      const body = await echo('/api/items/42');
      expect(body).toMatchObject({ route: '/api/items/[id]', params: { id: '42' }, pathname: '/api/items/42' });
      await expectFallback('/api/items/42/more');
      await expectFallback('/api/items');
    });

    it('[...slug] captures one or more segments as an array', async () => {
      expect((await echo('/api/catch/a')).params).toEqual({ rest: ['a'] });
      expect((await echo('/api/catch/a/b/c')).params).toEqual({ rest: ['a', 'b', 'c'] });
      await expectFallback('/api/catch');
    });

    it('[[...slug]] matches zero segments with the key omitted', async () => {
      const absent = await echo('/api/opt');
      expect(absent.route).toBe('/api/opt/[[...rest]]');
      expect(absent.params).toEqual({});
      expect(Object.keys(absent.params!)).toEqual([]);
      expect((await echo('/api/opt/x')).params).toEqual({ rest: ['x'] });
      expect((await echo('/api/opt/x/y')).params).toEqual({ rest: ['x', 'y'] });
    });

    it('several params in one path', async () => {
      expect(await echo('/api/multi/1/2')).toMatchObject({ route: '/api/multi/[a]/[b]', params: { a: '1', b: '2' } });
    });

    it('(group) folders are removed from the URL', async () => {
      expect(await echo('/grouped')).toMatchObject({ route: '/grouped', pathname: '/grouped', params: null });
      await expectFallback('/(group)/grouped');
      // §8 item 8: a group in the middle of the path.
      expect(await echo('/basic/endpoint/nested')).toMatchObject({ route: '/basic/endpoint/nested', pathname: '/basic/endpoint/nested' });
      // Spelled out, the group name is just a value for the dynamic route at that level.
      expect(await echo('/basic/(grouped)/endpoint/nested')).toMatchObject({
        route: '/basic/[tenantID]/[...resource]',
        params: { tenantID: '(grouped)', resource: ['endpoint', 'nested'] },
      });
    });

    it('_private folders are not routable: the request goes on to the next Express handler', async () => {
      await expectFallback('/_private');
      await expectFallback('/_private/deep');
    });

    it('%5Fname is the URL segment _name, and only that spelling matches', async () => {
      expect(await echo('/_under')).toMatchObject({ route: '/_under', pathname: '/_under' });
      await expectFallback('/%5Funder');
      await expectFallback('/%5funder');
    });

    it('@slot folders are removed from the URL', async () => {
      expect((await echo('/s')).route).toBe('/s');
      await expectFallback('/@slot/s');
    });

    it('interception markers stay literal for route handlers', async () => {
      expect((await echo('/(.)icpt')).route).toBe('/(.)icpt');
      await expectFallback('/icpt');
      expect((await echo('/feed/(..)photo')).route).toBe('/feed/(..)photo');
      await expectFallback('/photo');
      await expectFallback('/feed/photo');
    });

    it('static folder names with dots are ordinary segments', async () => {
      expect((await echo('/data.json')).route).toBe('/data.json');
      await expectFallback('/data');
      expect((await echo('/static/first/data.json')).params).toEqual({ slug: 'first' });
      // §8 item 1
      expect((await request(server.url).get('/api/hello.json')).body).toEqual({ pathname: '/api/hello.json' });
    });

    it('folders whose names start with a dot are routable (.well-known)', async () => {
      expect(await echo('/.well-known/security.txt')).toMatchObject({ route: '/.well-known/security.txt', pathname: '/.well-known/security.txt' });
      expect((await echo('/.well-known/jwks')).route).toBe('/.well-known/jwks');
      // Only trailingSlash: true exempts .well-known from the slash redirect.
      expect((await rawRequest(server.port, 'GET', '/.well-known/jwks/')).headers.location).toBe('/.well-known/jwks');
    });

    it('static segments are case-sensitive', async () => {
      await expectFallback('/API/get-only');
      await expectFallback('/api/Get-Only');
      await expectFallback('/Data.json');
      await expectFallback('/api/items%2F1');
    });

    it('a percent-encoded spelling of a static path falls through', async () => {
      await expectFallback('/api/%67et-only');
      await expectFallback('/%61pi/items/1');
      await expectFallback('/api/%68ealth', 'POST');
      // §8 item 3: the real path answers (and 405s POST).
      expect((await request(server.url).get('/api/health')).body).toEqual({ ok: true });
      expect((await request(server.url).post('/api/health')).status).toBe(405);
    });

    it('a folder name that needs percent-encoding is unreachable', async () => {
      await expectFallback('/sp%20ace');
      await expectFallback('/sp+ace');
    });
  });

  describe('params decoding (§1.3)', () => {
    it.each([
      ['/api/params/a%2Fb', 'a/b'],
      ['/api/params/%E2%9C%93', '✓'],
      ['/api/params/caf%C3%A9%20x', 'café x'],
      ['/api/params/a+b', 'a+b'],
      ['/api/params/%5Bslug%5D', '[slug]'],
      ['/api/params/%2e%2e%2Fsecret', '../secret'],
      ['/api/params/100%25', '100%'],
    ])('%s → %j', async (target, slug) => {
      const body = await echo(target);
      expect(body.params).toEqual({ slug });
      // Only params are decoded: the handler sees the path as it was sent.
      expect(body.pathname).toBe(target);
    });

    it('a UTF-8 path as clients send it (percent-encoded) decodes to the same string', async () => {
      // fetch() percent-encodes `ü` the way browsers and curl's URL globbing do.
      const response = await fetch(`${server.url}/api/params/ü`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ params: { slug: 'ü' }, pathname: '/api/params/%C3%BC' });
      expect((await echo('/api/catch/%C3%BC/%C3%A9')).params).toEqual({ rest: ['ü', 'é'] });
    });

    it('raw UTF-8 bytes in the request target are refused by Node before Express sees them', async () => {
      // Node's HTTP parser (llhttp) answers 400 itself; no handler and no error middleware run.
      const response = await rawRequest(server.port, 'GET', Buffer.from('/api/params/ü', 'utf8'));
      expect(response.status).toBe(400);
      expect(response.body).toBe('');
    });

    it('catch-all segments are decoded one by one', async () => {
      expect((await echo('/api/catch/a%2Fb/c')).params).toEqual({ rest: ['a/b', 'c'] });
      expect((await echo('/api/catch/%E2%9C%93/caf%C3%A9')).params).toEqual({ rest: ['✓', 'café'] });
    });

    it('routes without dynamic segments get params undefined (§8 item 18)', async () => {
      expect((await echo('/basic/endpoint')).params).toBeNull();
      expect((await echo('/basic/vercel/endpoint')).params).toEqual({ tenantID: 'vercel' });
      expect((await echo('/basic/vercel/some/other/resource')).params).toEqual({ tenantID: 'vercel', resource: ['some', 'other', 'resource'] });
    });

    it.each(['GET', 'POST', 'PUT', 'DELETE', 'PATCH'])('%s reaches /basic/endpoint and /basic/[tenantID]/endpoint (§8 item 6)', async (method) => {
      for (const target of ['/basic/endpoint', '/basic/vercel/endpoint']) {
        const body = await echo(target, method);
        expect(body.message).toBe('hello, world');
        expect(body.method).toBe(method);
      }
    });

    it('query parameters are readable (§8 items 2, 9)', async () => {
      expect((await request(server.url).get('/api/dynamic')).body).toEqual({ pathname: '/api/dynamic', query: {} });
      expect((await request(server.url).get('/api/dynamic?ping=pong')).body).toEqual({ pathname: '/api/dynamic', query: { ping: 'pong' } });
    });
  });

  describe('matching order (§1.6)', () => {
    it('prio/static, prio/[dyn], prio/[...all]', async () => {
      expect(await echo('/api/prio/static')).toMatchObject({ route: '/api/prio/static', params: null });
      expect(await echo('/api/prio/other')).toMatchObject({ route: '/api/prio/[dyn]', params: { dyn: 'other' } });
      expect(await echo('/api/prio/a/b')).toMatchObject({ route: '/api/prio/[...all]', params: { all: ['a', 'b'] } });
      await expectFallback('/api/prio');
    });

    it('a static child subtree is tried before [param]: /depth/foo/x → /depth/foo/[b]', async () => {
      expect(await echo('/depth/foo/x')).toMatchObject({ route: '/depth/foo/[b]', params: { b: 'x' } });
    });

    it('[param]/x is tried before the catch-all at the same level', async () => {
      expect(await echo('/depth/bar/x')).toMatchObject({ route: '/depth/[a]/x', params: { a: 'bar' } });
    });

    it('backtracks out of static and [param] subtrees that do not match to the catch-all', async () => {
      expect(await echo('/depth/foo/x/y')).toMatchObject({ route: '/depth/[...rest]', params: { rest: ['foo', 'x', 'y'] } });
      expect(await echo('/depth/bar/y')).toMatchObject({ route: '/depth/[...rest]', params: { rest: ['bar', 'y'] } });
      expect(await echo('/depth/foo')).toMatchObject({ route: '/depth/[...rest]', params: { rest: ['foo'] } });
      expect(await echo('/basic/endpoint/other')).toMatchObject({
        route: '/basic/[tenantID]/[...resource]',
        params: { tenantID: 'endpoint', resource: ['other'] },
      });
      await expectFallback('/depth');
    });

    it('the root route answers /', async () => {
      expect(await echo('/')).toMatchObject({ route: '/', pathname: '/', params: null });
    });

    it('handlers.routes lists every route in matching order', () => {
      const routes = handlers.routes;
      expect(routes.map((route) => route.pattern)).toEqual(matchingOrder);
      expect(routes.find((route) => route.pattern === '/api/get-only')).toEqual({
        pattern: '/api/get-only',
        file: path.join(appDir, 'api/get-only/route.ts'),
        methods: ['GET'],
        rendering: 'dynamic',
      });
      expect(routes.find((route) => route.pattern === '/grouped')?.file).toBe(path.join(appDir, '(group)/grouped/route.ts'));
      expect(routes.find((route) => route.pattern === '/_under')?.file).toBe(path.join(appDir, '%5Funder/route.ts'));
      expect(routes.find((route) => route.pattern === '/s')?.methods).toEqual(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']);
    });

    it('formatRouteTable prints the table in the same order', () => {
      const lines = formatRouteTable(handlers.routes, appDir).split('\n');
      expect(lines).toHaveLength(matchingOrder.length);
      expect(lines.map((line) => line.split(/\s{2,}/)[0])).toEqual(matchingOrder);
      const width = Math.max(...matchingOrder.map((pattern) => pattern.length));
      expect(lines[0]).toBe(`${'/'.padEnd(width)}  GET, POST, PUT, DELETE, PATCH  dynamic  route.ts`);
      expect(lines[matchingOrder.indexOf('/api')]).toBe(`${'/api'.padEnd(width)}  GET${' '.repeat(26)}  dynamic  api/route.ts`);
    });
  });

  describe('trailing slash and // (§1.4, §1.9)', () => {
    it.each(['GET', 'POST', 'DELETE'])('%s /api/get-only/?a=1 → 308 to the path without the slash', async (method) => {
      const response = await rawRequest(server.port, method, '/api/get-only/?a=1');
      expect(response.status).toBe(308);
      expect(response.headers.location).toBe('/api/get-only?a=1');
      expect(response.headers.refresh).toBe('0;url=/api/get-only?a=1');
      expect(response.body).toBe('/api/get-only?a=1');
    });

    it('redirects dynamic and optional catch-all paths too', async () => {
      expect((await rawRequest(server.port, 'GET', '/api/items/1/')).headers.location).toBe('/api/items/1');
      expect((await rawRequest(server.port, 'GET', '/api/opt/')).headers.location).toBe('/api/opt');
      expect((await rawRequest(server.port, 'GET', '/api/catch/a/b/')).headers.location).toBe('/api/catch/a/b');
      expect((await rawRequest(server.port, 'GET', '/api/')).headers.location).toBe('/api');
    });

    it('leaves a trailing slash alone when the path without it is not ours', async () => {
      await expectFallback('/nothing/');
      await expectFallback('/_private/');
      await expectFallback('/api/prio/');
      await expectFallback('/depth/');
      await expectFallback('/api/items/1/more/');
    });

    it('collapses // with a 308 when the result is ours', async () => {
      const response = await rawRequest(server.port, 'GET', '//api//get-only?x=1');
      expect(response.status).toBe(308);
      expect(response.headers.location).toBe('/api/get-only?x=1');
      expect(response.headers.refresh).toBe('0;url=/api/get-only?x=1');
      expect(response.body).toBe('/api/get-only?x=1');
      expect((await rawRequest(server.port, 'POST', '/api/items//7//')).headers.location).toBe('/api/items/7');
      expect((await rawRequest(server.port, 'GET', '/api/get-only//')).headers.location).toBe('/api/get-only');
    });

    it('passes // paths that are not ours on', async () => {
      await expectFallback('//nothing//here');
      await expectFallback('/api//nothing');
      await expectFallback('//_private');
    });
  });

  describe('paths URL normalisation would change never reach a handler (decisions §3.4)', () => {
    it.each([
      '/api/items/../get-only',
      '/api/items/%2e%2e/get-only',
      '/api/items/%2E%2E/get-only',
      '/api/items/.%2E/get-only',
      '/api/./get-only',
      '/api/%2e/get-only',
      '/api/items/..',
      '/api/items/.',
      '/api/items/%2e',
      '/api/catch/a/../b',
      '/api/opt/./x',
      '/depth/foo/..',
      '/api/items/../get-only/',
      '//api/./get-only',
      '/api\\get-only',
      '/api/items/a\\b',
      '/api/catch/a\\..\\b',
    ])('%s', async (target) => {
      await expectFallback(target);
    });

    it('segments that only contain dots are still params', async () => {
      expect((await echo('/api/items/...')).params).toEqual({ id: '...' });
      expect((await echo('/api/items/.hidden')).params).toEqual({ id: '.hidden' });
      expect((await echo('/api/items/a..b')).params).toEqual({ id: 'a..b' });
    });
  });
});

describe.each(expressVersions)('routing with trailingSlash: true (%s)', (_name, express) => {
  const handlers = handlersFor('routing', { trailingSlash: true });
  const { app, errors } = routingApp(express, handlers);
  const server = serve(app);
  beforeAll(() => handlers.ready);
  afterEach(() => expect(errors).toEqual([]));

  it('adds the slash with a 308', async () => {
    const response = await rawRequest(server.port, 'GET', '/api/get-only?a=1');
    expect(response.status).toBe(308);
    expect(response.headers.location).toBe('/api/get-only/?a=1');
    expect(response.headers.refresh).toBe('0;url=/api/get-only/?a=1');
    expect(response.body).toBe('/api/get-only/?a=1');
    expect((await rawRequest(server.port, 'POST', '/api/items/1')).headers.location).toBe('/api/items/1/');
    expect((await rawRequest(server.port, 'GET', '//api//items//1')).headers.location).toBe('/api/items/1/');
  });

  it('the handler sees the trailing slash', async () => {
    const response = await request(server.url).get('/api/get-only/?a=1');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ route: '/api/get-only', pathname: '/api/get-only/', query: { a: '1' } });
    expect(new URL(response.body.url).pathname).toBe('/api/get-only/');
    expect((await request(server.url).get('/api/items/7/')).body).toMatchObject({ params: { id: '7' }, pathname: '/api/items/7/' });
    expect((await request(server.url).get('/api/opt/')).body).toMatchObject({ params: {}, pathname: '/api/opt/' });
  });

  it('GET /api/ returns Hello World (§8 item 38)', async () => {
    const response = await request(server.url).get('/api/');
    expect(response.status).toBe(200);
    expect(response.text).toBe('Hello World');
  });

  it('file-like last segments lose the slash instead', async () => {
    const redirect = await rawRequest(server.port, 'GET', '/data.json/?v=2');
    expect(redirect.status).toBe(308);
    expect(redirect.headers.location).toBe('/data.json?v=2');
    expect((await request(server.url).get('/data.json')).body).toMatchObject({ route: '/data.json', pathname: '/data.json' });
    expect((await rawRequest(server.port, 'GET', '/static/first/data.json/')).headers.location).toBe('/static/first/data.json');
  });

  it('.well-known paths are left as they are', async () => {
    expect((await request(server.url).get('/.well-known/jwks')).body).toMatchObject({ route: '/.well-known/jwks', pathname: '/.well-known/jwks' });
    expect((await request(server.url).get('/.well-known/jwks/')).body).toMatchObject({ route: '/.well-known/jwks', pathname: '/.well-known/jwks/' });
    expect((await request(server.url).get('/.well-known/security.txt')).body).toMatchObject({ pathname: '/.well-known/security.txt' });
  });

  it('the root stays /', async () => {
    expect((await request(server.url).get('/')).body).toMatchObject({ route: '/', pathname: '/' });
  });

  it('passes paths that are not ours on, with or without the slash', async () => {
    for (const target of ['/nothing', '/nothing/', '/_private', '/api/prio']) {
      const response = await rawRequest(server.port, 'GET', target);
      expect({ target, status: response.status }).toEqual({ target, status: 404 });
      expect(JSON.parse(response.body)).toEqual({ fallback: true, url: target });
    }
  });
});

describe.each(expressVersions)('routing under a mount path (%s)', (_name, express) => {
  const handlers = handlersFor('routing');
  const { app, errors } = routingApp(express, handlers, '/v2');
  const server = serve(app);
  beforeAll(() => handlers.ready);
  afterEach(() => expect(errors).toEqual([]));

  it('routes are relative to the mount, and request.url keeps it (nextUrl reads it as basePath)', async () => {
    const response = await request(server.url).get('/v2/api/items/1?q=a%20b');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      route: '/api/items/[id]',
      params: { id: '1' },
      pathname: '/api/items/1',
      url: `http://localhost:${server.port}/v2/api/items/1?q=a%20b`,
      query: { q: 'a b' },
    });
    expect((await request(server.url).get('/v2')).body).toMatchObject({ route: '/', pathname: '/' });
    expect((await request(server.url).get('/v2/api/opt')).body).toMatchObject({ params: {}, pathname: '/api/opt' });
  });

  it('paths outside the mount are not ours', async () => {
    for (const target of ['/api/items/1', '/v3/api/items/1', '/v2x/api/items/1']) {
      const response = await rawRequest(server.port, 'GET', target);
      expect({ target, status: response.status }).toEqual({ target, status: 404 });
    }
  });

  it('redirects keep the mount path', async () => {
    const slash = await rawRequest(server.port, 'GET', '/v2/api/get-only/?a=1');
    expect(slash.status).toBe(308);
    expect(slash.headers.location).toBe('/v2/api/get-only?a=1');
    expect(slash.headers.refresh).toBe('0;url=/v2/api/get-only?a=1');
    expect(slash.body).toBe('/v2/api/get-only?a=1');
    const doubled = await rawRequest(server.port, 'GET', '/v2//api//items//3?x=1');
    expect(doubled.status).toBe(308);
    expect(doubled.headers.location).toBe('/v2/api/items/3?x=1');
  });

  it('applies the trailing-slash rule to the mount point itself', async () => {
    const root = await rawRequest(server.port, 'GET', '/v2/?a=1');
    expect(root.status).toBe(308);
    expect(root.headers.location).toBe('/v2?a=1');
  });

  it('normalisable paths under the mount fall through', async () => {
    for (const target of ['/v2/api/items/../get-only', '/v2/api/%2e%2e/api/get-only', '/v2/api\\get-only']) {
      const response = await rawRequest(server.port, 'GET', target);
      expect({ target, status: response.status }).toEqual({ target, status: 404 });
    }
  });
});

describe.each(expressVersions)('routing under a mount path with trailingSlash: true (%s)', (_name, express) => {
  const handlers = handlersFor('routing', { trailingSlash: true });
  const { app, errors } = routingApp(express, handlers, '/v2');
  const server = serve(app);
  beforeAll(() => handlers.ready);
  afterEach(() => expect(errors).toEqual([]));

  it('redirects the bare mount point to its slash form, which the root route answers', async () => {
    const bare = await rawRequest(server.port, 'GET', '/v2?a=1');
    expect(bare.status).toBe(308);
    expect(bare.headers.location).toBe('/v2/?a=1');
    expect((await request(server.url).get('/v2/')).body).toMatchObject({ route: '/', pathname: '/' });
  });
});

describe('formatRouteTable', () => {
  it('aligns pattern, methods and rendering, with files relative to the given folder', () => {
    const routes: RouteInfo[] = [
      { pattern: '/', file: '/srv/app/route.ts', methods: ['GET'], rendering: 'dynamic' },
      { pattern: '/api/items/[id]', file: '/srv/app/api/items/[id]/route.ts', methods: ['GET', 'DELETE'], rendering: 'dynamic' },
      { pattern: '/empty', file: '/srv/app/empty/route.js', methods: [], rendering: 'dynamic' },
    ];
    expect(formatRouteTable(routes, '/srv/app')).toBe(
      [
        '/                GET           dynamic  route.ts',
        '/api/items/[id]  GET, DELETE   dynamic  api/items/[id]/route.ts',
        '/empty           (no methods)  dynamic  empty/route.js',
      ].join('\n'),
    );
  });
});

interface RawResponse {
  status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends a request target byte for byte (dot segments, backslashes, `//`, raw UTF-8) — HTTP clients
 * would normalise or refuse some of them — and reads the answer until the server closes.
 */
function rawRequest(port: number, method: string, target: string | Buffer): Promise<RawResponse> {
  const head = Buffer.concat([
    Buffer.from(`${method} `),
    typeof target === 'string' ? Buffer.from(target, 'latin1') : target,
    Buffer.from(` HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`),
  ]);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1', () => socket.end(head));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    });
  });
}

function parseResponse(raw: Buffer): RawResponse {
  const headEnd = raw.indexOf('\r\n\r\n');
  if (headEnd === -1) throw new Error(`incomplete response: ${JSON.stringify(raw.toString('latin1'))}`);
  const [statusLine, ...lines] = raw.subarray(0, headEnd).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  let body = raw.subarray(headEnd + 4);
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  return { status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8') };
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', offset);
    const size = parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!size) return Buffer.concat(parts);
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
}
