import path from 'node:path';
import fg from 'fast-glob';
import { formatPattern, parseFolder, type Segment } from './segments';

export interface RouteFile {
  /** Absolute path of the route file. */
  file: string;
  /** Path below the app directory, with `/` separators (`api/(shop)/items/route.ts`). */
  relative: string;
  segments: Segment[];
  /** The URL pattern, e.g. `/api/items/[id]`. */
  pattern: string;
  /** Next's name for the entry, used in its conflict messages (`/(shop)/items/route`). */
  entry: string;
}

export interface ScanResult {
  routes: RouteFile[];
  pages: RouteFile[];
  problems: string[];
}

/** Finds every `route.*` (and `page.*`, to report conflicts) under the app directory, once. */
export function scanAppDir(appDir: string, pageExtensions: readonly string[]): ScanResult {
  const extensions = pageExtensions.length === 1 ? pageExtensions[0] : `{${pageExtensions.join(',')}}`;
  const found = fg.sync([`**/route.${extensions}`, `**/page.${extensions}`], {
    cwd: appDir,
    ignore: ['**/node_modules/**'],
    onlyFiles: true,
    dot: true,
  });
  found.sort();
  const routes: RouteFile[] = [];
  const pages: RouteFile[] = [];
  const problems: string[] = [];
  for (const relative of found) {
    const folders = relative.split('/').slice(0, -1);
    // Next never reads below a `_private` folder, so names above it are not checked either.
    if (folders.some((folder) => folder.startsWith('_'))) continue;
    const segments: Segment[] = [];
    let routable = true;
    for (const folder of folders) {
      let meaning;
      try {
        meaning = parseFolder(folder);
      } catch (error) {
        problems.push(`${(error as Error).message} (${path.join(appDir, relative)})`);
        routable = false;
        break;
      }
      if (meaning.kind === 'segment') segments.push(meaning.segment);
    }
    if (!routable) continue;
    // The extension may have dots of its own (`pageExtensions: ['api.ts']` → `route.api.ts`).
    const base = path.posix.basename(relative).startsWith('route.') ? 'route' : 'page';
    const entry = `/${[...folders, base].join('/')}`;
    const item = { file: path.join(appDir, relative), relative, segments, pattern: formatPattern(segments), entry };
    (base === 'route' ? routes : pages).push(item);
  }
  return { routes, pages, problems };
}
