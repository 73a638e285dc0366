import type { RouteMatch, RouteTable } from './route-table';

export type Resolution<T> =
  | { kind: 'route'; match: RouteMatch<T> }
  /** The path is ours once normalised (`//` collapsed, trailing slash fixed): answer 308. */
  | { kind: 'redirect'; pathname: string; match: RouteMatch<T> };

/**
 * Maps a raw, mount-relative pathname to a route. Paths that URL normalisation would change
 * (dot segments, backslashes) are never ours, so Express middleware mounted on the normalised
 * path cannot be bypassed; `//` and trailing slashes redirect only to a path we serve.
 */
export function resolvePath<T>(table: RouteTable<T>, pathname: string, trailingSlash: boolean): Resolution<T> | undefined {
  let matchPath = pathname;
  if (matchPath.includes('//')) matchPath = matchPath.replace(/\/{2,}/g, '/');
  const hadTrailingSlash = matchPath.length > 1 && matchPath.endsWith('/');
  if (hadTrailingSlash) matchPath = matchPath.slice(0, -1);
  if (hasUnsafeSegment(matchPath)) return undefined;

  const match = table.match(matchPath);
  if (!match) return undefined;
  const canonical = trailingSlash ? withTrailingSlashPolicy(matchPath, hadTrailingSlash) : matchPath;
  if (canonical !== pathname) return { kind: 'redirect', pathname: canonical, match };
  return { kind: 'route', match };
}

/** `trailingSlash: true`: folders get a slash, file-like names (`a.json`) lose it, `.well-known` is left alone. */
function withTrailingSlashPolicy(path: string, hadTrailingSlash: boolean): string {
  if (path === '/') return path;
  if (path.startsWith('/.well-known/') || path === '/.well-known') return hadTrailingSlash ? `${path}/` : path;
  const last = path.slice(path.lastIndexOf('/') + 1);
  if (!last.includes('.')) return `${path}/`;
  if (/[^/]\.\w+$/.test(last)) return path;
  return hadTrailingSlash ? `${path}/` : path;
}

const dotSegment = /^(?:\.|%2e){1,2}$/i;

function hasUnsafeSegment(path: string): boolean {
  if (path.includes('\\')) return true;
  if (!path.includes('.') && !path.includes('%')) return false;
  for (const segment of path.split('/')) {
    if (segment.length > 0 && segment.length <= 6 && dotSegment.test(segment)) return true;
  }
  return false;
}
