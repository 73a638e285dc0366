// Rules shared by the route cache and the data cache: freshness, keys and Next's implicit tags.
import type { CacheEntry, TagInvalidation } from './cache-handler';

/** Next's `expireTime` default: how long a stale entry may still be served (one year). */
export const DEFAULT_EXPIRE = 31536000;

/** Where an entry stands now: fresh, stale (served while it refreshes) or expired (refreshed before answering). */
export function freshness(entry: CacheEntry, invalidation: TagInvalidation, now: number): 'fresh' | 'stale' | 'expired' {
  if (now >= entry.generatedAt + entry.expire * 1000) return 'expired';
  if (invalidation.expiredAt !== undefined && invalidation.expiredAt >= entry.generatedAt && invalidation.expiredAt <= now) return 'expired';
  if (invalidation.staleAt !== undefined && invalidation.staleAt >= entry.generatedAt) return 'stale';
  if (entry.revalidate !== false && now >= entry.generatedAt + entry.revalidate * 1000) return 'stale';
  return 'fresh';
}

/** Next's cache key of a route: the pathname without a trailing slash, `/index` being `/`. */
export function cacheKey(pathname: string): string {
  const trimmed = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  return trimmed === '/index' ? '/' : trimmed;
}

/** Next's implicit tags of a route handler entry: a `/layout` tag per segment, the file's `/route`, the pathname. */
export function implicitTags(route: string, pathname: string): string[] {
  const tags = ['_N_T_/layout'];
  let prefix = '';
  for (const segment of route.split('/').filter(Boolean)) {
    prefix += `/${segment}`;
    tags.push(`_N_T_${prefix}/layout`);
  }
  tags.push(`_N_T_${prefix}/route`, `_N_T_${cacheKey(pathname)}`);
  return tags;
}
