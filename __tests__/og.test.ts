import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { routeHandlers } from '../lib';
import { RouteHandlerError } from '../lib/dispatch/errors';
import { jsx } from '../lib/next/jsx-runtime';
import { ImageResponse } from '../lib/next/og';
import { expressVersions } from './helpers/express';
import { handlersFor, recordErrors } from './helpers/server';
import { pngSize } from './helpers/png';



describe.each(expressVersions)('next/og ImageResponse in route files (%s)', (_name, express) => {
  const handlers = handlersFor('og');
  const app = express();
  app.use(handlers);
  const errors = recordErrors(app);
  beforeAll(() => handlers.ready);
  beforeEach(() => errors.splice(0));

  it('renders JSX with a Fragment and a function component to a PNG of the asked size, with Next’s headers', async () => {
    const response = await request(app).get('/api/og');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('image/png');
    expect(response.headers['cache-control']).toBe('public, max-age=0, must-revalidate');
    expect(Buffer.isBuffer(response.body)).toBe(true);
    expect(pngSize(response.body)).toEqual({ width: 320, height: 200 });
    expect(errors).toEqual([]);
  });

  it('answers HEAD with the image headers and no body', async () => {
    const response = await request(app).head('/api/og');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('image/png');
    expect(response.headers['cache-control']).toBe('public, max-age=0, must-revalidate');
    expect(response.body).toEqual({});
  });

  it('takes status, statusText and headers from the options, its headers over the defaults', async () => {
    const response = await request(app).get('/api/og/custom');
    expect(response.status).toBe(201);
    // supertest's types leave out the underlying IncomingMessage it keeps as `res`.
    expect((response as unknown as { res: IncomingMessage }).res.statusMessage).toBe('Made');
    expect(response.headers['content-type']).toBe('image/png');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-extra']).toBe('1');
    expect(pngSize(response.body)).toEqual({ width: 64, height: 48 });
  });

  // An unhandled rejection would fail this test too: Jest 30 reports it as the running test's error.
  it('hands a render failure to Express’s error pipeline (500, no image headers), and keeps serving', async () => {
    const response = await request(app).get('/api/og/broken');
    expect(response.status).toBe(500);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['cache-control']).toBeUndefined();
    expect(errors).toHaveLength(1);
    const error = errors[0] as RouteHandlerError;
    expect(error).toBeInstanceOf(RouteHandlerError);
    expect((error.cause as Error).message).toBe('Expected <div> to have explicit "display: flex", "display: contents", or "display: none" if it has more than one child node.');
    expect(response.body).toEqual({ error: error.message });

    const next = await request(app).get('/api/og');
    expect(next.status).toBe(200);
    expect(pngSize(next.body)).toEqual({ width: 320, height: 200 });
  });

  it('ImageResponse from next/server throws Next’s “moved to next/og” error', async () => {
    const response = await request(app).get('/api/og/moved');
    expect(response.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect(((errors[0] as RouteHandlerError).cause as Error).message).toBe(
      'ImageResponse moved from "next/server" to "next/og" since Next.js 14, please import from "next/og" instead',
    );
  });

  it('compiles JSX without React installed into React-shaped elements', async () => {
    const response = await request(app).get('/api/og/element');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      element: { type: 'ul', key: 'list', props: { id: 'x', children: [{ key: null, props: { name: 'a' } }, 'b'] } },
      elementType: 'Symbol(react.transitional.element)',
      component: true,
      fragmentType: 'Symbol(react.fragment)',
    });
  });
});

describe('ImageResponse', () => {
  it('is built at once with its headers and status; the body is the rendered PNG', async () => {
    const image = new ImageResponse(jsx('div', { children: 'x' }), {
      width: 30,
      height: 20,
      status: 202,
      headers: new Headers([['Content-Type', 'image/x-test'], ['Vary', 'Accept']]),
    });
    expect(image).toBeInstanceOf(Response);
    expect(image.status).toBe(202);
    expect([...image.headers]).toEqual([
      ['cache-control', 'public, max-age=0, must-revalidate'],
      ['content-type', 'image/x-test'],
      ['vary', 'Accept'],
    ]);
    expect(pngSize(Buffer.from(await image.arrayBuffer()))).toEqual({ width: 30, height: 20 });
  });

  it('a render failure rejects the read', async () => {
    const element = jsx('div', { children: [jsx('span', { children: 'a' }), jsx('span', { children: 'b' })] });
    await expect(new ImageResponse(element).arrayBuffer()).rejects.toThrow('Expected <div> to have explicit "display: flex"');
  });
});

describe.each(expressVersions)('JSX in route files with React installed (%s)', (_name, express) => {
  // A stand-in `react` whose runtime marks its elements: the route file must use it, not ours.
  const project = mkdtempSync(path.join(os.tmpdir(), 'erh-og-react-'));
  writeFileSync(path.join(project, 'package.json'), '{ "private": true }\n');
  mkdirSync(path.join(project, 'node_modules', 'react'), { recursive: true });
  writeFileSync(path.join(project, 'node_modules', 'react', 'package.json'), '{ "name": "react", "version": "19.0.0" }\n');
  writeFileSync(
    path.join(project, 'node_modules', 'react', 'jsx-runtime.js'),
    `exports.Fragment = 'installed-fragment';
exports.jsx = (type, props, key) => ({ installed: true, type, props, key });
exports.jsxs = exports.jsx;
`,
  );
  mkdirSync(path.join(project, 'app', 'jsx'), { recursive: true });
  writeFileSync(path.join(project, 'app', 'jsx', 'route.tsx'), `export function GET() {\n  return Response.json(<p key="k">hi</p>);\n}\n`);
  const handlers = routeHandlers({ appDir: path.join(project, 'app'), logger: { warn: () => {} } });
  const app = express();
  app.use(handlers);

  beforeAll(() => handlers.ready);
  afterAll(async () => {
    await handlers.close();
    rmSync(project, { recursive: true, force: true });
  });

  it('leaves react/jsx-runtime to the installed React', async () => {
    const response = await request(app).get('/jsx');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ installed: true, type: 'p', props: { children: 'hi' }, key: 'k' });
  });
});

describe('loading @vercel/og', () => {
  /** Runs `script` in a fresh Node with ESM loader debugging on; its stderr names every ES module loaded. */
  function run(script: string): Promise<{ stdout: string; loadedOg: boolean }> {
    const root = path.join(__dirname, '..');
    return new Promise((resolve, reject) => {
      execFile(process.execPath, ['-e', script], { cwd: root, env: { ...process.env, NODE_DEBUG: 'esm' }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
        error
          ? reject(new Error(`${error.message}\n${stderr.slice(-2000)}\n(dist/ must be built: npm run build)`))
          : resolve({ stdout, loadedOg: stderr.includes('/node_modules/@vercel/og/') }),
      );
    });
  }
  const construct = `require('./dist/index.js');
const { ImageResponse } = require('./dist/next/og.js');
const image = new ImageResponse({ type: 'div', props: { children: 'x' } }, { width: 16, height: 8 });`;

  it('requiring the package and constructing an ImageResponse does not load it (the process runs to its end)', async () => {
    expect(await run(construct)).toEqual({ stdout: '', loadedOg: false });
  });

  it('reading the body loads it and renders', async () => {
    const { stdout, loadedOg } = await run(`${construct}
image.arrayBuffer().then((bytes) => process.stdout.write(JSON.stringify([Buffer.from(bytes).readUInt32BE(16), Buffer.from(bytes).readUInt32BE(20)])));`);
    expect(loadedOg).toBe(true);
    expect(JSON.parse(stdout)).toEqual([16, 8]);
  });
});
