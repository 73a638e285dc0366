import type { MetadataRoute } from 'next';
import { listProducts, listUsers } from '../lib/store.js';
import { ORIGIN } from './_lib/site';

// GET /sitemap.xml — built from the same store the Express routes use. Like a route file, a metadata
// file may export segment config: the cached sitemap is regenerated at most once an hour, so users
// added through POST /api/users show up within the hour (the route table prints it as `static`).
export const revalidate = 3600;

export default function sitemap(): MetadataRoute.Sitemap {
  const now = new Date();
  return [
    // The catalogue changes when prices do (PATCH /legacy/catalog/:sku).
    { url: `${ORIGIN}/api/catalog`, lastModified: now, changeFrequency: 'daily', priority: 1, images: listProducts().length > 0 ? [`${ORIGIN}/opengraph-image`] : undefined },
    { url: `${ORIGIN}/api/users`, lastModified: now, changeFrequency: 'daily', priority: 0.8 },
    ...listUsers().map((user) => ({
      url: `${ORIGIN}/api/users/${user.id}`,
      lastModified: user.createdAt,
      changeFrequency: 'monthly' as const,
      priority: user.role === 'admin' ? 0.6 : 0.5,
    })),
  ];
}
