import { resolveManifest, type Manifest } from '../lib/metadata/manifest';
import { resolveRobots, type Robots } from '../lib/metadata/robots';
import { resolveSitemap, type Sitemap } from '../lib/metadata/sitemap';

const lines = (...parts: string[]) => parts.map((line) => `${line}\n`).join('');

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>';
const URLSET = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"';
const NS_IMAGE = ' xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"';
const NS_VIDEO = ' xmlns:video="http://www.google.com/schemas/sitemap-video/1.1"';
const NS_XHTML = ' xmlns:xhtml="http://www.w3.org/1999/xhtml"';

describe('resolveRobots (spec §6.3, §8 item 40)', () => {
  it('writes the §6.3 example verbatim', () => {
    const robots: Robots = {
      rules: [
        { userAgent: '*', allow: '/', disallow: ['/private/', '/tmp'], crawlDelay: 2 },
        { userAgent: ['Googlebot', 'Bingbot'], disallow: '/' },
      ],
      host: 'https://acme.com',
      sitemap: ['https://acme.com/sitemap.xml', 'https://acme.com/s2.xml'],
    };
    expect(resolveRobots(robots)).toBe(
      [
        'User-Agent: *',
        'Allow: /',
        'Disallow: /private/',
        'Disallow: /tmp',
        'Crawl-delay: 2',
        '',
        'User-Agent: Googlebot',
        'User-Agent: Bingbot',
        'Disallow: /',
        '',
        'Host: https://acme.com',
        'Sitemap: https://acme.com/sitemap.xml',
        'Sitemap: https://acme.com/s2.xml',
        '',
      ].join('\n'),
    );
  });

  it('defaults the user agent to * for a single rule object and a string sitemap', () => {
    expect(resolveRobots({ rules: { allow: '/' }, sitemap: 'https://acme.com/sitemap.xml' })).toBe(
      lines('User-Agent: *', 'Allow: /', '', 'Sitemap: https://acme.com/sitemap.xml'),
    );
  });

  it('falls back to * for an empty-string user agent and omits falsy allow/disallow/crawlDelay/host', () => {
    expect(resolveRobots({ rules: { userAgent: '', allow: '', disallow: [], crawlDelay: 0 }, host: '' })).toBe(lines('User-Agent: *', ''));
  });

  it('writes extra directives after Crawl-delay in key order, repeating arrays and skipping null/undefined', () => {
    const robots: Robots = {
      rules: {
        'Request-rate': '1/5',
        userAgent: 'Yandex',
        'Clean-param': ['ref /articles/', 'utm /'],
        crawlDelay: 1,
        'Visit-time': null,
        Skipped: undefined,
        disallow: '/search',
      },
    };
    expect(resolveRobots(robots)).toBe(
      lines('User-Agent: Yandex', 'Disallow: /search', 'Crawl-delay: 1', 'Request-rate: 1/5', 'Clean-param: ref /articles/', 'Clean-param: utm /', ''),
    );
  });

  it('returns an empty string for no rules and nothing else', () => {
    expect(resolveRobots({ rules: [] })).toBe('');
  });
});

