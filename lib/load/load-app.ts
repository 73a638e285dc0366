import { existsSync, rmSync, statSync } from 'node:fs';
import { scanAppDir, type RouteFile } from '../discover/scan';
import { formatPattern, type Segment } from '../discover/segments';
import { HTTP_METHODS, methodTable, type MethodTable } from '../dispatch/methods';
import { paramSpec, type Params, type ParamSpec } from '../dispatch/params';
import type { RouteContext } from '../dispatch/run-handler';
import { RouteConflictError, RouteTable, type RouteDefinition } from '../routing/route-table';
import type { RequestMode } from '../context/request-store';
import { METADATA_ID, metadataRouteModule } from '../metadata/route-module';
import { compileRoutes } from './compile';
import { readSegmentConfig, type SegmentConfig } from './segment-config';
import { listedParams, paramsKey } from './static-params';
import { DEFAULT_EXPIRE } from '../cache/entries';
import type { StaticPolicy } from '../cache/static-cache';
import type { RevalidationTarget } from '../context/request-store';

/** A route file ready to serve: its dispatch table and what its handler calls need. */
export interface LoadedRoute {
  methods: MethodTable;
  params: ParamSpec;
  /** The file's segment config exports (`dynamic`, `revalidate`, …), validated. */
  config: SegmentConfig;
  /** How its GET is cached, when the route is static. */
  staticPolicy: StaticPolicy | undefined;
  /** With `dynamicParams = false`: the only params the route answers (keys of `paramsKey`). */
  onlyParams?: Set<string>;
  /** What `generateStaticParams` listed, when startup needed it (`prerender`, `dynamicParams = false`). */
  staticParams?: Params[];
  /** Whether the pattern has dynamic segments (else handlers get `{ params: undefined }`). */
  dynamic: boolean;
  context: RouteContext;
  /** A metadata image's alternative text (`alt` export or `.alt.txt`). */
  alt?: string;
}

export interface LoadOptions {
  appDir: string;
  pageExtensions: string[];
  authInterrupts: boolean;
  draftModeId: string;
  cache: RevalidationTarget;
  /** Generate static answers during startup, as `next build` does. */
  prerender: boolean;
  /** Escape XML special characters in generated sitemaps. */
  escapeSitemap: boolean;
  /** Seconds a route handler may run (the `maxDuration` option); a route's own export wins. */
  maxDuration: number | undefined;
  /** Seconds a static generation may take (Next's `staticPageGenerationTimeout`). */
  staticPageGenerationTimeout: number;
  warn: (message: string) => void;
  logError: (error: Error) => void;
}

/**
 * Startup, once: finds the route files, rejects every conflict naming the files, compiles and
 * imports them, reports suspicious exports, and builds the route table.
 */
