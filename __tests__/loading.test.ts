import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { RouteHandlerError, routeHandlers } from '../lib';
import { NextResponse } from '../lib/next/server';
import { expressVersions } from './helpers/express';
import { fixtureApp, fixtures, handlersFor, recordErrors } from './helpers/server';

// The same file the route files import (`../../shared/state.js`): one instance for both.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const state = require('./fixtures/loading/shared/state.js') as { visits: string[]; values: Record<string, { NextResponse: unknown; response: unknown }> };

const appDir = fixtureApp('loading');

// A real `next` package beside the routes must not be what `next/server` resolves to. node_modules
// is git-ignored, so the impostor is made here, before the handlers compile.
const installedNext = path.join(fixtures, 'loading', 'node_modules', 'next');
mkdirSync(installedNext, { recursive: true });
writeFileSync(path.join(installedNext, 'package.json'), JSON.stringify({ name: 'next', version: '16.4.6', main: 'server.js' }));
writeFileSync(path.join(installedNext, 'server.js'), 'exports.NextResponse = class InstalledNextResponse extends Response {};\n');
afterAll(() => rmSync(path.dirname(installedNext), { recursive: true, force: true }));
const root = path.join(__dirname, '..');
const run = promisify(execFile);

describe.each(expressVersions)('loading (%s)', (_name, express) => {
  const handlers = handlersFor('loading');
  const app = express();
  app.use(handlers);
  const errors = recordErrors(app);
  beforeAll(() => handlers.ready);
  beforeEach(() => {
    errors.splice(0);
    state.visits.splice(0);
    for (const key of Object.keys(state.values)) delete state.values[key];
  });

  const methodsOf = (pattern: string) => handlers.routes.find((route) => route.pattern === pattern)?.methods;

  it('loads a TypeScript route with an enum and type-only imports', async () => {
    const response = await request(app).get('/ts');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ color: 'green', language: 'ts', pathname: '/ts' });
  });

  it('loads a JavaScript ESM route', async () => {
    expect((await request(app).get('/esm')).body).toEqual({ language: 'js', format: 'esm' });
    expect((await request(app).post('/esm').send('body')).text).toBe('esm body');
    expect(methodsOf('/esm')).toEqual(['GET', 'POST']);
  });

  it('loads CommonJS routes (module.exports.GET, exports.GET, require("next/server"))', async () => {
    expect(methodsOf('/cjs')).toEqual(['GET']);
    expect(methodsOf('/cjs-exports')).toEqual(['GET', 'DELETE']);
    const cjs = await request(app).get('/cjs');
    expect(cjs.status).toBe(200);
    expect(cjs.body).toEqual({ language: 'js', format: 'cjs', visits: ['cjs'] });
    expect((await request(app).get('/cjs-exports')).body).toEqual({ format: 'cjs', via: 'exports.GET' });
    expect((await request(app).delete('/cjs-exports')).status).toBe(204);
    const notExported = await request(app).post('/cjs');
    expect(notExported.status).toBe(405);
    expect(notExported.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('loads a .tsx route with TS generics and no JSX runtime', async () => {
    expect((await request(app).get('/tsx')).body).toEqual({ first: 'tsx', picked: 2 });
  });

  it('supports top-level await (§8 item 37)', async () => {
    const response = await request(app).get('/tla');
    expect(response.status).toBe(200);
    expect(response.text).toBe('hello from top-level await');
  });

  it("NextResponse from 'next/server' is the library's class, even with the real next package installed", async () => {
    await request(app).get('/identity');
    const seen = state.values.fromNext;
    expect(seen.NextResponse).toBe(NextResponse);
    expect(seen.response).toBeInstanceOf(NextResponse);
  });

  it("NextResponse from 'express-route-handlers/server' is the same class", async () => {
    await request(app).get('/identity-package');
    const seen = state.values.fromPackage;
    expect(seen.NextResponse).toBe(NextResponse);
    expect(seen.response).toBeInstanceOf(NextResponse);
  });

  it('two route files importing the same TS module share one instance', async () => {
    const first = (await request(app).get('/counter-a')).body as { count: number; instanceId: string };
    const second = (await request(app).get('/counter-b')).body as { count: number; instanceId: string };
    const third = (await request(app).get('/counter-a')).body as { count: number; instanceId: string };
    expect(second).toEqual({ count: first.count + 1, instanceId: first.instanceId });
    expect(third).toEqual({ count: first.count + 2, instanceId: first.instanceId });
  });

  it('a CommonJS .js module outside appDir is the instance the Express app requires', async () => {
    state.visits.push('test file');
    const response = await request(app).get('/state');
    expect(response.body).toEqual({ visits: ['test file', 'state route'] });
    expect(state.visits).toEqual(['test file', 'state route']);
    // The CommonJS route require()s it: still the same object.
    expect((await request(app).get('/cjs')).body.visits).toEqual(['test file', 'state route', 'cjs']);
  });

  it('resolves tsconfig paths aliases from the fixture tsconfig.json', async () => {
    expect((await request(app).get('/alias')).body).toEqual({ text: 'hello alias via @/lib/greeting' });
  });

  it('a thrown error reaches Express naming the route file', async () => {
    const response = await request(app).get('/throws');
    expect(response.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RouteHandlerError);
    expect((errors[0] as Error).message).toBe(`Route handler '${appDir}/throws/route.ts' threw (method: GET, url: /throws): Error: thrown on purpose`);
  });

  it('a route file with a syntax error makes ready reject naming the file', async () => {
    const brokenApp = path.join(fixtures, 'loading', 'syntax-error', 'app');
    const broken = routeHandlers({ appDir: brokenApp });
    const error = await broken.ready.then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
    await broken.close();
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toContain(`${brokenApp}/broken/route.ts:2:`);
    expect(error!.message).toContain('Expected ")" but found ";"');
    expect(error!.message).not.toContain('fine/route.ts');
    expect(broken.routes).toEqual([]);
  });
});

/** Runs Node outside jest (real module loading, source maps) from the package root. */
async function node(args: string[]): Promise<string> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const { stdout } = await run(process.execPath, args, { cwd: root, env, timeout: 15000 });
  return stdout;
}

