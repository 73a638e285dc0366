import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { routeHandlers } from '../lib';
import { expressVersions } from './helpers/express';
import { fixtureApp } from './helpers/server';

const opened: ReturnType<typeof routeHandlers>[] = [];
afterEach(() => Promise.all(opened.splice(0).map((handlers) => handlers.close())));

function handlersFor(name: string, options: Parameters<typeof routeHandlers>[0] extends infer O ? Partial<O> : never = {}) {
  const handlers = routeHandlers({ appDir: fixtureApp(name), logger: { warn: () => {} }, ...options });
  opened.push(handlers);
  return handlers;
}

describe.each(expressVersions)('metadata routes at startup (%s)', (_name, express) => {
  it('lets a hand-written app/robots.txt/route.ts win over robots.ts, with a warning', async () => {
    const warn = jest.fn();
    const handlers = handlersFor('metadata-override', { logger: { warn } });
    const app = express().use(handlers);
    await handlers.ready;
    const response = await request(app).get('/robots.txt');
    expect(response.status).toBe(200);
    expect(response.text).toBe('User-Agent: *\nDisallow: /hand-written\n');
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(`${path.join(fixtureApp('metadata-override'), 'robots.ts')} is not served`));
  });

  it('serves static robots.txt, manifest.json and a nested sitemap.xml byte for byte with their types', async () => {
    const handlers = handlersFor('metadata-static');
    const app = express().use(handlers);
    await handlers.ready;
    const expected: [string, string, string][] = [
      ['/robots.txt', 'text/plain', 'User-Agent: *\nDisallow: /admin\n'],
      ['/manifest.json', 'application/manifest+json', '{"name":"Static"}\n'],
      ['/docs/sitemap.xml', 'application/xml', '<?xml version="1.0" encoding="UTF-8"?>\n<urlset/>\n'],
    ];
    for (const [url, type, body] of expected) {
      const response = await request(app).get(url).buffer(true).parse((res, done) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => done(null, text));
      });
      expect([url, response.status, response.headers['content-type'], response.headers['cache-control'], response.body]).toEqual([url, 200, type, 'public, max-age=0, must-revalidate', body]);
    }
    expect((await request(app).get('/manifest.webmanifest')).status).toBe(404);
  });

  it('fails ready when a static and a code form give the same URL, naming both files', async () => {
    const handlers = handlersFor('metadata-conflict');
    const failure = await handlers.ready.then(() => undefined, (error: Error) => error);
    const appDir = fixtureApp('metadata-conflict');
    expect(failure?.message).toContain('Conflicting routes at /robots.txt');
    for (const file of ['robots.txt', 'robots.ts', 'blog/sitemap.xml', 'blog/sitemap.ts']) expect(failure?.message).toContain(path.join(appDir, file));
    const app = express().use(handlers);
    expect((await request(app).get('/robots.txt')).status).toBe(500);
  });

  it('fails ready for a code metadata file without a default export, with Next message', async () => {
    const handlers = handlersFor('metadata-missing-default');
    await expect(handlers.ready).rejects.toThrow(`Default export is missing in "${path.join(fixtureApp('metadata-missing-default'), 'sitemap.ts')}"`);
  });
});

describe('metadata image size limits', () => {
  let appDir: string;
  beforeEach(() => {
    appDir = mkdtempSync(path.join(os.tmpdir(), 'erh-metadata-'));
  });
  afterEach(() => rmSync(appDir, { recursive: true, force: true }));

  it('refuses an Open Graph image above 8 MB and a Twitter image above 5 MB, as next build does', async () => {
    writeFileSync(path.join(appDir, 'opengraph-image.png'), Buffer.alloc(8 * 1024 * 1024 + 1));
    const og = routeHandlers({ appDir, logger: { warn: () => {} } });
    await expect(og.ready).rejects.toThrow(`File size for Open Graph image "${path.join(appDir, 'opengraph-image.png')}" exceeds 8MB. (Current: 8.00MB)`);
    await og.close();
    rmSync(path.join(appDir, 'opengraph-image.png'));
    mkdirSync(path.join(appDir, 'big'));
    writeFileSync(path.join(appDir, 'big', 'twitter-image.jpg'), Buffer.alloc(6 * 1024 * 1024));
    const twitter = routeHandlers({ appDir, logger: { warn: () => {} } });
    await expect(twitter.ready).rejects.toThrow(`File size for Twitter image "${path.join(appDir, 'big', 'twitter-image.jpg')}" exceeds 5MB. (Current: 6.00MB)`);
    await twitter.close();
  });

  it('accepts images at the limit', async () => {
    writeFileSync(path.join(appDir, 'twitter-image.png'), Buffer.alloc(5 * 1024 * 1024));
    const handlers = routeHandlers({ appDir, logger: { warn: () => {} } });
    await handlers.ready;
    expect(handlers.routes.map((route) => route.pattern)).toEqual(['/twitter-image.png']);
    await handlers.close();
  });
});