export async function loadApp(options: LoadOptions): Promise<{ table: RouteTable<LoadedRoute>; outDir: string }> {
  const { appDir } = options;
  if (!existsSync(appDir) || !statSync(appDir).isDirectory()) {
    throw new Error(`express-route-handlers: appDir ${appDir} is not a directory`);
  }
  const scan = scanAppDir(appDir, options.pageExtensions);
  for (const warning of scan.warnings) options.warn(warning);
  const problems = [...scan.problems];
  const pageAt = new Map(scan.pages.map((page) => [page.pattern, page]));
  for (const route of scan.routes) {
    const page = pageAt.get(route.pattern);
    if (page) {
      problems.push(`Conflicting route and page at ${route.pattern}: route at ${route.entry} and page at ${page.entry} (${route.file}, ${page.file})`);
    }
  }
  // A hand-written `app/robots.txt/route.ts` replaces the convention, as in Next.
  const routeAt = new Map(scan.routes.map((route) => [route.pattern, route]));
  const metadataFiles = scan.metadata.filter((meta) => {
    const route = routeAt.get(meta.pattern);
    if (route) options.warn(`${route.file} answers ${meta.pattern}, so ${meta.file} is not served.`);
    return !route;
  });
  // Pages share Next's URL tree with routes, so their slug names and catch-alls are checked together.
  const otherPages = [...pageAt.values()].filter((page) => !routeAt.has(page.pattern));
  try {
    const files = [...scan.routes, ...metadataFiles, ...otherPages].sort((a, b) => (a.relative < b.relative ? -1 : 1));
    RouteTable.build(files.map((file) => definition(file, file)));
  } catch (error) {
    if (!(error instanceof RouteConflictError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0) throw new RouteConflictError(problems);

  const codeMetadata = metadataFiles.filter((meta) => meta.meta.form === 'code');
  const { modules, outDir } = await compileRoutes(
    [...scan.routes, ...codeMetadata].map((file) => file.file),
    appDir,
  );
  const moduleOf = new Map(modules.map((compiled) => [compiled.file, compiled.module]));
  const configProblems: string[] = [];
  const loaded = (file: RouteFile, module: Record<string, unknown>, metadata?: { alt?: string; static: boolean }) => {
    const { config, problems: invalid, warnings } = readSegmentConfig(module, file.file, file.pattern);
    configProblems.push(...invalid);
    for (const warning of [...warnings, ...(metadata ? [] : exportWarnings(module, file.file))]) options.warn(warning);
    const methods = methodTable(module);
    // 0 (allowed by Next's schema) means no limit, so a route can lift the option's.
    const maxDuration = (config.maxDuration ?? options.maxDuration) || undefined;
    const limits = { maxDuration, generationTimeout: Math.min(options.staticPageGenerationTimeout, maxDuration ?? Infinity) };
    return definition<LoadedRoute>(file, {
      methods,
      params: paramSpec(file.segments),
      dynamic: file.segments.some((segment) => segment.kind !== 'static'),
      config,
      staticPolicy: metadata ? metadataPolicy(config, methods.exported, file, metadata.static, limits) : staticPolicy(config, methods.exported, limits),
      context: {
        file: file.file,
        route: file.pattern,
        modes: requestModes(config, methods.exported),
        authInterrupts: options.authInterrupts,
        draftModeId: options.draftModeId,
        cache: options.cache,
        maxDuration,
        logError: options.logError,
      },
      ...(metadata?.alt !== undefined ? { alt: metadata.alt } : {}),
    });
  };
  let definitions: RouteDefinition<LoadedRoute>[];
  try {
    definitions = [
      ...scan.routes.map((file) => loaded(file, moduleOf.get(file.file)!)),
      ...metadataFiles.map((file) => {
        const route = metadataRouteModule(file, moduleOf.get(file.file), { escapeSitemap: options.escapeSitemap });
        if (!route.generatesIds) return loaded(file, route.exports, { alt: route.alt, static: file.meta.form === 'static' });
        // `sitemap.xml` becomes `sitemap/[__metadata_id__]` (the id carries `.xml`), `icon` becomes `icon/[__metadata_id__]`.
        const name = file.segments.at(-1) as { text: string };
        const segments: Segment[] = [
          ...file.segments.slice(0, -1),
          { kind: 'static', text: name.text.slice(0, name.text.length - file.meta.urlExtension.length) },
          { kind: 'param', name: METADATA_ID },
        ];
        return loaded({ ...file, segments, pattern: formatPattern(segments) }, route.exports, { alt: route.alt, static: false });
      }),
    ];
  } catch (error) {
    rmSync(outDir, { recursive: true, force: true });
    throw error;
  }
  if (configProblems.length > 0) {
    rmSync(outDir, { recursive: true, force: true });
    throw new RouteConfigError(configProblems);
  }
  try {
    for (const { value: route, pattern, file } of definitions) {
      const { generateStaticParams, dynamicParams } = route.config;
      if (!generateStaticParams || (dynamicParams && !(options.prerender && route.staticPolicy))) continue;
      route.staticParams = await listedParams(generateStaticParams, route.params, pattern, file);
      if (!dynamicParams) route.onlyParams = new Set(route.staticParams.map((params) => paramsKey(route.params, params)));
    }
  } catch (error) {
    rmSync(outDir, { recursive: true, force: true });
    throw error;
  }
  return { table: RouteTable.build(definitions), outDir };
}

/**
 * What each method's handler may see of the request. `force-static` sanitises every request, as
 * in Next; `dynamic = 'error'` forbids request data while a GET-only file generates its static
 * answer (a file with other methods is dynamic, so its GET sees the request).
 */
function requestModes(config: SegmentConfig, exported: readonly string[]): Record<string, RequestMode> {
  if (config.dynamic === 'force-static') return Object.fromEntries(HTTP_METHODS.map((method) => [method, 'force-static' as const]));
  if (config.dynamic === 'error' && exported.every((method) => method === 'GET' || method === 'HEAD')) return { GET: 'error', HEAD: 'error' };
  return {};
}

/**
 * Next's rule for a static GET route handler: the file exports no other method, and opts in with
 * `force-static`, `dynamic = 'error'`, `revalidate = false | N > 0` or `generateStaticParams`.
 */
function staticPolicy(config: SegmentConfig, exported: readonly string[], limits: RouteLimits, optedIn = false): StaticPolicy | undefined {
  if (!exported.includes('GET') || exported.some((method) => method !== 'GET' && method !== 'HEAD')) return undefined;
  if (config.dynamic === 'force-dynamic' || config.revalidate === 0) return undefined;
  optedIn ||= config.dynamic === 'force-static' || config.dynamic === 'error' || config.revalidate !== undefined || config.generateStaticParams !== undefined;
  if (!optedIn) return undefined;
  return {
    revalidate: config.revalidate ?? false,
    expire: DEFAULT_EXPIRE,
    candidate: config.dynamic === 'force-static' || config.dynamic === 'error' ? config.dynamic : 'auto',
    timeout: limits.generationTimeout,
  };
}

/** Time limits of one route, in seconds. */
interface RouteLimits {
  maxDuration: number | undefined;
  generationTimeout: number;
}

export class RouteConfigError extends Error {
  override readonly name = 'RouteConfigError';

  constructor(readonly problems: string[]) {
    super(`express-route-handlers: ${problems.length} invalid route segment config value(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Next's `next dev` diagnostics, given at every startup: exports that will never answer a request. */
function exportWarnings(module: Record<string, unknown>, file: string): string[] {
  const warnings: string[] = [];
  for (const method of HTTP_METHODS) {
    if (typeof module[method.toLowerCase()] === 'function') {
      warnings.push(`Detected lowercase method '${method.toLowerCase()}' in '${file}'. Export the uppercase '${method}' method name to fix this error.`);
    }
  }
  if ('default' in module) warnings.push(`Detected default export in '${file}'. Export a named export for each HTTP method instead.`);
  if (!HTTP_METHODS.some((method) => typeof module[method] === 'function')) {
    warnings.push(`No HTTP methods exported in '${file}'. Export a named export for each HTTP method.`);
  }
  return warnings;
}

/**
 * Metadata routes are static without opting in, unless params other than a generated id come
 * from the request (`blog/[slug]/opengraph-image.tsx`): those follow the route rule, and a static
 * file there is served as it is, not cached per path, as Next does.
 */
function metadataPolicy(config: SegmentConfig, exported: readonly string[], file: RouteFile, staticFile: boolean, limits: RouteLimits): StaticPolicy | undefined {
  const requestParams = file.segments.some((segment) => segment.kind !== 'static' && segment.name !== METADATA_ID);
  if (!requestParams) return staticPolicy(config, exported, limits, true);
  return staticFile ? undefined : staticPolicy(config, exported, limits);
}

function definition<T>(file: RouteFile, value: T): RouteDefinition<T> {
  return { pattern: file.pattern, segments: file.segments, file: file.file, entry: file.entry, value };
}
