import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildFailure, type Plugin } from 'esbuild';
import * as nextCache from '../next/cache';
import * as nextHeaders from '../next/headers';
import * as jsxRuntime from '../next/jsx-runtime';
import * as nextNavigation from '../next/navigation';
import * as nextOg from '../next/og';
import * as nextServer from '../next/server';
import { hasJsx } from './jsx-files';
import { routeFetchIn } from './route-fetch';
import { RouteResponse } from './route-response';
import { routeWebSocket } from './route-websocket';
import { sourcePathDefines, sourcePathsPlugin } from './source-paths';

/** The modules route files get for `next/*` (and `express-route-handlers/*`): one copy, ours. */
const compatModules: Record<string, unknown> = {
  server: nextServer,
  headers: nextHeaders,
  navigation: nextNavigation,
  cache: nextCache,
  og: nextOg,
  // Only for apps without `react` (see compatPlugin); never reached through a specifier.
  'jsx-runtime': jsxRuntime,
  Response: RouteResponse,
  fetchIn: routeFetchIn,
};

// Route bundles read the compatibility modules from here, so they share the very objects this
// copy of the library uses (`instanceof NextResponse` holds, also under test runners' registries).
const registryKey = `express-route-handlers:${process.pid}:${randomBytes(6).toString('hex')}`;
// `import { expressContext } from 'express-route-handlers'` in a route file gets this very copy too
// (its request scope); read late, since this module is itself part of the package's index.
Object.defineProperty(compatModules, 'package', { enumerable: true, get: () => require('../index') as unknown });
// Read only by bundles whose code names `WebSocket` (see routeGlobalsPlugin).
Object.defineProperty(compatModules, 'WebSocket', { enumerable: true, get: routeWebSocket });
(globalThis as Record<symbol, unknown>)[Symbol.for(registryKey)] = compatModules;

const compatSpecifier = /^(?:next|express-route-handlers)\/(server|headers|navigation|cache|og)(?:\.js)?$|^express-route-handlers()$/;
/** What esbuild's `jsx: 'automatic'` imports. */
const jsxRuntimeSpecifier = /^react\/jsx(?:-dev)?-runtime$/;
const nativeJs = /\.(?:c|m)?js$/;
/** What esbuild injects into bundled modules: globals of Next's runtime that Node may lack. */
const routeGlobalsSpecifier = 'express-route-handlers:route-globals';

export interface CompiledRoute {
  file: string;
  module: Record<string, unknown>;
}

/**
 * Compiles every route file in one esbuild pass (TS/JS, ESM/CJS, top-level await) into ESM with
 * shared chunks, then imports them. Returns the module namespace of each file.
 */
