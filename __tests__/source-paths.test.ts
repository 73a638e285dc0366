import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import request from 'supertest';
import { routeHandlers } from '../lib';
import { withLocationBindings } from '../lib/load/source-paths';
import { expressVersions } from './helpers/express';
import { fixtureApp, handlersFor, recordErrors } from './helpers/server';

const appDir = fixtureApp('source-paths');
const projectRoot = path.join(__dirname, '..');
const platformFetch = globalThis.fetch;
const cacheRoot = path.join(os.tmpdir(), `express-route-handlers-${process.getuid?.() ?? os.userInfo().username}`);
const ourCacheFolders = () => (existsSync(cacheRoot) ? readdirSync(cacheRoot).filter((name) => name.startsWith(`${process.pid}-`)) : []);

const binary = (req: request.Test) =>
  req.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });

describe.each(expressVersions)('route files reading their neighbours (%s)', (_name, express) => {
  const handlers = handlersFor('source-paths');
  const app = express();
  app.use(handlers);
  const errors = recordErrors(app);
  beforeAll(() => handlers.ready);
  beforeEach(() => errors.splice(0));

  it('readFileSync(new URL("./data.json", import.meta.url)) in an ESM route reads beside the source file', async () => {
    const response = await request(app).get('/esm-url');
    expect(errors).toEqual([]);
    const file = path.join(appDir, 'esm-url', 'route.js');
    expect(response.body).toEqual({ data: { from: 'esm-url' }, url: pathToFileURL(file).href, dirname: path.dirname(file), filename: file });
  });

  it('__dirname made from import.meta.url in an ESM file (path.dirname(fileURLToPath(…))) is the source folder', async () => {
    const response = await request(app).get('/esm-dirname');
    const file = path.join(appDir, 'esm-dirname', 'route.ts');
    expect(response.body).toEqual({ data: { from: 'esm-dirname' }, dirname: path.dirname(file), filename: file });
  });

  it('__dirname and __filename in a CommonJS route are the source file’s', async () => {
    const response = await request(app).get('/cjs-dirname');
    const file = path.join(appDir, 'cjs-dirname', 'route.js');
    expect(response.body).toEqual({ data: { from: 'cjs-dirname' }, dirname: path.dirname(file), filename: file });
  });

  it('a file with a hashbang and a directive prologue keeps both working, and its line numbers', async () => {
    const response = await request(app).get('/strict');
    expect(errors).toEqual([]);
    expect(response.body).toMatchObject({ data: { from: 'strict' }, strict: true });
    // `new Error()` is on line 12 of the source file.
    // (The tail of the path only: a symlinked node_modules makes source maps resolve from its real location.)
    expect(response.body.where).toContain(`${path.join('source-paths', 'app', 'strict', 'route.js')}:12:`);
  });

  it('a module in a subfolder imported by the route gets its own import.meta.url', async () => {
    const response = await request(app).get('/nested');
    expect(response.body).toEqual({
      route: pathToFileURL(path.join(appDir, 'nested', 'route.ts')).href,
      module: pathToFileURL(path.join(appDir, 'nested', 'lib', 'where.ts')).href,
      sibling: 'beside lib/where.ts',
    });
  });

  it('fetch(new URL("./font.bin", import.meta.url)) answers the file’s bytes (the OG font pattern)', async () => {
    const response = await binary(request(app).get('/font'));
    expect(errors).toEqual([]);
    expect(response.status).toBe(200);
    expect(Buffer.compare(response.body as Buffer, readFileSync(path.join(appDir, 'font', 'font.bin')))).toBe(0);
  });

  it('fetch(file:) of a file inside the project answers 200 with its text and URL', async () => {
    const file = path.join(appDir, 'nested', 'lib', 'sibling.txt');
    const response = await request(app).get('/file-fetch').query({ file });
    expect(response.body).toEqual({ status: 200, url: pathToFileURL(file).href, text: 'beside lib/where.ts' });
  });

  it('fetch(file:) outside the project, of a hidden file, or of a missing file, rejects as the platform fetch does', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'erh-outside-'));
    try {
      const secret = path.join(outside, 'secret.txt');
      writeFileSync(secret, 'not for routes');
      const rejected = await request(app).get('/file-fetch').query({ file: secret });
      expect(rejected.body.error).toMatchObject({ name: 'TypeError', message: 'fetch failed', isTypeError: true });
      expect(rejected.body.error.cause).toContain('is outside the project');
      expect(rejected.text).not.toContain('not for routes');
      // A link inside the project to a file outside it is outside too.
      const link = path.join(appDir, 'file-fetch', 'link-out.txt');
      symlinkSync(secret, link);
      try {
        const viaLink = await request(app).get('/file-fetch').query({ file: link });
        expect(viaLink.body.error.cause).toContain('is outside the project');
      } finally {
        rmSync(link, { force: true });
      }
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
    // Dot-files and dot-folders of the project (`.env`, `.git/`) are not for routes either.
    for (const hidden of [path.join(appDir, 'file-fetch', '.env'), path.join(appDir, 'file-fetch', '.private', 'token.txt')]) {
      const response = await request(app).get('/file-fetch').query({ file: hidden });
      expect(response.body.error).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
      expect(response.body.error.cause).toContain('is a hidden file of the project');
      expect(response.text).not.toContain('SECRET');
    }
    const missing = await request(app).get('/file-fetch').query({ file: path.join(appDir, 'file-fetch', 'missing.txt') });
    expect(missing.body).toEqual({ error: { name: 'TypeError', message: 'fetch failed', isTypeError: true, cause: 'ENOENT' } });
  });

  it('globalThis.fetch outside route code is untouched: still the platform’s, which refuses file: URLs', async () => {
    expect(globalThis.fetch).toBe(platformFetch);
    await expect(globalThis.fetch(pathToFileURL(path.join(appDir, 'nested', 'lib', 'sibling.txt')))).rejects.toThrow('fetch failed');
  });
});

