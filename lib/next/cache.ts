// `next/cache` in route handlers: on-demand revalidation of the static-route cache.
import { currentStore, staticBailout, type RequestStore } from '../context/request-store';

function cacheOf(store: RequestStore, api: string) {
  if (!store.cache) throw new Error(`\`${api}\` needs the static-route cache of express-route-handlers, which this request has none of.`);
  return store.cache;
}

/** The invalidation is stored before the response goes out, so the next request sees it. */
function track(store: RequestStore, work: Promise<void>): void {
  (store.pendingRevalidations ??= []).push(work);
}

/** The next request to `path` regenerates before answering (`type` names a layout or page path). */
export function revalidatePath(originalPath: string, type?: 'layout' | 'page'): void {
  const store = currentStore('revalidatePath');
  track(store, cacheOf(store, 'revalidatePath').revalidatePath(originalPath, type));
}

/**
 * Marks entries tagged `tag` stale (`'max'`, a cacheLife profile or `{ expire }`: served once more
 * while they regenerate) or expired (`{ expire: 0 }`, or the deprecated one-argument form).
 */
export function revalidateTag(tag: string, profile?: string | { stale?: number; revalidate?: number; expire?: number }): void {
  if (!profile) {
    console.warn(
      '"revalidateTag" without the second argument is now deprecated, add second argument of "max" or use "updateTag". See more info here: https://nextjs.org/docs/messages/revalidate-tag-single-arg',
    );
  }
  const store = currentStore('revalidateTag');
  track(store, cacheOf(store, 'revalidateTag').revalidateTag(tag, profile || undefined));
}

/** Server-Action-only in Next.js: route handlers get its error. */
export function updateTag(_tag: string): never {
  throw new Error(
    'updateTag can only be called from within a Server Action. To invalidate cache tags in Route Handlers or other contexts, use revalidateTag instead. See more info here: https://nextjs.org/docs/app/api-reference/functions/updateTag',
  );
}

/** Server-Action-only in Next.js: route handlers get its error. */
export function refresh(): never {
  throw new Error('refresh can only be called from within a Server Action. See more info here: https://nextjs.org/docs/app/api-reference/functions/refresh');
}

/** Opts the code after it out of static generation, like `connection()`. */
export function unstable_noStore(): void {
  const store = currentStore('unstable_noStore');
  if (store.mode === 'error') throw staticBailout(store, 'unstable_noStore()');
}
