import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Loader, Plugin } from 'esbuild';

/**
 * Route modules run from the compile cache, so `import.meta.url`, `__dirname` and `__filename`
 * would name the cache, and `new URL('./data.json', import.meta.url)` beside a route would miss.
 * `define` maps those names (in every bundled module) to these identifiers, and each source file
 * that mentions one gets its own bindings of them (see sourcePathsPlugin): per module, since
 * esbuild renames colliding top-level names apart when it joins modules.
 */
const binding = { url: '__erhImportMetaUrl', dirname: '__erhDirname', filename: '__erhFilename' } as const;

export const sourcePathDefines: Record<string, string> = {
  'import.meta.url': binding.url,
  'import.meta.dirname': binding.dirname,
  'import.meta.filename': binding.filename,
  __dirname: binding.dirname,
  __filename: binding.filename,
};

const mentionsLocation = /import\.meta|__dirname|__filename/;
const defaultLoaders: Record<string, Loader> = { '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx', '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx' };

/**
 * Gives the few bundled source files that mention a location name their bindings. The others are
 * left to esbuild as if the plugin were not there: they cost one read and one search in JS (well
 * under 0.1 ms a file), and passing their text back would cost more than esbuild's own read.
 */
export function sourcePathsPlugin(): Plugin {
  return {
    name: 'express-route-handlers:source-paths',
    setup(pluginBuild) {
      const loaders = { ...defaultLoaders, ...pluginBuild.initialOptions.loader };
      // Synchronous: for files this small, a read through the thread pool costs more than it spares.
      pluginBuild.onLoad({ filter: /\.[cm]?[jt]sx?$/, namespace: 'file' }, (args) => {
        const loader = loaders[path.extname(args.path)];
        if (loader === undefined) return undefined;
        const text = readFileSync(args.path, 'utf8');
        if (!mentionsLocation.test(text)) return undefined;
        return { contents: withLocationBindings(text, args.path), loader };
      });
    },
  };
}

/**
 * The bindings on the line where the code begins (after a hashbang line and the directive
 * prologue, which must stay first), never on a line of their own: every line keeps its number,
 * and only code sharing that line moves right in the source map.
 */
export function withLocationBindings(text: string, file: string): string {
  const declaration =
    `var ${binding.url} = ${literal(pathToFileURL(file).href)}, ${binding.dirname} = ${literal(path.dirname(file))},` +
    ` ${binding.filename} = ${literal(file)};`;
  const { at, separator } = codeStart(text);
  return `${text.slice(0, at)}${separator}${declaration}${text.slice(at)}`;
}

/** A string literal on one line (JSON leaves U+2028/U+2029 raw, which tools may count as line breaks). */
function literal(value: string): string {
  return JSON.stringify(value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * Where a statement may be put first: past a BOM, a hashbang line and the directives
 * (`"use strict";`, `'use client'`). `separator` ends a directive written without its semicolon.
 */
function codeStart(text: string): { at: number; separator: string } {
  let at = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (text.startsWith('#!', at)) {
    const lineEnd = text.indexOf('\n', at);
    if (lineEnd === -1) return { at: text.length, separator: '\n' };
    at = lineEnd + 1;
  }
  let separator = '';
  for (;;) {
    const start = skipTrivia(text, at);
    const quote = text[start];
    if (quote !== '"' && quote !== "'") return { at, separator };
    const literalEnd = stringEnd(text, start, quote);
    if (literalEnd === -1) return { at, separator };
    let next = literalEnd;
    while (text[next] === ' ' || text[next] === '\t') next++;
    if (text[next] === ';') {
      at = next + 1;
      separator = '';
    } else if (next === text.length || text[next] === '\n' || text[next] === '\r' || text.startsWith('//', next)) {
      // A directive ended by the line break (automatic semicolon insertion).
      at = literalEnd;
      separator = ';';
    } else {
      // `'a' + b` and the like: an expression, not a directive.
      return { at, separator };
    }
  }
}

/** Past whitespace and comments. */
function skipTrivia(text: string, from: number): number {
  let at = from;
  for (;;) {
    const char = text[at];
    if (char === ' ' || char === '\t' || char === '\n' || char === '\r' || char === '\f' || char === '\v' || char === '\ufeff') at++;
    else if (text.startsWith('//', at)) {
      const lineEnd = text.indexOf('\n', at);
      at = lineEnd === -1 ? text.length : lineEnd + 1;
    } else if (text.startsWith('/*', at)) {
      const commentEnd = text.indexOf('*/', at + 2);
      at = commentEnd === -1 ? text.length : commentEnd + 2;
    } else return at;
  }
}

/** Just past the closing quote of the string literal starting at `from`, or -1. */
function stringEnd(text: string, from: number, quote: string): number {
  for (let at = from + 1; at < text.length; at++) {
    const char = text[at];
    if (char === '\\') at++;
    else if (char === quote) return at + 1;
    else if (char === '\n') return -1;
  }
  return -1;
}
