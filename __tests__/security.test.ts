/**
 * The guarantees of SECURITY.md, each tried against Express 4 and 5:
 *
 * 1. no route handler is reached without passing the Express middleware mounted on its prefix;
 * 2. nothing of the request that fills a static route's cache entry (Host, X-Forwarded-*, the
 *    query, cookies, other headers) reaches the clients served from it;
 * 3. params, queries, cookies and rebuilt bodies never pollute Object.prototype;
 * 4. the limits and their defaults.
 */
import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import cookieParser from 'cookie-parser';
import type { RequestHandler } from 'express';
import fc from 'fast-check';
import type { RouteHandlersMiddleware } from '../lib';
import { expressVersions, type Express } from './helpers/express';
import { httpRequest, type Answer } from './helpers/http';
import { handlersFor, recordErrors, serve } from './helpers/server';

/** One compiled copy of the fixture for the suites that never touch the static cache. */
const shared = handlersFor('security');

const message = (error: unknown) => (error as Error).message;

// ---------------------------------------------------------------------------------------------
// 1. Guards mounted on a prefix
// ---------------------------------------------------------------------------------------------

const ADMIN_KEY = 'open-sesame';

/** The guard every scenario mounts: 401 unless the request carries the key. */
const guard: RequestHandler = (req, res, next) => {
  if (req.get('x-admin-key') === ADMIN_KEY) {
    res.locals.guarded = true;
    return next();
  }
  res.status(401).json({ guard: 'denied' });
};

interface Scenario {
  title: string;
  /** Where the handlers' routes start: '' (root) or '/v2'. */
  mount: string;
  caseSensitive: boolean;
  /** The guard covers every route (`app.use('/v2', guard, handlers)`), not only the admin ones. */
  guardsEverything: boolean;
  build(app: Express, handlers: RouteHandlersMiddleware): void;
}

const scenarios: Scenario[] = [
  {
    title: "handlers at the root, app.use('/admin', guard)",
    mount: '',
    caseSensitive: false,
    guardsEverything: false,
    build: (app, handlers) => {
      app.use('/admin', guard);
      app.use(handlers);
    },
  },
  {
    title: "handlers at the root, app.use('/admin', guard), case sensitive routing",
    mount: '',
    caseSensitive: true,
    guardsEverything: false,
    build: (app, handlers) => {
      app.use('/admin', guard);
      app.use(handlers);
    },
  },
  {
    title: "app.use('/v2/admin', guard) before app.use('/v2', handlers)",
    mount: '/v2',
    caseSensitive: false,
    guardsEverything: false,
    build: (app, handlers) => {
      app.use('/v2/admin', guard);
      app.use('/v2', handlers);
    },
  },
  {
    title: "app.use('/v2/admin', guard) before app.use('/v2', handlers), case sensitive routing",
    mount: '/v2',
    caseSensitive: true,
    guardsEverything: false,
    build: (app, handlers) => {
      app.use('/v2/admin', guard);
      app.use('/v2', handlers);
    },
  },
  {
    title: "app.use('/v2', guard, handlers)",
    mount: '/v2',
    caseSensitive: false,
    guardsEverything: true,
    build: (app, handlers) => {
      app.use('/v2', guard, handlers);
    },
  },
];

/** The raw UTF-8 bytes of `text` as a latin1 string: Node's client then sends them unencoded. */
const rawBytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

/**
 * Bypass attempts by kind; `{m}` is the mount path, `{M}` the same in capitals. None carries the
 * key, so the guard answers every request it sees.
 */
