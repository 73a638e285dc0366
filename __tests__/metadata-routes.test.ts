import request from 'supertest';
import { expressVersions } from './helpers/express';
import { httpRequest } from './helpers/http';
import { pngSize } from './helpers/png';
import { fixtureApp, handlersFor, recordErrors, serve } from './helpers/server';

const CACHE_CONTROL = 'public, max-age=0, must-revalidate';

// Bodies as `next start` (16.4.6) serves them for the same files.
const ROBOTS = `User-Agent: *
Allow: /
Disallow: /private/
Disallow: /tmp
Crawl-delay: 2

User-Agent: Googlebot
User-Agent: Bingbot
Disallow: /

Host: https://acme.com
Sitemap: https://acme.com/sitemap.xml
Sitemap: https://acme.com/s2.xml
`;

const SITEMAP_HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1" xmlns:video="http://www.google.com/schemas/sitemap-video/1.1" xmlns:xhtml="http://www.w3.org/1999/xhtml">
<url>
<loc>https://acme.com</loc>
<lastmod>2024-01-01</lastmod>
<changefreq>yearly</changefreq>
<priority>0.5</priority>
</url>
<url>
<loc>https://acme.com/about?a=1&b=2</loc>
<xhtml:link rel="alternate" hreflang="es" href="https://acme.com/es/about" />
<xhtml:link rel="alternate" hreflang="de" href="https://acme.com/de/about" />
<image:image>
<image:loc>https://acme.com/i.png</image:loc>
</image:image>
<video:video>
<video:title>T<&></video:title>
<video:thumbnail_loc>https://acme.com/t.png</video:thumbnail_loc>
<video:description>D</video:description>
<video:content_loc>https://acme.com/v.mp4</video:content_loc>
<video:duration>60</video:duration>
<video:view_count>5</video:view_count>
<video:tag>x</video:tag>
<video:rating>4.5</video:rating>
<video:family_friendly>yes</video:family_friendly>
<video:live>no</video:live>
<video:restriction relationship="allow">IE GB</video:restriction>
<video:platform relationship="deny">tv</video:platform>
<video:uploader info="https://acme.com/u">Me</video:uploader>
</video:video>
<lastmod>2024-02-03T04:05:06.000Z</lastmod>
</url>
`;

const gspSitemap = (id: string) => `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url>
<loc>https://acme.com/gsp/${id}</loc>
<lastmod>2024-01-01</lastmod>
</url>
<url>
<loc>https://acme.com/typeof/string/sync/${id}</loc>
</url>
</urlset>
`;

const binary = (req: request.Test) =>
  req.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });

describe.each(expressVersions)('metadata routes (%s)', (_name, express) => {
  const warn = jest.fn();
  const handlers = handlersFor('metadata', { logger: { warn } });
  const app = express();
  app.use(handlers);
  const errors = recordErrors(app);
  const server = serve(app);
  beforeAll(() => handlers.ready);
  afterEach(() => errors.splice(0));

  it('serves robots.ts as Next does: text/plain, its Cache-Control, exact text, cached', async () => {
    const first = await request(app).get('/robots.txt');
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('text/plain');
    expect(first.headers['cache-control']).toBe(CACHE_CONTROL);
    expect(first.text).toBe(ROBOTS);
    expect(first.headers['content-length']).toBe(String(Buffer.byteLength(ROBOTS)));
    const second = await request(app).get('/robots.txt');
    expect(second.headers['x-nextjs-cache']).toBe('HIT');
    expect(second.headers['cache-control']).toBe(CACHE_CONTROL);
    const conditional = await httpRequest(server.port, { path: '/robots.txt', headers: { 'if-none-match': second.headers.etag } });
    expect(conditional.status).toBe(304);
    expect(conditional.headers['cache-control']).toBe(CACHE_CONTROL);
  });

  it('serves sitemap.ts with namespaces, alternates, images, videos in Next order, raw values, generated once', async () => {
    const first = await request(app).get('/sitemap.xml');
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('application/xml');
    expect(first.headers['cache-control']).toBe(CACHE_CONTROL);
    expect(first.text).toBe(`${SITEMAP_HEAD}<url>\n<loc>https://acme.com/generated/1</loc>\n</url>\n</urlset>\n`);
    const second = await request(app).get('/sitemap.xml');
    expect(second.text).toBe(first.text);
    expect(second.headers['x-nextjs-cache']).toBe('HIT');
  });

  it('serves manifest.ts at /manifest.webmanifest as compact JSON', async () => {
    const response = await request(app).get('/manifest.webmanifest');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/manifest+json');
    expect(response.headers['cache-control']).toBe(CACHE_CONTROL);
    expect(response.text).toBe('{"name":"Acme","short_name":"Acme","start_url":"/","display":"standalone","icons":[{"src":"/icon","sizes":"32x32","type":"image/png"}]}');
    expect((await request(app).get('/manifest.json')).status).toBe(404);
  });

  it('serves generateSitemaps ids only at /<seg>/sitemap/<id>.xml, with the id as a Promise usable as a string', async () => {
    for (const id of ['0', '1']) {
      const response = await request(app).get(`/gsp/sitemap/${id}.xml`);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/xml');
      expect(response.headers['cache-control']).toBe(CACHE_CONTROL);
      expect(response.text).toBe(gspSitemap(id));
    }
    for (const path of ['/gsp/sitemap/0', '/gsp/sitemap/9.xml']) {
      const missing = await request(app).get(path);
      expect(missing.status).toBe(404);
      expect(missing.text).toBe('Not Found');
      expect(missing.headers['content-type']).toBe('text/plain;charset=UTF-8');
      expect(missing.headers['cache-control']).toBe('s-maxage=31536000');
    }
    // No sitemap.xml of its own: the rest of the Express app answers.
    expect((await request(app).get('/gsp/sitemap.xml')).status).toBe(404);
    expect(errors).toEqual([]);
  });

  it('serves generateImageMetadata ids at /<seg>/icon/<id> with id and params Promises; unknown ids are 404', async () => {
    const small = await binary(request(app).get('/multi/icon/small'));
    expect(small.status).toBe(200);
    expect(String(small.body)).toBe('icon small:string:{}');
    expect(String((await binary(request(app).get('/multi/icon/2'))).body)).toBe('icon 2:string:{}');
    const missing = await request(app).get('/multi/icon/nope');
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('Not Found');
    expect((await request(app).get('/multi/icon')).status).toBe(404);
  });

  it('serves code icons without an extension and returns their Response unchanged', async () => {
    const icon = await binary(request(app).get('/icon'));
    expect(icon.status).toBe(200);
    expect(icon.headers['content-type']).toBe('image/png');
    expect(icon.headers['cache-control']).toBe(CACHE_CONTROL);
    expect((icon.body as Buffer).toString()).toBe('root icon');
    const apple = await binary(request(app).get('/apple-icon'));
    expect((apple.body as Buffer).toString()).toBe('apple icon');
    expect(apple.headers['content-type']).toBe('image/png');
  });

  it('renders an ImageResponse from a code opengraph-image.tsx (JSX) to a PNG of its size, then serves it cached', async () => {
    const first = await binary(request(app).get('/og/opengraph-image'));
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('image/png');
    expect(first.headers['cache-control']).toBe(CACHE_CONTROL);
    const png = first.body as Buffer;
    expect(pngSize(png)).toEqual({ width: 240, height: 126 });
    expect(first.headers['content-length']).toBe(String(png.byteLength));
    const second = await binary(request(app).get('/og/opengraph-image'));
    expect(second.headers['x-nextjs-cache']).toBe('HIT');
    expect(Buffer.compare(second.body as Buffer, png)).toBe(0);
    expect(handlers.routes.find((route) => route.pattern === '/og/opengraph-image')).toMatchObject({ rendering: 'static', alt: 'Rendered card' });
  });

  it('serves icon, apple-icon, opengraph-image and twitter-image code files as image/png with Next Cache-Control', async () => {
    for (const name of ['icon', 'apple-icon', 'opengraph-image', 'twitter-image']) {
      const response = await binary(request(app).get(`/social/${name}`));
      expect([name, response.status, response.headers['content-type'], response.headers['cache-control']]).toEqual([name, 200, 'image/png', CACHE_CONTROL]);
      expect(pngSize(response.body as Buffer)).toEqual({ width: 48, height: 24 });
    }
  });

  it('adds the group suffix to image routes below a route group, never showing the group', async () => {
    const grouped = await binary(request(app).get('/opengraph-image-1ow20b'));
    expect(grouped.status).toBe(200);
    expect((grouped.body as Buffer).toString()).toBe('grouped og {}');
    expect((await request(app).get('/opengraph-image')).status).toBe(404);
    expect((await binary(request(app).get('/icon1-35z9ha.png'))).status).toBe(200);
    expect((await request(app).get('/icon1.png')).status).toBe(404);
    expect((await binary(request(app).get('/deep/apple-icon-18u8pw.png'))).status).toBe(200);
  });

  it('serves static metadata files with their type, Next Cache-Control, ETag and 304', async () => {
    const files: [string, string, string][] = [
      ['/favicon.ico', 'image/x-icon', 'favicon.ico'],
      ['/static-og/icon.svg', 'image/svg+xml', 'static-og/icon.svg'],
      ['/static-og/opengraph-image.png', 'image/png', 'static-og/opengraph-image.png'],
      ['/static-og/opengraph-image.gif', 'image/gif', 'static-og/opengraph-image.gif'],
      ['/icon1-35z9ha.png', 'image/png', '(g2)/icon1.png'],
      ['/nested/deeper/sitemap.xml', 'application/xml', 'nested/deeper/sitemap.xml'],
    ];
    const { readFileSync } = await import('node:fs');
    const path = await import('node:path');
    for (const [url, type, file] of files) {
      const response = await binary(request(app).get(url));
      expect([url, response.status, response.headers['content-type'], response.headers['cache-control']]).toEqual([url, 200, type, CACHE_CONTROL]);
      expect(Buffer.compare(response.body as Buffer, readFileSync(path.join(fixtureApp('metadata'), file)))).toBe(0);
      const notModified = await httpRequest(server.port, { path: url, headers: { 'if-none-match': response.headers.etag } });
      expect(notModified.status).toBe(304);
    }
    // The alternative text is not a route (as in Next), but the route table carries it.
    expect((await request(app).get('/static-og/opengraph-image.alt.txt')).status).toBe(404);
    expect(handlers.routes.find((route) => route.pattern === '/static-og/opengraph-image.png')?.alt).toBe('Alt text here');
    expect(handlers.routes.find((route) => route.pattern === '/opengraph-image-1ow20b')?.alt).toBe('About Acme');
  });

  it('serves images in dynamic segments for any param value, uncached, with params', async () => {
    const og = await binary(request(app).get('/blog/hello/opengraph-image'));
    expect(og.status).toBe(200);
    expect(og.headers['x-slug']).toBe('hello');
    expect(og.headers['x-nextjs-cache']).toBeUndefined();
    const twitter = await binary(request(app).get('/blog/anything/twitter-image.png'));
    expect(twitter.status).toBe(200);
    expect(twitter.headers['content-type']).toBe('image/png');
    expect(twitter.headers['cache-control']).toBe(CACHE_CONTROL);
    expect(twitter.headers['x-nextjs-cache']).toBeUndefined();
  });

  it('turns a sitemap that reads headers() dynamic, still with its own Cache-Control', async () => {
    const first = await request(app).get('/dyn/sitemap.xml').set('x-test', 'hello');
    expect(first.status).toBe(200);
    expect(first.text).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n<url>\n<loc>https://acme.com/hello</loc>\n</url>\n</urlset>\n');
    expect(first.headers['cache-control']).toBe(CACHE_CONTROL);
    const second = await request(app).get('/dyn/sitemap.xml').set('x-test', 'again');
    expect(second.text).toContain('<loc>https://acme.com/again</loc>');
    expect(second.headers['x-nextjs-cache']).toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('/dyn/sitemap.xml'));
  });

  it('runs a force-dynamic sitemap on every request', async () => {
    const first = await request(app).get('/forced/sitemap.xml');
    const second = await request(app).get('/forced/sitemap.xml');
    expect(first.text).not.toBe(second.text);
    expect(second.headers['cache-control']).toBe(CACHE_CONTROL);
    expect(second.headers['x-nextjs-cache']).toBeUndefined();
  });

  it('answers only GET/HEAD/OPTIONS, like any GET-only route', async () => {
    const head = await request(app).head('/robots.txt');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/plain');
    const post = await request(app).post('/robots.txt');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('sends a code image that returns no Response to the error pipeline', async () => {
    const response = await request(app).get('/twitter-image');
    expect(response.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toContain('twitter-image.ts');
  });

  it('lists metadata routes in the route table and ignores root-only files below the root', () => {
    const patterns = handlers.routes.map((route) => route.pattern);
    expect(patterns).toEqual(
      expect.arrayContaining(['/robots.txt', '/sitemap.xml', '/manifest.webmanifest', '/favicon.ico', '/icon', '/gsp/sitemap/[__metadata_id__]', '/multi/icon/[__metadata_id__]', '/blog/[slug]/opengraph-image']),
    );
    expect(patterns).not.toContain('/nested/robots.txt');
    expect(patterns).not.toContain('/nested/manifest.json');
    expect(handlers.routes.find((route) => route.pattern === '/robots.txt')).toMatchObject({ methods: ['GET'], rendering: 'static', revalidate: false });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('robots.ts only works at the root of the app directory'));
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('manifest.json only works at the root of the app directory'));
  });
});