describe('resolveSitemap (spec §6.4, §8 items 41 and 44)', () => {
  it('writes lastmod (string), changefreq and priority 0.5 with only the base namespace', () => {
    const sitemap: Sitemap = [
      { url: 'https://example.com', lastModified: '2021-01-01', changeFrequency: 'weekly', priority: 0.5 },
      { url: 'https://example.com/about', lastModified: '2021-01-01' },
    ];
    expect(resolveSitemap(sitemap)).toBe(
      lines(
        XML_HEAD,
        `${URLSET}>`,
        '<url>',
        '<loc>https://example.com</loc>',
        '<lastmod>2021-01-01</lastmod>',
        '<changefreq>weekly</changefreq>',
        '<priority>0.5</priority>',
        '</url>',
        '<url>',
        '<loc>https://example.com/about</loc>',
        '<lastmod>2021-01-01</lastmod>',
        '</url>',
        '</urlset>',
      ),
    );
  });

  it('serialises a Date lastModified with toISOString and writes priority 0 (a number)', () => {
    const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6));
    expect(resolveSitemap([{ url: 'https://example.com', lastModified: date, priority: 0 }])).toBe(
      lines(XML_HEAD, `${URLSET}>`, '<url>', '<loc>https://example.com</loc>', '<lastmod>2024-01-02T03:04:05.006Z</lastmod>', '<priority>0</priority>', '</url>', '</urlset>'),
    );
  });

  it('writes an empty urlset for an empty array', () => {
    expect(resolveSitemap([])).toBe(lines(XML_HEAD, `${URLSET}>`, '</urlset>'));
  });

  it('adds xmlns:xhtml and one <xhtml:link /> per alternates.languages key, before lastmod', () => {
    const sitemap: Sitemap = [
      {
        url: 'https://example.com',
        lastModified: '2023-07-29',
        alternates: { languages: { es: 'https://example.com/es', de: 'https://example.com/de' } },
      },
      { url: 'https://example.com/plain' },
    ];
    expect(resolveSitemap(sitemap)).toBe(
      lines(
        XML_HEAD,
        `${URLSET}${NS_XHTML}>`,
        '<url>',
        '<loc>https://example.com</loc>',
        '<xhtml:link rel="alternate" hreflang="es" href="https://example.com/es" />',
        '<xhtml:link rel="alternate" hreflang="de" href="https://example.com/de" />',
        '<lastmod>2023-07-29</lastmod>',
        '</url>',
        '<url>',
        '<loc>https://example.com/plain</loc>',
        '</url>',
        '</urlset>',
      ),
    );
  });

  it('declares xmlns:xhtml for a non-empty alternates object even without languages (as Next)', () => {
    expect(resolveSitemap([{ url: 'https://a.com', alternates: { languages: {} } }])).toBe(
      lines(XML_HEAD, `${URLSET}${NS_XHTML}>`, '<url>', '<loc>https://a.com</loc>', '</url>', '</urlset>'),
    );
    expect(resolveSitemap([{ url: 'https://a.com', alternates: {} }])).toBe(
      lines(XML_HEAD, `${URLSET}>`, '<url>', '<loc>https://a.com</loc>', '</url>', '</urlset>'),
    );
  });

  it('writes image blocks and the image namespace only when some entry has images', () => {
    const sitemap: Sitemap = [
      { url: 'https://example.com', images: ['https://example.com/image.jpg', 'https://example.com/image2.jpg'], changeFrequency: 'daily' },
      { url: 'https://example.com/none', images: [] },
    ];
    expect(resolveSitemap(sitemap)).toBe(
      lines(
        XML_HEAD,
        `${URLSET}${NS_IMAGE}>`,
        '<url>',
        '<loc>https://example.com</loc>',
        '<image:image>',
        '<image:loc>https://example.com/image.jpg</image:loc>',
        '</image:image>',
        '<image:image>',
        '<image:loc>https://example.com/image2.jpg</image:loc>',
        '</image:image>',
        '<changefreq>daily</changefreq>',
        '</url>',
        '<url>',
        '<loc>https://example.com/none</loc>',
        '</url>',
        '</urlset>',
      ),
    );
  });

  it('writes every video field in Next order', () => {
    const sitemap: Sitemap = [
      {
        url: 'https://example.com/video',
        lastModified: '2024-05-01',
        videos: [
          {
            title: 'Grilling steaks',
            thumbnail_loc: 'https://example.com/thumb.jpg',
            description: 'Alkis shows you how',
            content_loc: 'https://example.com/video.mp4',
            player_loc: 'https://example.com/player?video=123',
            duration: 600,
            view_count: 12345,
            tag: 'steak',
            rating: 4.2,
            expiration_date: '2025-11-05T19:20:30+08:00',
            publication_date: '2024-11-05T19:20:30+08:00',
            family_friendly: 'yes',
            requires_subscription: 'no',
            live: 'no',
            restriction: { relationship: 'allow', content: 'IE GB US CA' },
            platform: { relationship: 'allow', content: 'web tv' },
            uploader: { info: 'https://example.com/users/grillymcgrillerson', content: 'GrillyMcGrillerson' },
          },
        ],
      },
    ];
    expect(resolveSitemap(sitemap)).toBe(
      lines(
        XML_HEAD,
        `${URLSET}${NS_VIDEO}>`,
        '<url>',
        '<loc>https://example.com/video</loc>',
        '<video:video>',
        '<video:title>Grilling steaks</video:title>',
        '<video:thumbnail_loc>https://example.com/thumb.jpg</video:thumbnail_loc>',
        '<video:description>Alkis shows you how</video:description>',
        '<video:content_loc>https://example.com/video.mp4</video:content_loc>',
        '<video:player_loc>https://example.com/player?video=123</video:player_loc>',
        '<video:duration>600</video:duration>',
        '<video:view_count>12345</video:view_count>',
        '<video:tag>steak</video:tag>',
        '<video:rating>4.2</video:rating>',
        '<video:expiration_date>2025-11-05T19:20:30+08:00</video:expiration_date>',
        '<video:publication_date>2024-11-05T19:20:30+08:00</video:publication_date>',
        '<video:family_friendly>yes</video:family_friendly>',
        '<video:requires_subscription>no</video:requires_subscription>',
        '<video:live>no</video:live>',
        '<video:restriction relationship="allow">IE GB US CA</video:restriction>',
        '<video:platform relationship="allow">web tv</video:platform>',
        '<video:uploader info="https://example.com/users/grillymcgrillerson">GrillyMcGrillerson</video:uploader>',
        '</video:video>',
        '<lastmod>2024-05-01</lastmod>',
        '</url>',
        '</urlset>',
      ),
    );
  });

  it('always writes description (even undefined), drops falsy optional fields, keeps Next quirks', () => {
    const video = { title: 'T', thumbnail_loc: 'https://a.com/t.jpg', duration: 0, uploader: { content: 'me' } };
    expect(resolveSitemap([{ url: 'https://a.com', videos: [video as never] }])).toBe(
      lines(
        XML_HEAD,
        `${URLSET}${NS_VIDEO}>`,
        '<url>',
        '<loc>https://a.com</loc>',
        '<video:video>',
        '<video:title>T</video:title>',
        '<video:thumbnail_loc>https://a.com/t.jpg</video:thumbnail_loc>',
        '<video:description>undefined</video:description>',
        // Next: `${info && ` info="…"`}` with info undefined.
        '<video:uploaderundefined>me</video:uploader>',
        '</video:video>',
        '</url>',
        '</urlset>',
      ),
    );
  });

  it('orders namespaces image, video, xhtml and blocks loc, links, images, videos, lastmod, changefreq, priority', () => {
    const sitemap: Sitemap = [
      {
        url: 'https://a.com',
        priority: 1,
        changeFrequency: 'monthly',
        lastModified: '2020-01-01',
        videos: [{ title: 'V', thumbnail_loc: 'https://a.com/v.jpg', description: 'D' }],
        images: ['https://a.com/i.png'],
        alternates: { languages: { 'x-default': 'https://a.com/' } },
      },
    ];
    expect(resolveSitemap(sitemap)).toBe(
      lines(
        XML_HEAD,
        `${URLSET}${NS_IMAGE}${NS_VIDEO}${NS_XHTML}>`,
        '<url>',
        '<loc>https://a.com</loc>',
        '<xhtml:link rel="alternate" hreflang="x-default" href="https://a.com/" />',
        '<image:image>',
        '<image:loc>https://a.com/i.png</image:loc>',
        '</image:image>',
        '<video:video>',
        '<video:title>V</video:title>',
        '<video:thumbnail_loc>https://a.com/v.jpg</video:thumbnail_loc>',
        '<video:description>D</video:description>',
        '</video:video>',
        '<lastmod>2020-01-01</lastmod>',
        '<changefreq>monthly</changefreq>',
        '<priority>1</priority>',
        '</url>',
        '</urlset>',
      ),
    );
  });

  describe('XML escaping', () => {
    const sitemap: Sitemap = [
      {
        url: 'https://acme.com/about?a=1&b=2',
        alternates: { languages: { fr: 'https://acme.com/fr?a=1&b="2"' } },
        images: ["https://acme.com/i.png?x=<y>&z='1'"],
        videos: [
          {
            title: 'T<&>',
            thumbnail_loc: 'https://acme.com/t.jpg?a=1&b=2',
            description: 'Tom & "Jerry"',
            uploader: { info: 'https://acme.com/u?a=1&b=2', content: 'A & B' },
          },
        ],
      },
    ];

    it('writes &, <, >, quotes raw by default (as Next)', () => {
      expect(resolveSitemap(sitemap)).toBe(
        lines(
          XML_HEAD,
          `${URLSET}${NS_IMAGE}${NS_VIDEO}${NS_XHTML}>`,
          '<url>',
          '<loc>https://acme.com/about?a=1&b=2</loc>',
          '<xhtml:link rel="alternate" hreflang="fr" href="https://acme.com/fr?a=1&b="2"" />',
          '<image:image>',
          "<image:loc>https://acme.com/i.png?x=<y>&z='1'</image:loc>",
          '</image:image>',
          '<video:video>',
          '<video:title>T<&></video:title>',
          '<video:thumbnail_loc>https://acme.com/t.jpg?a=1&b=2</video:thumbnail_loc>',
          '<video:description>Tom & "Jerry"</video:description>',
          '<video:uploader info="https://acme.com/u?a=1&b=2">A & B</video:uploader>',
          '</video:video>',
          '</url>',
          '</urlset>',
        ),
      );
      expect(resolveSitemap(sitemap, { escape: false })).toBe(resolveSitemap(sitemap));
    });

    it('escapes & < > " \' in text and attribute values with { escape: true }', () => {
      expect(resolveSitemap(sitemap, { escape: true })).toBe(
        lines(
          XML_HEAD,
          `${URLSET}${NS_IMAGE}${NS_VIDEO}${NS_XHTML}>`,
          '<url>',
          '<loc>https://acme.com/about?a=1&amp;b=2</loc>',
          '<xhtml:link rel="alternate" hreflang="fr" href="https://acme.com/fr?a=1&amp;b=&quot;2&quot;" />',
          '<image:image>',
          '<image:loc>https://acme.com/i.png?x=&lt;y&gt;&amp;z=&apos;1&apos;</image:loc>',
          '</image:image>',
          '<video:video>',
          '<video:title>T&lt;&amp;&gt;</video:title>',
          '<video:thumbnail_loc>https://acme.com/t.jpg?a=1&amp;b=2</video:thumbnail_loc>',
          '<video:description>Tom &amp; &quot;Jerry&quot;</video:description>',
          '<video:uploader info="https://acme.com/u?a=1&amp;b=2">A &amp; B</video:uploader>',
          '</video:video>',
          '</url>',
          '</urlset>',
        ),
      );
    });

    it('escapes restriction/platform attributes and plain fields too', () => {
      const out = resolveSitemap(
        [
          {
            url: 'https://a.com',
            lastModified: '2020-01-01&x',
            videos: [
              {
                title: 't',
                thumbnail_loc: 'u',
                description: 'd',
                tag: 'a&b',
                restriction: { relationship: 'allow', content: 'US & CA' },
                platform: { relationship: 'deny', content: '<tv>' },
              },
            ],
          },
        ],
        { escape: true },
      );
      expect(out).toContain('<video:tag>a&amp;b</video:tag>\n');
      expect(out).toContain('<video:restriction relationship="allow">US &amp; CA</video:restriction>\n');
      expect(out).toContain('<video:platform relationship="deny">&lt;tv&gt;</video:platform>\n');
      expect(out).toContain('<lastmod>2020-01-01&amp;x</lastmod>\n');
    });
  });
});

describe('resolveManifest (spec §6.5, §8 item 45)', () => {
  it('is JSON.stringify without whitespace, preserving key order and unknown members', () => {
    const manifest: Manifest = {
      name: 'Next.js App',
      short_name: 'Next.js App',
      description: 'Next.js App',
      start_url: '/',
      display: 'standalone',
      background_color: '#fff',
      theme_color: '#fff',
      icons: [{ src: '/favicon.ico', sizes: 'any', type: 'image/x-icon' }],
      custom_member: { a: 1 },
    };
    expect(resolveManifest(manifest)).toBe(
      '{"name":"Next.js App","short_name":"Next.js App","description":"Next.js App","start_url":"/","display":"standalone",' +
        '"background_color":"#fff","theme_color":"#fff","icons":[{"src":"/favicon.ico","sizes":"any","type":"image/x-icon"}],' +
        '"custom_member":{"a":1}}',
    );
  });

  it('drops undefined members and serialises an empty manifest as {}', () => {
    expect(resolveManifest({ name: 'x', short_name: undefined })).toBe('{"name":"x"}');
    expect(resolveManifest({})).toBe('{}');
  });
});
