import { readFileSync } from 'node:fs';
import { TEXT_FILES } from '../discover/metadata-files';
import type { MetadataFile } from '../discover/scan';
import { HTTP_METHODS } from '../dispatch/methods';
import { paramsArgument, type Params } from '../dispatch/params';
import { resolveManifest, type Manifest } from './manifest';
import { resolveRobots, type Robots } from './robots';
import { resolveSitemap, type Sitemap } from './sitemap';

/** Next's own value for every metadata answer (the ISR `s-maxage` is never added to these). */
const METADATA_CACHE_CONTROL = 'public, max-age=0, must-revalidate';

/** The param that holds a generated sitemap's or image's id (`/sitemap/[__metadata_id__]`), as in Next. */
export const METADATA_ID = '__metadata_id__';

export interface MetadataRouteModule {
  /** What a route file would export: `GET`, and the file's segment config. */
  exports: Record<string, unknown>;
  /** `generateSitemaps` / `generateImageMetadata`: the URL ends in `/[__metadata_id__]`. */
  generatesIds: boolean;
  /** The image's alternative text (`alt` export or `<name>.alt.txt`). */
  alt?: string;
}

export interface MetadataOptions {
  /** Escape XML special characters in sitemaps (Next writes them raw). */
  escapeSitemap: boolean;
}

type RouteContextArgument = { params?: Promise<Params> & Params };
type Handler = (...args: any[]) => unknown;

/**
 * Turns a metadata file into the route module Next generates for it: a `GET` that serves the
 * static bytes, or serialises / returns what the default export produces, plus the file's other
 * exports as segment config. Throws Next's messages for files that cannot work.
 */
export function metadataRouteModule(file: MetadataFile, module: Record<string, unknown> | undefined, options: MetadataOptions): MetadataRouteModule {
  const altText = file.altFile === undefined ? undefined : readFileSync(file.altFile, 'utf8');
  if (file.meta.form === 'static') {
    const bytes = readFileSync(file.file);
    checkSizeLimit(file, bytes.byteLength);
    const headers = { 'Content-Type': file.meta.contentType, 'Cache-Control': METADATA_CACHE_CONTROL };
    return { exports: { GET: () => new Response(bytes, { headers }), dynamic: 'force-static' }, generatesIds: false, alt: altText };
  }

  const exports = configExports(module!);
  const handler = module!.default;
  if (typeof handler !== 'function') throw new Error(`Default export is missing in ${JSON.stringify(file.file)}`);
  const { kind } = file.meta;
  if (kind === 'robots' || kind === 'manifest' || kind === 'sitemap') {
    const serialise = serialiser(kind, options);
    const generateSitemaps = kind === 'sitemap' ? module!.generateSitemaps : undefined;
    if (typeof generateSitemaps === 'function') {
      exports.GET = sitemapWithIds(handler as Handler, generateSitemaps as Handler, serialise);
      exports.generateStaticParams = async () => (await listIds(generateSitemaps as Handler, 'generateSitemaps')).map((id) => ({ [METADATA_ID]: `${id}.xml` }));
      return { exports, generatesIds: true };
    }
    exports.GET = async () => textResponse(serialise(await handler()), kind);
    return { exports, generatesIds: false };
  }

  const alt = typeof module!.alt === 'string' ? module!.alt : altText;
  const generateImageMetadata = module!.generateImageMetadata;
  if (typeof generateImageMetadata === 'function') {
    exports.GET = imageWithIds(handler as Handler, generateImageMetadata as Handler);
    // Only the ids are known ahead of a request; parent params are not.
    if (!file.segments.some((segment) => segment.kind !== 'static')) {
      exports.generateStaticParams = async () => (await listIds(() => generateImageMetadata({ params: paramsArgument({}) }), 'generateImageMetadata')).map((id) => ({ [METADATA_ID]: id }));
    }
    return { exports, generatesIds: true, alt };
  }
  exports.GET = (_request: Request, context: RouteContextArgument) => handler({ params: context.params ?? paramsArgument({}) });
  return { exports, generatesIds: false, alt };
}