const attempts: Record<string, string[]> = {
  'dot segments, raw and percent-encoded': [
    '{m}/public/../admin/secret',
    '{m}/public/./../admin/secret',
    '{m}/public/../../admin/secret',
    '{m}/..{m}/admin/secret',
    '{m}/./admin/secret',
    '{m}/%2e/admin/secret',
    '{m}/public/%2e%2e/admin/secret',
    '{m}/public/%2E%2E/admin/secret',
    '{m}/public/.%2e/admin/secret',
    '{m}/public/%2e./admin/secret',
    '{m}/public/%2e%2e%2fadmin/secret',
    '{m}/public/%2E%2E%2Fadmin%2Fsecret',
    '{m}/admin/./secret',
    '{m}/admin/secret/..',
  ],
  'encoded slashes': [
    '{m}/admin%2fsecret',
    '{m}/admin%2Fsecret',
    '{m}%2fadmin/secret',
    '{m}/%2fadmin/secret',
    '{m}/public/..%2fadmin/secret',
    '{m}/public%2f..%2fadmin%2fsecret',
    '{m}/public/..%2F..%2Fadmin/secret',
  ],
  backslashes: [
    '{m}/public/..\\admin\\secret',
    '{m}/public\\..\\admin\\secret',
    '{m}\\admin\\secret',
    '{m}/admin\\secret',
    '{m}/public/..%5cadmin/secret',
    '{m}/public/..%5Cadmin%5Csecret',
    '{m}%5cadmin/secret',
  ],
  'double encoding': [
    '{m}/public/%252e%252e/admin/secret',
    '{m}/%252e%252e/admin/secret',
    '{m}/public/%252e%252e%252fadmin%252fsecret',
    '{m}/%2561dmin/secret',
    '{m}/admin%252fsecret',
    '{m}/%61dmin/secret',
  ],
  // `{m}//admin/secret` has a test of its own (Express 4 hides that `//` from the handlers).
  'doubled and trailing slashes': ['/{m}/admin/secret', '//{m}/admin/secret', '{m}///admin/secret', '{m}/admin//secret', '{m}/admin/secret/', '{m}/admin/secret//', '{m}/admin/', '{m}/public//admin/secret'],
  '; path parameters': ['{m}/admin;x/secret', '{m};x/admin/secret', '{m}/admin/secret;x', '{m}/;/admin/secret', '{m}/admin;/secret', '{m}/public;/../admin/secret'],
  'case differences': ['{M}/ADMIN/secret', '{m}/Admin/secret', '{m}/ADMIN/SECRET', '{M}/admin/secret', '{m}/aDmIn/x', '{m}/ADMIN/files/x'],
  'null bytes': ['{m}/admin%00/secret', '{m}/admin%00', '{m}%00/admin/secret', '{m}/public/%00/../admin/secret', '{m}/public/..%00/admin/secret'],
  'unicode look-alikes and overlong UTF-8': [
    '{m}/public/%EF%BC%8E%EF%BC%8E/admin/secret',
    `{m}/public/${rawBytes('．．')}/admin/secret`,
    '{m}/public/%c0%ae%c0%ae/admin/secret',
    '{m}/public/%c0%ae%c0%ae%c0%afadmin/secret',
    '{m}/%EF%BD%81dmin/secret',
    '{m}/adm%C4%B1n/secret',
    '{m}/%E2%80%8Badmin/secret',
    '{m}/public/%u002e%u002e/admin/secret',
  ],
  'absolute-form request targets': [
    'http://evil.example{m}/admin/secret',
    'HTTP://evil.example{m}/admin/secret',
    'http://evil.example:80{m}/admin/secret',
    'http://user@evil.example{m}/admin/secret',
    'http://evil.example{m}/public/../admin/secret',
    'http://evil.example{m}/public/%2e%2e/admin/secret',
    'http://evil.example?{m}/admin/secret',
    'http://evil.example/public/..{m}/admin/secret',
  ],
};

/**
 * Absolute-form targets whose host Node's legacy `url.parse` (and so Express's router, through
 * parseurl) cuts short at a character it refuses in host names: Express routes `;/admin/secret`
 * (no guard matches it), the middleware routes `/admin/secret`.
 */
const authorityBypasses = ['http://a;{m}/admin/secret', 'http://evil.example;x{m}/admin/secret', "http://a'x{m}/admin/secret", 'http://a%41{m}/admin/secret', 'http://h;{m}/admin/files/x'];

function expand(template: string, mount: string): string {
  return template.replaceAll('{m}', mount).replaceAll('{M}', mount.toUpperCase());
}

/** What answered a request: the guard, Express's fallback (next()), a 400, a redirect (followed once), or a handler. */
async function outcome(port: number, target: string, headers: http.OutgoingHttpHeaders = {}, follow = true): Promise<string> {
  const answer = await httpRequest(port, { path: target, headers });
  if (answer.status === 401 && answer.body === JSON.stringify({ guard: 'denied' })) return 'guard';
  if (answer.status === 404 && answer.body === JSON.stringify({ fallback: true })) return 'next';
  if (answer.status === 400) return 'bad request';
  if (answer.status === 308 && follow && answer.headers.location) return `redirect → ${await outcome(port, answer.headers.location, {}, false)}`;
  if (answer.status === 200) {
    const body = JSON.parse(answer.body) as { handler: string; guarded: boolean };
    return `handler ${body.handler}${body.guarded ? ' (guarded)' : ''}`;
  }
  return `status ${answer.status}: ${answer.body}`;
}

