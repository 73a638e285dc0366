import type { Segment } from '../discover/segments';
import type { Params, ParamSpec } from '../dispatch/params';

/**
 * The params a route's `generateStaticParams` lists, checked as `next build` checks them: the
 * paths `prerender` generates, and with `dynamicParams = false` the only params the route answers.
 */
export async function listedParams(
  generateStaticParams: (...args: any[]) => unknown,
  spec: ParamSpec,
  pattern: string,
  file: string,
): Promise<Params[]> {
  let listed: unknown;
  try {
    listed = await generateStaticParams({ params: {} });
  } catch (error) {
    throw new Error(`generateStaticParams failed for "${pattern}" (${file}): ${(error as Error)?.message ?? error}`, { cause: error });
  }
  if (!Array.isArray(listed)) {
    throw new Error(`generateStaticParams for "${pattern}" must return an array of params objects (${file})`);
  }
  const all: Params[] = [];
  for (const item of listed) {
    const params = (item ?? {}) as Record<string, unknown>;
    for (const { name, many } of spec) {
      const value = params[name];
      const valid = many ? value === undefined || (Array.isArray(value) && value.every((part) => typeof part === 'string')) : typeof value === 'string';
      if (!valid) {
        // Next's wording for the same mistake at build time.
        throw new Error(
          `A required parameter (${name}) was not provided as ${many ? 'an array' : 'a string'} received ${typeof value} in generateStaticParams for ${pattern} (${file})`,
        );
      }
    }
    all.push(params as Params);
  }
  return all;
}

/** One string per combination of param values, in the route's segment order. */
export function paramsKey(spec: ParamSpec, params: Params): string {
  return JSON.stringify(spec.map(({ name }) => params[name] ?? null));
}

/** The concrete path of a route for some params (each value percent-encoded as one segment). */
export function pathFor(segments: readonly Segment[], params: Params): string {
  const parts: string[] = [];
  for (const segment of segments) {
    if (segment.kind === 'static') parts.push(segment.text);
    else {
      const value = params[segment.name];
      if (value === undefined) continue;
      parts.push(...(Array.isArray(value) ? value : [value]).map(encodeURIComponent));
    }
  }
  return `/${parts.join('/')}`;
}