export async function compileRoutes(files: string[], appDir: string): Promise<{ modules: CompiledRoute[]; outDir: string }> {
  if (files.length === 0) return { modules: [], outDir: '' };
  const packageRoot = findPackageRoot(appDir);
  const outDir = makeOutDir(packageRoot);
  // What `fetch(file:)` in route code may read.
  const projectRoot = packageRoot ?? path.resolve(appDir);
  const registry = `globalThis[Symbol.for(${JSON.stringify(registryKey)})]`;
  try {
    const result = await build({
      entryPoints: files,
      outdir: outDir,
      outbase: appDir,
      entryNames: '[dir]/[name]-[hash]',
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'silent',
      jsx: 'automatic',
      // Next compiles JSX in `.js` files too (`.jsx` is esbuild's default).
      loader: { '.js': 'jsx' },
      // CommonJS route files keep a working require() for packages left external; `Response`
      // in route files is our faster subclass (see route-response.ts), and `fetch` goes through
      // the Data Cache during handler calls and reads `file:` URLs of the project (see
      // route-fetch.ts). Both only where the free global name is used in bundled code: the
      // globals themselves are never touched.
      banner: {
        js:
          `import { createRequire as __erhCreateRequire } from 'node:module'; const require = __erhCreateRequire(import.meta.url);` +
          ` const __erhResponse = ${registry}.Response;` +
          ` const __erhFetch = ${registry}.fetchIn(${JSON.stringify(projectRoot)});`,
      },
      inject: [routeGlobalsSpecifier],
      define: {
        Response: '__erhResponse',
        fetch: '__erhFetch',
        // `typeof WebSocket` is the injected binding itself; the member forms are mapped to it.
        'globalThis.WebSocket': '__erhWebSocket',
        'global.WebSocket': '__erhWebSocket',
        ...sourcePathDefines,
      },
      plugins: [compatPlugin(), routeGlobalsPlugin(), sharedJsPlugin(appDir), sourcePathsPlugin()],
    });
    process.setSourceMapsEnabled(true);
    const outputByEntry = new Map<string, { output: string; commonJs: boolean }>();
    for (const [output, meta] of Object.entries(result.metafile.outputs)) {
      if (!meta.entryPoint) continue;
      const commonJs = result.metafile.inputs[meta.entryPoint]?.format === 'cjs';
      outputByEntry.set(path.resolve(meta.entryPoint), { output: path.resolve(output), commonJs });
    }
    const modules: CompiledRoute[] = [];
    for (const file of files) {
      const entry = outputByEntry.get(path.resolve(file));
      if (!entry) throw new Error(`esbuild produced no output for ${file}`);
      const namespace = await importRouteModule(file, entry.output);
      // esbuild turns a CommonJS entry into `export default module.exports`: its exports are the module's.
      modules.push({ file, module: entry.commonJs ? commonJsExports(namespace) : namespace });
    }
    return { modules, outDir };
  } catch (error) {
    rmSync(outDir, { recursive: true, force: true });
    throw isBuildFailure(error) ? compileError(error) : error;
  }
}

function commonJsExports(namespace: Record<string, unknown>): Record<string, unknown> {
  const exports = namespace.default;
  return (typeof exports === 'object' || typeof exports === 'function') && exports !== null ? (exports as Record<string, unknown>) : {};
}

function isBuildFailure(error: unknown): error is BuildFailure {
  return error instanceof Error && Array.isArray((error as BuildFailure).errors);
}

/** esbuild's failure with absolute file paths (it prints them relative to the working directory). */
function compileError(failure: BuildFailure): Error {
  const problems = failure.errors.map((message) => {
    const where = message.location ? `${path.resolve(message.location.file)}:${message.location.line}:${message.location.column}: ` : '';
    return `  - ${where}${message.text}`;
  });
  return new Error(`express-route-handlers: ${problems.length} route file problem(s) at compile time:\n${problems.join('\n')}`, { cause: failure });
}

async function importRouteModule(file: string, output: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(output).href)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`Failed to load route file ${file}: ${(error as Error)?.message ?? error}`, { cause: error });
  }
}

function compatPlugin(): Plugin {
  return {
    name: 'express-route-handlers:next-compat',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: compatSpecifier }, (args) => {
        const name = compatSpecifier.exec(args.path)![1] || 'package';
        if (!(name in compatModules)) {
          return { errors: [{ text: `"${args.path}" is not provided by this version of express-route-handlers` }] };
        }
        return { path: name, namespace: 'next-compat' };
      });
      // JSX in a route file (an ImageResponse) must not need React: without it, our tiny runtime.
      // With React resolvable from the file, the import stays external and React itself is used.
      const reactFound = new Map<string, boolean>();
      pluginBuild.onResolve({ filter: jsxRuntimeSpecifier }, (args) => {
        const key = `${args.path}\0${args.resolveDir}`;
        let found = reactFound.get(key);
        if (found === undefined) {
          found = resolvable(args.path, args.resolveDir);
          reactFound.set(key, found);
        }
        return found ? undefined : { path: 'jsx-runtime', namespace: 'next-compat' };
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: 'next-compat' }, (args) => ({
        contents: `module.exports = globalThis[Symbol.for(${JSON.stringify(registryKey)})][${JSON.stringify(args.path)}];`,
        loader: 'js',
      }));
    },
  };
}

/**
 * The module esbuild injects: esbuild pulls it into a bundle only where code names one of its
 * exports, so an app that never says `WebSocket` never reads it (nor loads undici).
 */
