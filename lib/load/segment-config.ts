// Route segment config (`export const dynamic = …` and friends) read from a route module, validated
// with the rules and words of Next.js 16 (build/segment-config/app/app-segment-config.ts, whose zod
// schema runs on the route module's real exports at `next build`).

import { inspect } from 'node:util';

export type DynamicMode = 'auto' | 'force-dynamic' | 'error' | 'force-static';
export type FetchCacheMode =
  | 'auto'
  | 'default-cache'
  | 'only-cache'
  | 'force-cache'
  | 'force-no-store'
  | 'default-no-store'
  | 'only-no-store';

export interface SegmentConfig {
  /** Default `'auto'`. */
  dynamic: DynamicMode;
  /** `undefined` when not exported. */
  revalidate: number | false | undefined;
  /** Default `true`. */
  dynamicParams: boolean;
  fetchCache: FetchCacheMode | undefined;
  /** Default `'nodejs'`; `'edge'` still runs on Node (with a warning). */
  runtime: 'nodejs' | 'edge';
  preferredRegion: string | string[] | undefined;
  maxDuration: number | undefined;
  generateStaticParams: ((...args: any[]) => unknown) | undefined;
}

export interface SegmentConfigResult {
  config: SegmentConfig;
  /** Fail startup, as they fail `next build`. */
  problems: string[];
  /** To be logged once. */
  warnings: string[];
}

// Listed in Next's schema order, which is the order its messages print them in.
const DYNAMIC_MODES: readonly DynamicMode[] = ['auto', 'error', 'force-static', 'force-dynamic'];
const FETCH_CACHE_MODES: readonly FetchCacheMode[] = [
  'auto',
  'default-cache',
  'only-cache',
  'force-cache',
  'force-no-store',
  'default-no-store',
  'only-no-store',
];
// Next 16's app-directory schema has no 'experimental-edge' (only the pages schema keeps it), so
// `runtime = 'experimental-edge'` in a route handler fails `next build`; it fails here too.
const RUNTIMES = ['edge', 'nodejs'] as const;

export function defaultSegmentConfig(): SegmentConfig {
  return {
    dynamic: 'auto',
    revalidate: undefined,
    dynamicParams: true,
    fetchCache: undefined,
    runtime: 'nodejs',
    preferredRegion: undefined,
    maxDuration: undefined,
    generateStaticParams: undefined,
  };
}

/**
 * Reads the segment config exports of one route module. `file` is the route file (named in every
 * message), `pattern` the route as Next names it (`/api/[slug]`). Unknown exports are ignored, as
 * Next's schema ignores them; an export whose value is `undefined` counts as absent.
 */
