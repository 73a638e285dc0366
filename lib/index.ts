export { routeHandlers } from './middleware';
export type { RouteHandlersMiddleware, RouteHandlersOptions, RouteInfo } from './middleware';
export { formatRouteTable } from './routing/print';
export { RouteHandlerError } from './dispatch/errors';
export { expressContext } from './context/express-context';
export { MemoryCacheHandler } from './cache/memory-cache';
export { RedisCacheHandler } from './cache/redis-cache';
export type { CacheEntry, CacheHandler, CacheLock, TagInvalidation } from './cache/cache-handler';
export type { MetadataRoute } from './metadata/types';