/** The file's exports that Next re-exports as segment config: all but the default export and methods. */
function configExports(module: Record<string, unknown>): Record<string, unknown> {
  const exports: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(module)) {
    if (name !== 'default' && !(HTTP_METHODS as readonly string[]).includes(name)) exports[name] = value;
  }
  return exports;
}

function serialiser(kind: 'robots' | 'manifest' | 'sitemap', options: MetadataOptions): (data: unknown) => string {
  if (kind === 'robots') return (data) => resolveRobots(data as Robots);
  if (kind === 'manifest') return (data) => resolveManifest(data as Manifest);
  return (data) => resolveSitemap(data as Sitemap, { escape: options.escapeSitemap });
}

function textResponse(content: string, kind: keyof typeof TEXT_FILES): Response {
  return new Response(content, { headers: { 'Content-Type': TEXT_FILES[kind].contentType, 'Cache-Control': METADATA_CACHE_CONTROL } });
}

function notFound(): Response {
  return new Response('Not Found', { status: 404 });
}

/** `/sitemap/<id>.xml`: only ids `generateSitemaps` lists, and only with `.xml`. */
function sitemapWithIds(handler: Handler, generateSitemaps: Handler, serialise: (data: unknown) => string) {
  return async (_request: Request, context: RouteContextArgument): Promise<Response> => {
    const requested = (await context.params!)[METADATA_ID] as string;
    const id = requested.endsWith('.xml') ? requested.slice(0, -4) : undefined;
    const ids = await listIds(generateSitemaps, 'generateSitemaps');
    if (id === undefined || !ids.includes(id)) return notFound();
    return textResponse(serialise(await handler({ id: idArgument(id) })), 'sitemap');
  };
}

/** `/icon/<id>`: only ids `generateImageMetadata` lists; the handler gets the other params apart. */
function imageWithIds(handler: Handler, generateImageMetadata: Handler) {
  return async (_request: Request, context: RouteContextArgument): Promise<unknown> => {
    const { [METADATA_ID]: id, ...rest } = await context.params!;
    const ids = await listIds(() => generateImageMetadata({ params: paramsArgument(rest) }), 'generateImageMetadata');
    if (!ids.includes(id as string)) return notFound();
    return handler({ params: paramsArgument(rest), id: idArgument(id as string) });
  };
}

/** The ids a generator lists, as strings; Next's error for an item without one. */
async function listIds(generate: Handler, name: string): Promise<string[]> {
  const items = await generate();
  if (!Array.isArray(items)) throw new Error(`${name} must return an array`);
  return items.map((item: { id?: unknown } | null | undefined) => {
    if (item?.id == null) throw new Error(`id property is required for every item returned from ${name}`);
    return String(item.id);
  });
}

/**
 * `id` as in Next 16 (a Promise of the string), which also reads as the string itself in
 * templates and arithmetic (`${id}`, `Number(id)`), as Next 14/15 code used it.
 */
function idArgument(id: string): Promise<string> {
  return Object.assign(Promise.resolve(id), { toString: () => id, valueOf: () => id, [Symbol.toPrimitive]: () => id });
}

/** Next refuses social images the networks would reject: 8 MB for Open Graph, 5 MB for Twitter. */
function checkSizeLimit(file: MetadataFile, bytes: number): void {
  const { kind } = file.meta;
  if (kind !== 'opengraph-image' && kind !== 'twitter-image') return;
  const limit = kind === 'twitter-image' ? 5 : 8;
  const megabytes = bytes / 1024 / 1024;
  if (megabytes > limit) {
    throw new Error(
      `File size for ${kind === 'twitter-image' ? 'Twitter' : 'Open Graph'} image ${JSON.stringify(file.file)} exceeds ${limit}MB. (Current: ${megabytes.toFixed(2)}MB)`,
    );
  }
}
