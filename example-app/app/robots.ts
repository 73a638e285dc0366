import type { MetadataRoute } from 'next';
import { ORIGIN } from './_lib/site';

// GET /robots.txt — static: no request data is read, so it is generated once and served from the cache.
export default function robots(): MetadataRoute.Robots {
  return {
    rules: {
      userAgent: '*',
      allow: '/',
      // Per-visitor or admin-only answers; /api/go would also count crawler visits as clicks.
      disallow: ['/api/stats', '/api/session', '/api/preferences', '/api/go'],
    },
    sitemap: `${ORIGIN}/sitemap.xml`,
  };
}
