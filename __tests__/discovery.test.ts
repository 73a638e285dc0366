import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { routeHandlers, type RouteHandlersMiddleware, type RouteHandlersOptions } from '../lib';
import { expressVersions, type Express } from './helpers/express';
import { fixtureApp, fixtures, handlersFor, recordErrors } from './helpers/server';

const conflictsDir = path.join(fixtures, 'conflicts');
const conflictApp = (name: string): string => path.join(conflictsDir, name, 'app');

/** Starts the middleware on a fixture expected to fail and returns what `ready` rejected with. */
async function startupError(appDir: string, options: Partial<RouteHandlersOptions> = {}): Promise<Error> {
  const handlers = routeHandlers({ appDir, ...options });
  try {
    await handlers.ready;
  } catch (error) {
    expect(handlers.routes).toEqual([]);
    return error as Error;
  } finally {
    await handlers.close();
  }
  throw new Error(`ready resolved for ${appDir}`);
}

/**
 * Each broken fixture: Next.js's own message, and the files (relative to its app folder) the
 * error must name with absolute paths.
 */
const brokenApps: [string, string, string[]][] = [
  // §1.5 conflicts
  ['page-route', 'Conflicting route and page at /: route at /route and page at /page', ['route.ts', 'page.tsx']],
  ['page-route-group', 'Conflicting route and page at /y: route at /(a)/y/route and page at /y/page', ['(a)/y/route.ts', 'y/page.tsx']],
  ['two-groups', 'Conflicting routes at /x: route at /(b)/x/route and route at /(a)/x/route', ['(a)/x/route.ts', '(b)/x/route.ts']],
  [
    'optional-twin',
    'You cannot define a route with the same specificity as an optional catch-all route ("/api" and "/api/[[...a]]").',
    ['api/route.ts', 'api/[[...a]]/route.ts'],
  ],
  ['slug-names', "You cannot use different slug names for the same dynamic path ('id' !== 'slug').", ['api/[id]/route.ts', 'api/[slug]/other/route.ts']],
  ['page-slug', "You cannot use different slug names for the same dynamic path ('id' !== 'slug').", ['[id]/page.tsx', '[slug]/x/route.ts']],
  [
    'catch-all-twins',
    'You cannot use both an required and optional catch-all route at the same level ("[...a]" and "[[...b]]" ).',
    ['api/[...a]/route.ts', 'api/[[...b]]/route.ts'],
  ],
  // §1.2 segment names
  ['three-dot', "Detected a three-dot character ('…') at ('…x'). Did you mean ('...')?", ['api/[…x]/route.ts']],
  ['extra-brackets', "Segment names may not start or end with extra brackets ('[...x').", ['api/[[...x]/route.ts']],
  ['erroneous-period', "Segment names may not start with erroneous periods ('.id').", ['api/[....id]/route.ts']],
  ['optional-param', 'Optional route parameters are not yet supported ("[[x]]").', ['api/[[x]]/route.ts']],
  ['same-slug', 'You cannot have the same slug name "id" repeat within a single dynamic path', ['api/[id]/x/[id]/route.ts']],
  [
    'non-word-slugs',
    'You cannot have the slug names "a-b" and "ab" differ only by non-word symbols within a single dynamic path',
    ['api/[a-b]/[ab]/route.ts'],
  ],
  ['catch-all-not-last', 'Catch-all must be the last part of the URL.', ['api/[...rest]/x/route.ts']],
];

// Installed packages are never route files. node_modules is git-ignored, so this one is made here:
// both files would fail startup if they were read (a malformed segment name, a syntax error).
const discoveryApp = fixtureApp('discovery');
const nodeModules = path.join(discoveryApp, 'node_modules');
mkdirSync(path.join(nodeModules, 'pkg', '[…x]'), { recursive: true });
writeFileSync(path.join(nodeModules, 'pkg', '[…x]', 'route.ts'), 'export function GET() { return new Response("node_modules"); }\n');
writeFileSync(path.join(nodeModules, 'pkg', 'route.ts'), 'export function GET( {\n');
afterAll(() => rmSync(nodeModules, { recursive: true, force: true }));