describe('metadata routes with sitemap: { escape: true }', () => {
  const handlers = handlersFor('metadata', { sitemap: { escape: true } });
  const app = expressVersions[0][1]().use(handlers);

  it('escapes XML special characters in sitemap values', async () => {
    await handlers.ready;
    const response = await request(app).get('/sitemap.xml');
    expect(response.text).toContain('<loc>https://acme.com/about?a=1&amp;b=2</loc>');
    expect(response.text).toContain('<video:title>T&lt;&amp;&gt;</video:title>');
    expect(response.text).toContain('<xhtml:link rel="alternate" hreflang="es" href="https://acme.com/es/about" />');
  });
});

describe('metadata routes with prerender: true', () => {
  const warn = jest.fn();
  const handlers = handlersFor('metadata', { prerender: true, logger: { warn } });
  const app = expressVersions[0][1]().use(handlers);

  it('generates metadata routes and generated ids during ready', async () => {
    await handlers.ready;
    for (const path of ['/robots.txt', '/sitemap.xml', '/gsp/sitemap/0.xml', '/gsp/sitemap/1.xml', '/multi/icon/small', '/multi/icon/2', '/favicon.ico', '/opengraph-image-1ow20b']) {
      const response = await request(app).get(path);
      expect([path, response.status, response.headers['x-nextjs-cache']]).toEqual([path, 200, 'HIT']);
    }
    // The sitemap that reads headers() and the image that returns no Response are not cached.
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('prerender: /twitter-image ('));
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('/dyn/sitemap.xml'));
  });
});
