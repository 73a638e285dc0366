import path from 'node:path';
import fg from 'fast-glob';
import { METADATA_GLOBS, metadataName, metadataSegment, ROOT_ONLY, type MetadataName } from './metadata-files';
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

/** A metadata file (`sitemap.ts`, `icon.png`, …) and the URL Next gives it. */
export interface MetadataFile extends RouteFile {
  meta: MetadataName;
  /** The `opengraph-image.alt.txt` beside a social image, when there is one. */
  altFile?: string;
}

export interface ScanResult {
  routes: RouteFile[];
  pages: RouteFile[];
  metadata: MetadataFile[];
  problems: string[];
  warnings: string[];
}

/**
 * Finds every `route.*`, every metadata file, and `page.*` (to report conflicts) under the app
 * directory, once.
 */
export function scanAppDir(appDir: string, pageExtensions: readonly string[]): ScanResult {
  const extensions = pageExtensions.length === 1 ? pageExtensions[0] : `{${pageExtensions.join(',')}}`;
  const found = fg.sync([`**/route.${extensions}`, `**/page.${extensions}`, ...METADATA_GLOBS], {
    cwd: appDir,
    ignore: ['**/node_modules/**'],
    onlyFiles: true,
    dot: true,
  });
  found.sort();
  const routes: RouteFile[] = [];
  const pages: RouteFile[] = [];
  const metadata: MetadataFile[] = [];
  const problems: string[] = [];
  const warnings: string[] = [];
  const foundSet = new Set(found);
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
    const fileName = path.posix.basename(relative);
    const file = path.join(appDir, relative);
    // The extension may have dots of its own (`pageExtensions: ['api.ts']` → `route.api.ts`).
    if (fileName.startsWith('route.') || fileName.startsWith('page.')) {
      const base = fileName.startsWith('route.') ? 'route' : 'page';
      const item = { file, relative, segments, pattern: formatPattern(segments), entry: `/${[...folders, base].join('/')}` };
      (base === 'route' ? routes : pages).push(item);
      continue;
    }
    const meta = metadataName(fileName, pageExtensions);
    if (!meta) continue;
    if (ROOT_ONLY.has(meta.kind) && folders.length > 0) {
      warnings.push(`${fileName} only works at the root of the app directory; ${file} is not served.`);
      continue;
    }
    const urlSegments = [...segments, metadataSegment(meta, folders)];
    const alt = path.posix.join(path.posix.dirname(relative), `${meta.name}.alt.txt`);
    metadata.push({
      file,
      relative,
      segments: urlSegments,
      pattern: formatPattern(urlSegments),
      entry: `/${relative}`,
      meta,
      ...((meta.kind === 'opengraph-image' || meta.kind === 'twitter-image') && foundSet.has(alt) ? { altFile: path.join(appDir, alt) } : {}),
    });
  }
  return { routes, pages, metadata, problems, warnings };
}