export function readSegmentConfig(module: Record<string, unknown>, file: string, pattern: string): SegmentConfigResult {
  const config = defaultSegmentConfig();
  const problems: string[] = [];
  const warnings: string[] = [];

  const check = (name: string, issues: string[], apply: () => void): void => {
    if (issues.length === 0) apply();
    else problems.push(`Invalid ${name} value ${describeValue(module[name])} on "${pattern}": ${issues.join('; ')} (export const ${name} in ${file})`);
  };

  const { revalidate, dynamic, dynamicParams, fetchCache, runtime, preferredRegion, maxDuration, generateStaticParams } = module;

  if (revalidate !== undefined) {
    if (revalidate === false) {
      config.revalidate = false;
    } else if (typeof revalidate === 'number' && nonNegativeIntegerIssues(revalidate).length === 0) {
      // -0 passes Next's checks; store it as a plain 0.
      config.revalidate = revalidate === 0 ? 0 : revalidate;
    } else {
      // Next replaces zod's words with its own sentence for this one export.
      problems.push(
        `Invalid revalidate value ${describeValue(revalidate)} on "${pattern}", must be a non-negative number or false (export const revalidate in ${file})`,
      );
    }
  }

  if (dynamic !== undefined) {
    check('dynamic', enumIssues(dynamic, DYNAMIC_MODES), () => (config.dynamic = dynamic as DynamicMode));
  }

  if (dynamicParams !== undefined) {
    check('dynamicParams', typeIssues(dynamicParams, 'boolean'), () => (config.dynamicParams = dynamicParams as boolean));
  }

  if (fetchCache !== undefined) {
    check('fetchCache', enumIssues(fetchCache, FETCH_CACHE_MODES), () => (config.fetchCache = fetchCache as FetchCacheMode));
  }

  if (runtime !== undefined) {
    check('runtime', enumIssues(runtime, RUNTIMES), () => {
      config.runtime = runtime as SegmentConfig['runtime'];
      if (runtime === 'edge') {
        warnings.push(
          `export const runtime = 'edge' in ${file}: the edge runtime is not available in express-route-handlers; this route runs on Node.js.`,
        );
      }
    });
  }

  if (preferredRegion !== undefined) {
    check('preferredRegion', regionIssues(preferredRegion), () => (config.preferredRegion = preferredRegion as string | string[]));
  }

  if (maxDuration !== undefined) {
    check('maxDuration', nonNegativeIntegerIssues(maxDuration), () => (config.maxDuration = maxDuration as number));
  }

  if (typeof generateStaticParams === 'function') {
    config.generateStaticParams = generateStaticParams as SegmentConfig['generateStaticParams'];
    if (config.runtime === 'edge') {
      // Next's page name for a route handler is its app path, ending in `/route`.
      const page = `${pattern === '/' ? '' : pattern}/route`;
      problems.push(
        `Page "${page}" cannot use both \`export const runtime = 'edge'\` and export \`generateStaticParams\`. (export const runtime and export generateStaticParams in ${file})`,
      );
    }
  } else if (generateStaticParams !== undefined) {
    // Next only ever calls a function here and silently skips anything else; say so instead.
    warnings.push(
      `export generateStaticParams in ${file} is ignored: expected a function, received ${parsedType(generateStaticParams)}.`,
    );
  }

  return { config, problems, warnings };
}

/**
 * The value as Next prints it in these messages (`JSON.stringify`, so NaN and Infinity read `null`),
 * with a readable fallback where that prints nothing (functions, symbols) or throws (bigint, cycles).
 */
function describeValue(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    // bigint, circular structures
  }
  return json === undefined ? inspect(value, { depth: 1, breakLength: Infinity }) : json;
}

/** zod's name for the type of a value, as it appears in "Expected …, received <type>". */
function parsedType(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return Number.isNaN(value) ? 'nan' : 'number';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return 'array';
      if (typeof (value as Promise<unknown>).then === 'function' && typeof (value as Promise<unknown>).catch === 'function') return 'promise';
      if (value instanceof Map) return 'map';
      if (value instanceof Set) return 'set';
      if (value instanceof Date) return 'date';
      return 'object';
    default:
      return typeof value;
  }
}

function typeIssues(value: unknown, expected: string): string[] {
  const received = parsedType(value);
  return received === expected ? [] : [`Expected ${expected}, received ${received}`];
}

function enumIssues(value: unknown, options: readonly string[]): string[] {
  const expected = options.map((option) => `'${option}'`).join(' | ');
  if (typeof value !== 'string') return [`Expected ${expected}, received ${parsedType(value)}`];
  return options.includes(value) ? [] : [`Invalid enum value. Expected ${expected}, received '${value}'`];
}

/** `z.number().int().nonnegative()`: both refinements are reported when both fail. */
function nonNegativeIntegerIssues(value: unknown): string[] {
  const typeIssue = typeIssues(value, 'number');
  if (typeIssue.length > 0) return typeIssue;
  const issues: string[] = [];
  if (!Number.isInteger(value)) issues.push('Expected integer, received float');
  if (!((value as number) >= 0)) issues.push('Number must be greater than or equal to 0');
  return issues;
}

/**
 * `z.union([z.string(), z.array(z.string())])`. When neither branch fits, Next prints the issues of
 * both branches joined by ", or " (an array element is named by its index), dropping repeats.
 */
function regionIssues(value: unknown): string[] {
  if (typeof value === 'string') return [];
  const branches: string[] = [`Expected string, received ${parsedType(value)}`];
  if (Array.isArray(value)) {
    const elements = value.flatMap((element, index) =>
      typeof element === 'string' ? [] : [`Expected string, received ${parsedType(element)} at "preferredRegion[${index}]"`],
    );
    if (elements.length === 0) return [];
    branches.push(elements.join('; '));
  } else {
    branches.push(`Expected array, received ${parsedType(value)}`);
  }
  return [[...new Set(branches)].join(', or ')];
}
