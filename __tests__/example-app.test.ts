import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import type { RouteHandlersMiddleware } from '../lib';
import { pngSize } from './helpers/png';

// example-app/server.js as `npm start` runs it (it requires the built package), minus the listening:
// its metadata files must be served with the URLs, types and bytes its README promises.

const root = path.join(__dirname, '..');
const ORIGIN = 'https://shop.example';
const CACHE_CONTROL = 'public, max-age=0, must-revalidate';

const ROBOTS = `User-Agent: *
Allow: /
Disallow: /api/stats
Disallow: /api/session
Disallow: /api/preferences
Disallow: /api/go

Sitemap: ${ORIGIN}/sitemap.xml
`;


const savedEnv = { REDIS_URL: process.env.REDIS_URL, PUBLIC_ORIGIN: process.env.PUBLIC_ORIGIN };
// The request logger and the startup lines; kept to check which cache the app chose.
const log = jest.spyOn(console, 'log').mockImplementation(() => {});
let example: { app: Express; handlers: RouteHandlersMiddleware } | undefined;

function app(): Express {
  return example!.app;
}

beforeAll(async () => {
  if (!existsSync(path.join(root, 'dist', 'index.js'))) {
    throw new Error('dist/ is missing: example-app/server.js requires the built package. Run `npm run build` first (`npm test` does).');
  }
  // No Redis needed: without REDIS_URL the app caches in memory. PUBLIC_ORIGIN is read by app/_lib/site.ts.
  delete process.env.REDIS_URL;
  process.env.PUBLIC_ORIGIN = ORIGIN;
  example = require('../example-app/server') as typeof example;
  await example!.handlers.ready;
});

afterAll(async () => {
  await example?.handlers.close();
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  log.mockRestore();
});

test('without REDIS_URL the app caches in memory', () => {
  expect(log).toHaveBeenCalledWith(expect.stringContaining('Static-route cache: in memory'));
});

test('the route table lists the metadata routes as static, with the sitemap’s revalidate and the OG image’s alt', () => {
  const routes = example!.handlers.routes.filter((route) => !route.pattern.startsWith('/api/'));
  expect(routes.map(({ pattern, methods, rendering, revalidate, alt, file }) => ({ pattern, methods, rendering, revalidate, alt, file: path.relative(root, file) }))).toEqual([
    { pattern: '/icon', methods: ['GET'], rendering: 'static', revalidate: false, alt: undefined, file: path.join('example-app', 'app', 'icon.tsx') },
    { pattern: '/manifest.webmanifest', methods: ['GET'], rendering: 'static', revalidate: false, alt: undefined, file: path.join('example-app', 'app', 'manifest.ts') },
    {
      pattern: '/opengraph-image',
      methods: ['GET'],
      rendering: 'static',
      revalidate: false,
      alt: 'express-route-handlers example: Next.js route handlers inside an Express 4 app',
      file: path.join('example-app', 'app', 'opengraph-image.tsx'),
    },
    { pattern: '/robots.txt', methods: ['GET'], rendering: 'static', revalidate: false, alt: undefined, file: path.join('example-app', 'app', 'robots.ts') },
    { pattern: '/sitemap.xml', methods: ['GET'], rendering: 'static', revalidate: 3600, alt: undefined, file: path.join('example-app', 'app', 'sitemap.ts') },
  ]);
});

test('GET /robots.txt: text/plain, the exact text with the sitemap on PUBLIC_ORIGIN', async () => {
  const response = await request(app()).get('/robots.txt');
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toBe('text/plain');
  expect(response.headers['cache-control']).toBe(CACHE_CONTROL);
  expect(response.text).toBe(ROBOTS);
});

test('GET /sitemap.xml: application/xml from the store, cached without an s-maxage despite revalidate', async () => {
  const response = await request(app()).get('/sitemap.xml');
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toBe('application/xml');
  expect(response.headers['cache-control']).toBe(CACHE_CONTROL);
  expect(response.text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')).toBe(true);
  expect(response.text.endsWith('</urlset>\n')).toBe(true);
  const locs = [...response.text.matchAll(/<loc>([^<]*)<\/loc>/g)].map((match) => match[1]);
  // The eight users lib/store.js starts with; Ada (id 1) is an admin.
  expect(locs).toEqual([`${ORIGIN}/api/catalog`, `${ORIGIN}/api/users`, ...[1, 2, 3, 4, 5, 6, 7, 8].map((id) => `${ORIGIN}/api/users/${id}`)]);
  expect(response.text).toMatch(
    new RegExp(`<url>\\n<loc>${ORIGIN}/api/users/1</loc>\\n<lastmod>\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z</lastmod>\\n<changefreq>monthly</changefreq>\\n<priority>0\\.6</priority>\\n</url>`),
  );

  const again = await request(app()).get('/sitemap.xml');
  expect(again.headers['x-nextjs-cache']).toBe('HIT');
  expect(again.headers['cache-control']).toBe(CACHE_CONTROL);
  expect(again.text).toBe(response.text);
});

test('GET /manifest.webmanifest: the manifest as JSON, pointing at /icon', async () => {
  const response = await request(app()).get('/manifest.webmanifest');
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toBe('application/manifest+json');
  expect(response.headers['cache-control']).toBe(CACHE_CONTROL);
  expect(JSON.parse(response.text)).toEqual({
    name: 'express-route-handlers example',
    short_name: 'ERH example',
    description: 'Next.js App Router route handlers served by a legacy Express 4 app.',
    start_url: '/',
    display: 'standalone',
    background_color: '#0f172a',
    theme_color: '#0f766e',
    icons: [{ src: '/icon', sizes: '32x32', type: 'image/png' }],
  });
});

test.each([
  ['/icon', { width: 32, height: 32 }],
  ['/opengraph-image', { width: 1200, height: 630 }],
])('GET %s: a PNG of the exported size', async (url, size) => {
  const response = await request(app()).get(url);
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toBe('image/png');
  expect(response.headers['cache-control']).toBe(CACHE_CONTROL);
  expect(pngSize(response.body as Buffer)).toEqual(size);
});