describe('an app outside any package', () => {
  it('gets its compile cache in the system temporary directory, leaving no node_modules in the app', async () => {
    const project = mkdtempSync(path.join(os.tmpdir(), 'erh-no-package-'));
    try {
      mkdirSync(path.join(project, 'app', 'data'), { recursive: true });
      writeFileSync(path.join(project, 'app', 'data', 'data.json'), '{ "beside": true }');
      writeFileSync(
        path.join(project, 'app', 'data', 'route.js'),
        `import { readFileSync } from 'node:fs';\nexport function GET() {\n  return Response.json(JSON.parse(readFileSync(new URL('./data.json', import.meta.url), 'utf8')));\n}\n`,
      );
      const before = ourCacheFolders();
      const handlers = routeHandlers({ appDir: path.join(project, 'app'), logger: { warn: () => {} } });
      await handlers.ready;
      const made = ourCacheFolders().filter((name) => !before.includes(name));
      expect(made).toHaveLength(1);
      expect(existsSync(path.join(project, 'node_modules'))).toBe(false);
      expect(existsSync(path.join(project, 'app', 'node_modules'))).toBe(false);
      const app = expressVersions[0][1]();
      app.use(handlers);
      expect((await request(app).get('/data')).body).toEqual({ beside: true });
      await handlers.close();
      expect(ourCacheFolders()).toEqual(before);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it('does not compile into that folder when others may write to it, but into a fresh private one', async () => {
    mkdirSync(cacheRoot, { recursive: true });
    const project = mkdtempSync(path.join(os.tmpdir(), 'erh-no-package-'));
    const tmpBefore = new Set(readdirSync(os.tmpdir()));
    chmodSync(cacheRoot, 0o777);
    try {
      mkdirSync(path.join(project, 'app', 'a'), { recursive: true });
      writeFileSync(path.join(project, 'app', 'a', 'route.js'), 'export const GET = () => new Response("private");\n');
      const before = ourCacheFolders();
      const handlers = routeHandlers({ appDir: path.join(project, 'app'), logger: { warn: () => {} } });
      await handlers.ready;
      expect(ourCacheFolders()).toEqual(before);
      const fresh = readdirSync(os.tmpdir()).filter((name) => !tmpBefore.has(name) && name.startsWith('express-route-handlers-'));
      expect(fresh).toHaveLength(1);
      const privateRoot = path.join(os.tmpdir(), fresh[0]);
      expect(readdirSync(privateRoot).filter((name) => name.startsWith(`${process.pid}-`))).toHaveLength(1);
      const app = expressVersions[0][1]();
      app.use(handlers);
      expect((await request(app).get('/a')).text).toBe('private');
      await handlers.close();
      rmSync(privateRoot, { recursive: true, force: true });
    } finally {
      chmodSync(cacheRoot, 0o700);
      rmSync(project, { recursive: true, force: true });
    }
  });

  it('removes stale folders of processes that no longer run from that directory', async () => {
    mkdirSync(cacheRoot, { recursive: true });
    // No process runs with a pid this high (Linux caps pids at 2^22).
    const stale = path.join(cacheRoot, '99999999-deadbeef');
    mkdirSync(stale, { recursive: true });
    const project = mkdtempSync(path.join(os.tmpdir(), 'erh-no-package-'));
    try {
      mkdirSync(path.join(project, 'app', 'a'), { recursive: true });
      writeFileSync(path.join(project, 'app', 'a', 'route.js'), 'export const GET = () => new Response("a");\n');
      const handlers = routeHandlers({ appDir: path.join(project, 'app'), logger: { warn: () => {} } });
      await handlers.ready;
      await handlers.close();
      expect(existsSync(stale)).toBe(false);
    } finally {
      rmSync(project, { recursive: true, force: true });
      rmSync(stale, { recursive: true, force: true });
    }
  });
});

describe('the bindings a source file gets', () => {
  const file = path.join(projectRoot, 'app', 'x', 'route.js');
  const bindings = withLocationBindings('', file);

  it('come first on the first line, so every line keeps its number', () => {
    const text = `import a from 'a';\nconsole.log(__dirname);\n`;
    expect(withLocationBindings(text, file)).toBe(`${bindings}${text}`);
    expect(bindings).not.toContain('\n');
  });

  it('come after a hashbang line and the directive prologue', () => {
    expect(withLocationBindings(`#!/usr/bin/env node\n"use strict";\nx(__dirname);\n`, file)).toBe(`#!/usr/bin/env node\n"use strict";${bindings}\nx(__dirname);\n`);
    expect(withLocationBindings(`// c\n'use strict' // why\n/* x */ "use client"\nx(__dirname)`, file)).toBe(`// c\n'use strict' // why\n/* x */ "use client";${bindings}\nx(__dirname)`);
    // An expression starting with a string is no directive.
    expect(withLocationBindings(`'a' + __dirname;\n`, file)).toBe(`${bindings}'a' + __dirname;\n`);
  });
});