// Requires the built package (`npm test` builds it first) by its own name, as an app would.
const stackScript = `
const express = require('express');
const { routeHandlers } = require('express-route-handlers');
const { NextResponse } = require('express-route-handlers/server');
const state = require(process.argv[2]);
(async () => {
  const handlers = routeHandlers({ appDir: process.argv[1] });
  await handlers.ready;
  const app = express();
  app.use(handlers);
  let stack;
  app.use((error, _req, res, _next) => {
    stack = error.stack;
    res.status(500).end();
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = 'http://127.0.0.1:' + server.address().port;
  const status = (await fetch(base + '/throws')).status;
  state.visits.push('script');
  const visits = (await (await fetch(base + '/state')).json()).visits;
  await fetch(base + '/identity');
  const identity = state.values.fromNext.NextResponse === NextResponse && state.values.fromNext.response instanceof NextResponse;
  server.close();
  await handlers.close();
  process.stdout.write(JSON.stringify({ status, stack, visits, identity }));
})().catch((error) => {
  process.stdout.write(JSON.stringify({ failed: String(error && error.stack) }));
});
`;

describe('loading in a plain Node process', () => {
  it('stack traces point at the route .ts file and line; shared modules are one instance', async () => {
    const output = JSON.parse(await node(['-e', stackScript, appDir, path.join(fixtures, 'loading', 'shared', 'state.js')]));
    expect(output.failed).toBeUndefined();
    expect(output.status).toBe(500);
    expect(output.stack).toContain('RouteHandlerError: Route handler');
    expect(output.stack).toContain('caused by Error: thrown on purpose');
    expect(output.stack).toContain(`at GET (${appDir}/throws/route.ts:7:24)`);
    expect(output.visits).toEqual(['script', 'state route']);
    expect(output.identity).toBe(true);
  });

  it("loads with require('express-route-handlers')", async () => {
    const output = JSON.parse(
      await node([
        '-e',
        `const m = require('express-route-handlers'); process.stdout.write(JSON.stringify({ routeHandlers: typeof m.routeHandlers, formatRouteTable: typeof m.formatRouteTable, server: typeof require('express-route-handlers/server').NextResponse }));`,
      ]),
    );
    expect(output).toEqual({ routeHandlers: 'function', formatRouteTable: 'function', server: 'function' });
  });

  it("loads with await import('express-route-handlers'), as the same single copy", async () => {
    const output = JSON.parse(
      await node([
        '--input-type=module',
        '-e',
        `import { createRequire } from 'node:module';
const m = await import('express-route-handlers');
const cjs = createRequire(process.cwd() + '/')('express-route-handlers');
process.stdout.write(JSON.stringify({ routeHandlers: typeof m.routeHandlers, defaultExport: typeof m.default.routeHandlers, same: m.routeHandlers === cjs.routeHandlers }));`,
      ]),
    );
    expect(output).toEqual({ routeHandlers: 'function', defaultExport: 'function', same: true });
  });
});