describe.each(expressVersions)('guarded prefixes (%s)', (_name, express) => {
  describe.each(scenarios)('$title', (scenario) => {
    const app = express();
    app.set('trust proxy', true);
    if (scenario.caseSensitive) app.set('case sensitive routing', true);
    scenario.build(app, shared);
    app.use((_req, res) => {
      res.status(404).json({ fallback: true });
    });
    const errors = recordErrors(app);
    const server = serve(app);
    beforeAll(() => shared.ready);
    afterEach(() => expect(errors).toEqual([]));

    const m = scenario.mount;
    /** Without the key, only these may answer (also at the end of one redirect): the guard, or no handler of the guarded prefix. */
    const allowed = ['guard', 'next', 'bad request', ...(scenario.guardsEverything ? [] : ['handler /public/[...path]'])];
    const isAllowed = (seen: string) => allowed.includes(seen.replace(/^redirect → /, ''));
    const bypasses = async (targets: string[], headers?: http.OutgoingHttpHeaders) => {
      const found: { target: string; outcome: string }[] = [];
      for (const target of targets) {
        const seen = await outcome(server.port, target, headers);
        if (!isAllowed(seen)) found.push({ target, outcome: seen });
      }
      return found;
    };

    it('controls: the guard answers without the key, the admin handlers answer with it', async () => {
      expect(await outcome(server.port, `${m}/admin/secret`)).toBe('guard');
      expect(await outcome(server.port, `${m}/admin/x`)).toBe('guard');
      const key = { 'x-admin-key': ADMIN_KEY };
      expect(await outcome(server.port, `${m}/admin/secret`, key)).toBe('handler /admin/secret (guarded)');
      expect(await outcome(server.port, `${m}/admin`, key)).toBe('handler /admin (guarded)');
      expect(await outcome(server.port, `${m}/admin/x`, key)).toBe('handler /admin/[id] (guarded)');
      expect(await outcome(server.port, `${m}/admin/files/a/b`, key)).toBe('handler /admin/files/[...path] (guarded)');
      expect(await outcome(server.port, `${m}/public/x`)).toBe(scenario.guardsEverything ? 'guard' : 'handler /public/[...path]');
    });

    it.each(Object.keys(attempts))('%s never reach an admin handler past the guard', async (kind) => {
      expect(await bypasses(attempts[kind].map((template) => expand(template, m)))).toEqual([]);
    });

    it('not guaranteed: a param value may hold ../ or ..\\ (decoded per segment, as in Next.js), so handlers must validate it', async () => {
      const answer = await httpRequest(server.port, { path: `${m}/public/..%2fadmin/..%5Csecret`, headers: { 'x-admin-key': ADMIN_KEY } });
      expect([answer.status, JSON.parse(answer.body).params]).toEqual([200, { path: ['../admin', '..\\secret'] }]);
    });

    it(`a doubled slash after the mount path (${m}//admin/secret) is redirected to the path the guard answers`, async () => {
      const expected = scenario.guardsEverything ? 'guard' : 'redirect → guard';
      expect(await outcome(server.port, `${m}//admin/secret`)).toBe(expected);
      expect(await outcome(server.port, `${m}//admin//files//x`)).toBe(expected);
    });

    it(`a different case of the prefix is ${scenario.caseSensitive ? 'neither guarded nor routed (case sensitive routing)' : 'guarded, as Express matches mount paths case-insensitively'}`, async () => {
      for (const target of [`${m.toUpperCase()}/ADMIN/secret`, `${m}/Admin/secret`, `${m}/ADMIN/x`]) {
        const expected = scenario.guardsEverything || !scenario.caseSensitive ? 'guard' : 'next';
        expect({ target, outcome: await outcome(server.port, target) }).toEqual({ target, outcome: expected });
      }
      // The route table itself is case-sensitive: even with the key, /ADMIN is not /admin.
      if (!scenario.caseSensitive) expect(await outcome(server.port, `${m}/ADMIN/secret`, { 'x-admin-key': ADMIN_KEY })).toBe('next');
    });

    it('Host, X-Forwarded-Host and rewrite headers cannot carry a path into the routing', async () => {
      const target = `${m}/public/x`;
      const cases: [http.OutgoingHttpHeaders, string][] = [
        // Not a host name (or protocol): a bad request wherever it would reach a handler.
        [{ host: `127.0.0.1${m}/admin/secret` }, 'bad request'],
        [{ host: `evil.example${m}/admin/secret?` }, 'bad request'],
        [{ 'x-forwarded-host': `evil.example${m}/admin/secret` }, 'bad request'],
        [{ 'x-forwarded-proto': `http://evil.example${m}/admin/secret#` }, 'bad request'],
        // Rewrite headers some proxies honour are not read at all.
        [{ 'x-original-url': `${m}/admin/secret`, 'x-rewrite-url': `${m}/admin/secret` }, 'handler /public/[...path]'],
        [{ 'x-forwarded-prefix': `${m}/admin`, 'x-forwarded-uri': `${m}/admin/secret` }, 'handler /public/[...path]'],
      ];
      for (const [headers, expected] of cases) {
        const seen = await outcome(server.port, target, headers);
        expect({ headers, seen }).toEqual({ headers, seen: scenario.guardsEverything ? 'guard' : expected });
      }
    });

    it('property: no origin-form target built from path tricks reaches an admin handler without the key', async () => {
      const token = fc.constantFrom(
        'admin', 'ADMIN', 'Admin', 'secret', 'files', 'x', 'public', 'v2', 'V2', '', '.', '..', '%2e', '%2E%2e', '.%2e', '%2e%2e%2f',
        '..%2f', '%2f', '%2F', '%5c', '\\', '%00', ';', ';x', 'admin;x', 'admin%2fsecret', '%252e%252e', '%61dmin', '%EF%BC%8E%EF%BC%8E',
        '%c0%ae%c0%ae', '#', '?', '?/admin/secret', 'admin%00', '..\\admin',
      );
      const prefixes = m ? [m, m.toUpperCase(), `/${m}`, `${m}%2f`, `${m}/.`, `${m}/public`] : ['', '/', '/public'];
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...prefixes), fc.array(token, { minLength: 1, maxLength: 6 }), async (prefix, tokens) => {
          const target = `${prefix}/${tokens.join('/')}`;
          // The mount path followed by `//` is tested on its own above.
          fc.pre(!(m && target.toLowerCase().startsWith(`${m}//`)));
          const seen = await outcome(server.port, target);
          if (!isAllowed(seen)) throw new Error(`${JSON.stringify(target)} → ${seen}`);
        }),
        { seed: 20260701, numRuns: 120 },
      );
    });

    it(`absolute-form targets whose host url.parse cuts short (GET http://a;${m}/admin/secret) never reach an admin handler`, async () => {
      expect(await bypasses(authorityBypasses.map((template) => expand(template, m)))).toEqual([]);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Static routes: the first request cannot poison the cache
// ---------------------------------------------------------------------------------------------

/** Everything a first request may try to slip into a cached answer; every value says "evil". */
const poison: http.OutgoingHttpHeaders = {
  host: 'evil-host.example',
  'x-forwarded-host': 'evil-forwarded.example',
  'x-forwarded-proto': 'https',
  'x-forwarded-for': '203.0.113.66',
  cookie: 'session=evil-session; theme=evil',
  'accept-language': 'evil-language',
  'user-agent': 'evil-agent',
  referer: 'http://evil-referer.example/',
  authorization: 'Bearer evil-token',
  'x-evil': 'evil-header',
};
const poisonQuery = '?evil=evil-query&q=evil';

/** Any trace of the poisoned request: its values, its forwarded protocol, its forwarded address. */
const traces = /evil|https:|203\.0\.113/i;

/** Status, headers and body of an answer as one string; hashes and dates are left out (they could spell anything). */
const everything = (answer: Answer) => {
  const { etag: _etag, date: _date, 'last-modified': _modified, ...headers } = answer.headers;
  return `${answer.status} ${JSON.stringify(headers)} ${answer.body}`;
};

describe.each(expressVersions)('static routes: no cache poisoning (%s)', (_name, express) => {
  const handlers = handlersFor('security');
  const app = express();
  app.set('trust proxy', true);
  app.use(cookieParser());
  app.use(handlers);
  const errors = recordErrors(app);
  const server = serve(app);
  beforeAll(() => handlers.ready);
  beforeEach(() => errors.splice(0));

  const sanitised = (path: string) => ({
    url: `http://localhost:3000${path}`,
    href: `http://localhost:3000${path}`,
    origin: 'http://localhost:3000',
    host: 'localhost:3000',
    protocol: 'http:',
    pathname: path,
    search: '',
    searchParams: [],
    headers: [],
    requestCookies: [],
    nextHeaders: [],
    nextCookies: [],
  });

  it.each([
    ['force-static: request.url, nextUrl, request.headers, request.cookies, headers(), cookies()', '/cache/force-static/echo', '/cache/force-static/echo', 200],
    ['force-static: headers() and cookies() without the request', '/cache/force-static/headers-api', '/cache/force-static/headers-api', 200],
    ['force-static: a Location and a Link built from request.url', '/cache/force-static/redirect', '/cache/force-static/redirect', 307],
    ["dynamic = 'error': the pathname", '/cache/error/pathname', '/cache/error/pathname', 200],
    ['auto (revalidate = 60): the pathname', '/cache/auto/pathname', '/cache/auto/pathname', 200],
    ['auto (generateStaticParams only): a listed param', '/cache/params/listed', '/cache/params/[slug]', 200],
    ['auto (generateStaticParams only): an unlisted param', '/cache/params/unlisted', '/cache/params/[slug]', 200],
  ])('%s — the cached answer holds nothing of the request that filled it', async (_what, path, pattern, status) => {
    const first = await httpRequest(server.port, { path: path + poisonQuery, headers: poison });
    expect([first.status, first.headers['x-nextjs-cache']]).toEqual([status, 'MISS']);
    // The handler never saw the poisoned values, so even the first client's answer is clean.
    expect(everything(first)).not.toMatch(traces);

    const later = await httpRequest(server.port, { path: `${path}?other=1` });
    expect(later.headers['x-nextjs-cache']).toBe('HIT');
    expect(later.body).toBe(first.body);
    expect(later.headers.etag).toBe(first.headers.etag);
    expect(later.headers.location).toBe(first.headers.location);
    expect(everything(later)).not.toMatch(traces);
    const head = await httpRequest(server.port, { method: 'HEAD', path });
    expect([head.headers['x-nextjs-cache'], head.headers.etag]).toEqual(['HIT', first.headers.etag]);
    expect(handlers.routes.find((route) => route.pattern === pattern)?.rendering).toBe('static');
    expect(errors).toEqual([]);

    if (path === '/cache/force-static/echo') expect(JSON.parse(first.body)).toEqual({ generation: 1, ...sanitised(path) });
    if (path === '/cache/force-static/headers-api') {
      expect(JSON.parse(first.body)).toEqual({ generation: 1, host: null, forwardedHost: null, language: null, headers: [], cookies: [] });
    }
    if (path === '/cache/force-static/redirect') {
      expect(first.headers.location).toBe('http://localhost:3000/login?next=%2Fcache%2Fforce-static%2Fredirect');
      expect(first.headers.link).toBe('<http://localhost:3000/cache/force-static/redirect>; rel="canonical"');
    }
  });

  it.each([
    ['request.url', '/cache/auto/url', '/cache/auto/url'],
    ['request.headers', '/cache/auto/headers', '/cache/auto/headers'],
    ['headers() from next/headers', '/cache/auto/next-headers', '/cache/auto/next-headers'],
    ['cookies() from next/headers', '/cache/auto/next-cookies', '/cache/auto/next-cookies'],
    ['request.cookies', '/cache/auto/request-cookies', '/cache/auto/request-cookies'],
    ['nextUrl.searchParams', '/cache/auto/search-params', '/cache/auto/search-params'],
    ['request.url for a Location', '/cache/auto/redirect', '/cache/auto/redirect'],
    ['request.headers (generateStaticParams route)', '/cache/params-reads/listed', '/cache/params-reads/[slug]'],
  ])('an auto candidate reading %s turns dynamic: nothing is cached, each client gets its own answer', async (_what, path, pattern) => {
    const first = await httpRequest(server.port, { path: path + poisonQuery, headers: poison });
    expect(first.headers['x-nextjs-cache']).toBeUndefined();
    // It did read the poisoned request (its own answer shows it)…
    expect(everything(first)).toMatch(traces);
    // …and the next client's answer is generated for that client.
    const later = await httpRequest(server.port, { path });
    expect(later.headers['x-nextjs-cache']).toBeUndefined();
    expect(everything(later)).not.toMatch(traces);
    const generation = (answer: Answer) => Number(answer.headers['x-generation'] ?? JSON.parse(answer.body).generation);
    expect(generation(later)).toBeGreaterThan(generation(first));
    expect(handlers.routes.find((route) => route.pattern === pattern)?.rendering).toBe('dynamic');
    expect(errors).toEqual([]);
  });

  it('not guaranteed: expressContext() is the raw Express request, so a static route that reads it caches what it read', async () => {
    const first = await httpRequest(server.port, { path: '/cache/force-static/express-context', headers: poison });
    const later = await httpRequest(server.port, { path: '/cache/force-static/express-context' });
    expect(later.headers['x-nextjs-cache']).toBe('HIT');
    expect(JSON.parse(later.body)).toEqual({ generation: 1, host: 'evil-host.example' });
    expect(first.body).toBe(later.body);
  });

  it("dynamic = 'error' reading request.headers: every request fails through next(err), nothing is cached", async () => {
    const first = await httpRequest(server.port, { path: `/cache/error/headers${poisonQuery}`, headers: poison });
    const later = await httpRequest(server.port, { path: '/cache/error/headers' });
    expect([first.status, later.status]).toEqual([500, 500]);
    expect(later.headers['x-nextjs-cache']).toBeUndefined();
    expect(errors.map(message)).toEqual([expect.stringContaining('used `request.headers`'), expect.stringContaining('used `request.headers`')]);
  });

  it('the cache key ignores the query: /x?a=1 and /x?a=2 share one entry, which holds neither query', async () => {
    const one = await httpRequest(server.port, { path: '/cache/params/keyed?a=evil-1' });
    const two = await httpRequest(server.port, { path: '/cache/params/keyed?a=2' });
    expect([one.headers['x-nextjs-cache'], two.headers['x-nextjs-cache']]).toEqual(['MISS', 'HIT']);
    expect(JSON.parse(two.body)).toEqual({ generation: 1, slug: 'keyed', pathname: '/cache/params/keyed' });
    expect(everything(two)).not.toMatch(traces);
  });

  it('a poisoned HEAD that fills the entry leaves nothing in it either', async () => {
    const head = await httpRequest(server.port, { method: 'HEAD', path: `/cache/params/head-first${poisonQuery}`, headers: poison });
    expect([head.status, head.headers['x-nextjs-cache'], head.body]).toEqual([200, 'MISS', '']);
    const get = await httpRequest(server.port, { path: '/cache/params/head-first' });
    expect(get.headers['x-nextjs-cache']).toBe('HIT');
    expect(JSON.parse(get.body)).toEqual({ generation: 1, slug: 'head-first', pathname: '/cache/params/head-first' });
    expect(get.headers['content-length']).toBe(head.headers['content-length']);
    expect(everything(get)).not.toMatch(traces);
  });
});

describe.each(expressVersions)('static entries are kept per mount path (%s)', (_name, express) => {
  const handlers = handlersFor('security');
  const app = express();
  // Express matches mount paths case-insensitively by default, and may mount on a pattern.
  app.use('/m', handlers);
  app.use('/t/:tenant', handlers);
  const server = serve(app);
  beforeAll(() => handlers.ready);

  it('clients of /m/… never get the entry a request to /M/… filled (its basePath says /M)', async () => {
    const first = await httpRequest(server.port, { path: '/M/cache/error/pathname' });
    expect(JSON.parse(first.body).basePath).toBe('/M');
    const later = await httpRequest(server.port, { path: '/m/cache/error/pathname' });
    expect(JSON.parse(later.body).basePath).toBe('/m');
  });

  it("clients of /t/acme/… never get the entry a request to /t/evil/… filled (app.use('/t/:tenant', handlers))", async () => {
    const first = await httpRequest(server.port, { path: '/t/evil/cache/error/pathname' });
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body).basePath).toBe('/t/evil');
    const later = await httpRequest(server.port, { path: '/t/acme/cache/error/pathname' });
    expect(later.body).not.toMatch(traces);
    expect(JSON.parse(later.body).basePath).toBe('/t/acme');
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Prototype pollution through params, queries, cookies and bodies
// ---------------------------------------------------------------------------------------------

describe.each(expressVersions)('no prototype pollution (%s)', (_name, express) => {
  const app = express();
  app.use(cookieParser());
  app.use('/json', express.json(), shared);
  app.use('/form', express.urlencoded({ extended: true }), shared);
  app.use(shared);
  const errors = recordErrors(app);
  const server = serve(app);

  const extended = express();
  extended.set('query parser', 'extended');
  extended.use(shared);
  const extendedServer = serve(extended);

  /** Object.prototype of this realm and of the platform's (undici builds the objects of `Response.json()`). */
  const prototypes: object[] = [Object.prototype];
  const baselines: string[][] = [];
  beforeAll(async () => {
    await shared.ready;
    const platform = Object.getPrototypeOf(await new Response('{}').json()) as object;
    if (platform !== Object.prototype) prototypes.push(platform);
    for (const proto of prototypes) baselines.push(Object.getOwnPropertyNames(proto).sort());
  });
  afterEach(() => {
    prototypes.forEach((proto, index) => {
      expect(Object.getOwnPropertyNames(proto).sort()).toEqual(baselines[index]);
      expect((Object.create(proto) as Record<string, unknown>).polluted).toBeUndefined();
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(errors).toEqual([]);
  });

  /** GET/POST answered 200, and the handler's realm is clean too. */
  const clean = async (port: number, options: Parameters<typeof httpRequest>[1]) => {
    const answer = await httpRequest(port, options);
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    expect({ polluted: body.polluted, keys: body.keys }).toEqual({ polluted: 'undefined', keys: baselines[0] });
    return { answer, body };
  };

  it.each([
    ['/proto/one/__proto__', '__proto__'],
    ['/proto/one/constructor', 'constructor'],
    ['/proto/one/prototype', 'prototype'],
    ['/proto/one/%5F%5Fproto%5F%5F', '__proto__'],
    ['/proto/one/%5f%5fproto%5f%5f', '__proto__'],
    ['/proto/one/%63onstructor', 'constructor'],
    ['/proto/one/__proto__%2Fpolluted', '__proto__/polluted'],
    ['/proto/one/hasOwnProperty', 'hasOwnProperty'],
    ['/proto/one/toString', 'toString'],
  ])('param %s is the plain string %j', async (path, id) => {
    const { body } = await clean(server.port, { path });
    expect(body).toMatchObject({ id, idType: 'string', syncId: id, own: true, params: { ownKeys: ['id'], ordinary: true } });
  });

  it.each([
    ['/proto/all/__proto__/polluted', ['__proto__', 'polluted']],
    ['/proto/all/constructor/prototype/polluted', ['constructor', 'prototype', 'polluted']],
    ['/proto/all/%5F%5Fproto%5F%5F%2Fpolluted/x', ['__proto__/polluted', 'x']],
    ['/proto/all/__proto__', ['__proto__']],
  ])('catch-all %s is the plain list %j', async (path, rest) => {
    const { body } = await clean(server.port, { path });
    expect(body).toMatchObject({ rest, isArray: true, params: { ownKeys: ['rest'], ordinary: true } });
  });

  it('optional catch-all segments named __proto__ and constructor are plain data', async () => {
    const { body } = await clean(server.port, { path: '/proto/opt/__proto__/constructor' });
    expect(body).toMatchObject({ rest: ['__proto__', 'constructor'], params: { ownKeys: ['rest'], ordinary: true } });
  });

  const pollutingQuery = '__proto__[polluted]=1&constructor[prototype][polluted]=1&a[__proto__][b]=1&__proto__=x&a[constructor][prototype][polluted]=1&__proto__.polluted=1';
  const pairs = pollutingQuery.split('&').map((pair) => pair.split('='));

  it.each([
    ["Express's default query parser", () => server.port],
    ["'query parser' = 'extended' (qs)", () => extendedServer.port],
  ])('a polluting query string with %s: searchParams lists it as text, req.query stays ordinary', async (_parser, port) => {
    const { body } = await clean(port(), { path: `/proto/query?${pollutingQuery}` });
    expect(body.searchParams).toEqual(pairs);
    expect(body.expressQueryShape).toMatchObject({ ordinary: true });
  });

  it('cookies named __proto__, constructor, prototype, toString are plain entries', async () => {
    const { body } = await clean(server.port, { path: '/proto/cookies', headers: { cookie: '__proto__=polluted; constructor=c; prototype=p; toString=t' } });
    const list = [
      { name: '__proto__', value: 'polluted' },
      { name: 'constructor', value: 'c' },
      { name: 'prototype', value: 'p' },
      { name: 'toString', value: 't' },
    ];
    expect(body).toMatchObject({ requestCookies: list, nextCookies: list, protoCookie: 'polluted', constructorCookie: 'c', hasToString: true, nextProto: 'polluted' });
  });

  it('cookies().set() with those names only writes Set-Cookie headers', async () => {
    const { answer, body } = await clean(server.port, { method: 'POST', path: '/proto/cookies' });
    expect(body.names).toEqual(['__proto__', 'constructor']);
    expect(answer.headers['set-cookie']).toEqual(['__proto__=a; Path=/', 'constructor=b; Path=/']);
  });

  it('a JSON body with __proto__ keys, read by express.json() and rebuilt, reaches the handler as own keys', async () => {
    const json = '{"__proto__":{"polluted":"1"},"constructor":{"prototype":{"polluted":"1"}},"a":{"__proto__":{"b":"1"}}}';
    const { body } = await clean(server.port, { method: 'POST', path: '/json/proto/body', headers: { 'content-type': 'application/json' }, body: json });
    expect(body.text).toBe(json);
    expect(body).toMatchObject({ protoOwn: true, parsedShape: { ownKeys: ['__proto__', 'constructor', 'a'], ordinary: true } });
    expect(body.parsed).toEqual(JSON.parse(json));
  });

  it('a form body with __proto__ keys, read by urlencoded({ extended: true }) and rebuilt, is plain pairs', async () => {
    const form = '__proto__[polluted]=1&constructor[prototype][polluted]=1&a[__proto__][b]=1&b[c]=2&__proto__=x';
    const { body } = await clean(server.port, { method: 'POST', path: '/form/proto/body', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    // qs (inside urlencoded) drops the __proto__ keys; what is left is rebuilt as data.
    expect(body.parsed).toEqual([
      ['constructor[prototype][polluted]', '1'],
      ['b[c]', '2'],
    ]);
    expect(body.protoOwn).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Limits and their defaults
// ---------------------------------------------------------------------------------------------

const events = ((globalThis as Record<symbol, EventEmitter>)[Symbol.for('express-route-handlers.test.security')] ??= new EventEmitter());

/** Only the clock and its timers are faked: sockets, setImmediate and microtasks run as usual. */
function fakeTimers(): void {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'hrtime', 'performance'] });
}

/** Lets sockets deliver what was written (an immediate after I/O callbacks), without a clock. */
const ioTurns = async (count = 5) => {
  for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setImmediate(resolve));
};

describe.each(expressVersions)('limits and their defaults (%s)', (_name, express) => {
  const handlers = handlersFor('security');
  const app = express();
  app.use(handlers);
  const errors = recordErrors(app);
  const server = serve(app);
  beforeAll(() => handlers.ready);
  beforeEach(() => errors.splice(0));
  afterEach(() => jest.useRealTimers());

  it('bodyLimit: none by default — a 4 MiB body reaches the handler whole', async () => {
    const body = Buffer.alloc(4 * 1024 * 1024, 'x');
    const answer = await httpRequest(server.port, { method: 'POST', path: '/limits/upload', headers: { 'content-type': 'application/octet-stream' }, body });
    expect([answer.status, JSON.parse(answer.body)]).toEqual([200, { length: body.byteLength }]);
  });

  it('maxDuration: none by default — a handler still running after 24 hours is not cut off', async () => {
    fakeTimers();
    const started = once(events, 'started');
    let settled = false;
    const answer = httpRequest(server.port, { path: '/limits/wait' }).finally(() => (settled = true));
    expect(await started).toEqual(['wait']);
    await jest.advanceTimersByTimeAsync(24 * 60 * 60 * 1000);
    await ioTurns();
    expect(settled).toBe(false);
    events.emit('release:wait');
    expect([(await answer).status, (await answer).body]).toEqual([200, 'released']);
    expect(errors).toEqual([]);
  });

  it('staticPageGenerationTimeout: 60 s by default — the waiting request gets a 500 at 60 s, not before', async () => {
    fakeTimers();
    const started = once(events, 'started');
    const answer = httpRequest(server.port, { path: '/limits/static-wait' });
    expect(await started).toEqual(['static-wait']);
    await jest.advanceTimersByTimeAsync(59_999);
    await ioTurns();
    expect(errors).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect((await answer).status).toBe(500);
    expect(errors.map(message)).toEqual([expect.stringContaining('did not finish within 60 s')]);
    events.emit('release:static-wait');
    const again = await httpRequest(server.port, { path: '/limits/static-wait' });
    expect([again.status, again.headers['x-nextjs-cache']]).toEqual([200, 'MISS']);
  });

  describe('the drain of unread request bodies (1 MiB)', () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    afterAll(() => agent.destroy());
    const unread = (body: Buffer, headers: http.OutgoingHttpHeaders = {}) =>
      httpRequest(server.port, { method: 'POST', path: '/limits/unread', headers: { 'content-type': 'application/octet-stream', ...headers }, body, agent });

    it('exactly 1 MiB unread: drained, the connection is kept and reused', async () => {
      const first = await unread(Buffer.alloc(1024 * 1024, 'x'));
      expect([first.status, first.headers.connection, first.body]).toEqual([200, 'keep-alive', 'not read']);
      const next = await httpRequest(server.port, { method: 'POST', path: '/limits/upload', body: 'ok', agent });
      expect([next.status, next.reusedSocket, next.localPort]).toEqual([200, true, first.localPort]);
    });

    it('1 MiB + 1 byte unread: Connection: close, and the next request takes a new connection', async () => {
      const first = await unread(Buffer.alloc(1024 * 1024 + 1, 'x'));
      expect([first.status, first.headers.connection]).toEqual([200, 'close']);
      const next = await httpRequest(server.port, { method: 'POST', path: '/limits/upload', body: 'ok', agent });
      expect([next.status, next.reusedSocket]).toEqual([200, false]);
    });

    it('a chunked body of unknown length: Connection: close', async () => {
      const first = await unread(Buffer.from('small'), { 'transfer-encoding': 'chunked' });
      expect([first.status, first.headers.connection]).toEqual([200, 'close']);
    });
  });
});