function routeGlobalsPlugin(): Plugin {
  return {
    name: 'express-route-handlers:route-globals',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: new RegExp(`^${routeGlobalsSpecifier}$`) }, () => ({
        path: 'route-globals',
        namespace: 'route-globals',
        sideEffects: false,
      }));
      pluginBuild.onLoad({ filter: /.*/, namespace: 'route-globals' }, () => ({
        contents:
          `const webSocket = globalThis[Symbol.for(${JSON.stringify(registryKey)})].WebSocket;\n` +
          `export { webSocket as WebSocket, webSocket as __erhWebSocket };\n`,
        loader: 'js',
      }));
    },
  };
}

function resolvable(specifier: string, fromDir: string): boolean {
  try {
    require.resolve(specifier, { paths: [fromDir] });
    return true;
  } catch {
    return false;
  }
}

/**
 * Plain JavaScript outside the app directory stays external and is loaded by Node itself, so a
 * module the Express app also requires (a db pool, a cache) is one instance for both. A `.js`
 * file written with JSX (a component beside the app) is bundled instead: Node could not load it.
 */
function sharedJsPlugin(appDir: string): Plugin {
  const appRoot = path.resolve(appDir) + path.sep;
  return {
    name: 'express-route-handlers:shared-js',
    setup(pluginBuild) {
      const jsxFiles = new Map<string, Promise<boolean>>();
      const withJsx = (file: string) => {
        let found = jsxFiles.get(file);
        if (found === undefined) {
          found = file.endsWith('.js') ? hasJsx(file) : Promise.resolve(false);
          jsxFiles.set(file, found);
        }
        return found;
      };
      pluginBuild.onResolve({ filter: /^\.{0,2}\// }, async (args) => {
        if (args.pluginData === sharedJsPlugin || args.namespace !== 'file') return undefined;
        const resolved = await pluginBuild.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: sharedJsPlugin,
        });
        if (resolved.errors.length > 0 || resolved.external) return resolved.errors.length > 0 ? { errors: resolved.errors } : resolved;
        if (
          nativeJs.test(resolved.path) &&
          !resolved.path.startsWith(appRoot) &&
          !resolved.path.includes(`${path.sep}node_modules${path.sep}`) &&
          !(await withJsx(resolved.path))
        ) {
          return { path: resolved.path, external: true };
        }
        return { path: resolved.path };
      });
    },
  };
}

/**
 * A fresh folder per middleware instance, inside the project's node_modules so that Node resolves
 * the packages route files import. An app outside any package has no packages to resolve, and
 * gets no node_modules folder made in it: its folder is in the system's temporary directory.
 * Folders of processes that no longer run are removed.
 */
function makeOutDir(packageRoot: string | undefined): string {
  const cacheRoot = packageRoot === undefined ? tempCacheRoot() : path.join(packageRoot, 'node_modules', '.cache', 'express-route-handlers');
  mkdirSync(cacheRoot, { recursive: true });
  removeStaleOutDirs(cacheRoot);
  const outDir = path.join(cacheRoot, `${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(outDir);
  return outDir;
}

/**
 * The user's own folder in the temporary directory. The code compiled there is imported, so a
 * folder of that name made by someone else (a shared temporary directory) is not used: a fresh
 * private one is.
 */
function tempCacheRoot(): string {
  const uid = process.getuid?.();
  const root = path.join(os.tmpdir(), `express-route-handlers-${uid ?? os.userInfo().username}`);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const stats = lstatSync(root);
  if (stats.isDirectory() && (uid === undefined || (stats.uid === uid && (stats.mode & 0o022) === 0))) return root;
  return mkdtempSync(path.join(os.tmpdir(), 'express-route-handlers-'));
}

/** The nearest folder at or above `start` with a package.json or node_modules. */
function findPackageRoot(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) || existsSync(path.join(dir, 'node_modules'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function removeStaleOutDirs(cacheRoot: string): void {
  for (const name of readdirSync(cacheRoot)) {
    const pid = Number(name.split('-')[0]);
    if (!Number.isInteger(pid) || pid === process.pid || isRunning(pid)) continue;
    rmSync(path.join(cacheRoot, name), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
