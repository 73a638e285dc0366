import type { MetadataRoute } from 'next';
import { listUsers } from '../lib/store.js';
import { ORIGIN } from './_lib/site';

// GET /sitemap.xml — built from the same store the Express routes use. Like a route file, a metadata
// file may export segment config: the cached sitemap is regenerated at most once an hour, so users
// added through POST /api/users show up within the hour (the route table prints it as `static`).
export const revalidate = 3600;

export default function sitemap(): MetadataRoute.Sitemap {
  // When this answer was generated: the listings below change whenever users or prices do.
  const generatedAt = new Date();
  return [
    { url: `${ORIGIN}/api/catalog`, lastModified: generatedAt, changeFrequency: 'daily', priority: 1 },
    { url: `${ORIGIN}/api/users`, lastModified: generatedAt, changeFrequency: 'daily', priority: 0.8 },
    ...listUsers().map(
      (user): MetadataRoute.Sitemap[number] => ({
        url: `${ORIGIN}/api/users/${user.id}`,
        lastModified: user.createdAt,
        changeFrequency: 'monthly',
        priority: user.role === 'admin' ? 0.6 : 0.5,
      }),
    ),
  ];
}