describe.each(expressVersions)('discovery (%s)', (_name, express) => {
  describe('startup problems make ready reject, with Next.js wording and the files', () => {
    it.each(brokenApps)('%s', async (fixture, message, files) => {
      const error = await startupError(conflictApp(fixture));
      expect(error.name).toBe('RouteConflictError');
      expect(error.message).toContain('express-route-handlers: the app directory has 1 routing problem(s):');
      expect(error.message).toContain(message);
      for (const file of files) expect(error.message).toContain(path.join(conflictApp(fixture), file));
    });

    it('lists every problem of one app in one error', async () => {
      const app = conflictApp('several');
      const error = await startupError(app);
      expect(error.message).toBe(
        [
          'express-route-handlers: the app directory has 5 routing problem(s):',
          `  - Detected a three-dot character ('…') at ('…x'). Did you mean ('...')? (${app}/a/[…x]/route.ts)`,
          `  - Optional route parameters are not yet supported ("[[x]]"). (${app}/b/[[x]]/route.ts)`,
          `  - Conflicting route and page at /: route at /route and page at /page (${app}/route.ts, ${app}/page.tsx)`,
          `  - Conflicting routes at /dup: route at /(two)/dup/route and route at /(one)/dup/route (${app}/(one)/dup/route.ts, ${app}/(two)/dup/route.ts)`,
          `  - You cannot use different slug names for the same dynamic path ('id' !== 'key'). (${app}/c/[id]/route.ts, ${app}/c/[key]/route.ts)`,
        ].join('\n'),
      );
    });

    it('a missing appDir rejects naming it', async () => {
      const missing = path.join(fixtures, 'discovery', 'no-such-app');
      expect((await startupError(missing)).message).toBe(`express-route-handlers: appDir ${missing} is not a directory`);
      const relative = await startupError('no-such-app-dir');
      expect(relative.message).toBe(`express-route-handlers: appDir ${path.resolve('no-such-app-dir')} is not a directory`);
      const file = path.join(discoveryApp, 'ts-route', 'route.ts');
      expect((await startupError(file)).message).toBe(`express-route-handlers: appDir ${file} is not a directory`);
    });
  });

  describe('requests and startup', () => {
    /** Creates the middleware when the first request arrives, so that request surely precedes `ready`. */
    function lazilyStarted(appDir: string): { app: Express; errors: unknown[]; seen: { settled: boolean; routes: number }[]; handlers: () => RouteHandlersMiddleware } {
      const app = express();
      const seen: { settled: boolean; routes: number }[] = [];
      let handlers: RouteHandlersMiddleware | undefined;
      let settled = false;
      app.use((req, res, next) => {
        if (!handlers) {
          handlers = routeHandlers({ appDir });
          handlers.ready.then(
            () => (settled = true),
            () => (settled = true),
          );
        }
        seen.push({ settled, routes: handlers.routes.length });
        handlers(req, res, next);
      });
      app.use((_req, res) => {
        res.status(404).send('fallback');
      });
      const errors = recordErrors(app);
      afterAll(() => handlers?.close());
      return { app, errors, seen, handlers: () => handlers! };
    }

    const waiting = lazilyStarted(discoveryApp);

    it('requests that arrive before ready wait for it', async () => {
      const pending = Promise.all([request(waiting.app).get('/ts-route'), request(waiting.app).get('/js-route'), request(waiting.app).get('/nope')]);
      const [ts, js, miss] = await pending;
      expect(waiting.seen[0]).toEqual({ settled: false, routes: 0 });
      expect([ts.status, ts.text]).toEqual([200, 'ts']);
      expect([js.status, js.text]).toEqual([200, 'js']);
      expect([miss.status, miss.text]).toEqual([404, 'fallback']);
      expect(waiting.errors).toEqual([]);
      await expect(waiting.handlers().ready).resolves.toBeUndefined();
    });

    const failing = lazilyStarted(conflictApp('two-groups'));

    it('a failed startup sends waiting and later requests to next(err) with the startup error', async () => {
      const early = await request(failing.app).get('/x');
      expect(failing.seen[0]).toEqual({ settled: false, routes: 0 });
      const startup = await failing.handlers().ready.catch((error: unknown) => error);
      expect((startup as Error).message).toContain('Conflicting routes at /x');
      expect(early.status).toBe(500);
      expect(early.body).toEqual({ error: (startup as Error).message });
      const later = await request(failing.app).get('/anything');
      expect(later.status).toBe(500);
      expect(failing.errors).toHaveLength(2);
      expect(failing.errors[0]).toBe(startup);
      expect(failing.errors[1]).toBe(startup);
    });
  });

  describe('which files are route files', () => {
    const byDefault = handlersFor('discovery');
    const tsOnly = handlersFor('discovery', { pageExtensions: ['ts'] });
    const dotted = handlersFor('discovery', { pageExtensions: ['api.ts'] });
    const app = express();
    app.use('/default', byDefault);
    app.use('/ts', tsOnly);
    app.use('/dotted', dotted);
    app.use((_req, res) => {
      res.status(404).send('fallback');
    });
    const errors = recordErrors(app);
    beforeAll(() => Promise.all([byDefault.ready, tsOnly.ready, dotted.ready]));
    afterEach(() => expect(errors).toEqual([]));

    it('takes route.tsx, .ts, .jsx and .js by default, never .mjs or .cjs', async () => {
      expect(byDefault.routes.map((route) => route.pattern)).toEqual(['/js-route', '/jsx-route', '/ts-route', '/tsx-route']);
      expect(byDefault.routes.map((route) => route.file)).toEqual(
        ['js-route/route.js', 'jsx-route/route.jsx', 'ts-route/route.ts', 'tsx-route/route.tsx'].map((file) => path.join(discoveryApp, file)),
      );
      for (const name of ['ts', 'tsx', 'js', 'jsx']) {
        const response = await request(app).get(`/default/${name}-route`);
        expect([response.status, response.text]).toEqual([200, name]);
      }
      for (const name of ['mjs', 'cjs']) {
        const response = await request(app).get(`/default/${name}-route`);
        expect([response.status, response.text]).toEqual([404, 'fallback']);
      }
    });

    it('pageExtensions replaces the set', async () => {
      expect(tsOnly.routes.map((route) => route.pattern)).toEqual(['/ts-route']);
      expect((await request(app).get('/ts/ts-route')).text).toBe('ts');
      expect((await request(app).get('/ts/js-route')).text).toBe('fallback');
      expect((await request(app).get('/ts/tsx-route')).text).toBe('fallback');
    });

    it('an extension with a dot of its own (route.api.ts) is a route, not a page', async () => {
      expect(dotted.routes).toEqual([{ pattern: '/custom', file: path.join(discoveryApp, 'custom/route.api.ts'), methods: ['GET'], rendering: 'dynamic' }]);
      expect((await request(app).get('/dotted/custom')).text).toBe('api.ts');
      expect((await request(app).get('/dotted/ts-route')).text).toBe('fallback');
    });

    it('ignores node_modules inside the app directory, and everything below a _private folder', async () => {
      expect(byDefault.routes.some((route) => route.file.includes('node_modules') || route.file.includes('_drafts'))).toBe(false);
      expect((await request(app).get('/default/node_modules/pkg')).text).toBe('fallback');
    });
  });
});
