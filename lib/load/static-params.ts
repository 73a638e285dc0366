import type { Params, ParamSpec } from '../dispatch/params';

/**
 * The params a route's `generateStaticParams` lists, as keys comparable with a request's decoded
 * params. With `dynamicParams = false`, other params are not the route's (the request goes on).
 */
export async function listedParams(
  generateStaticParams: (...args: any[]) => unknown,
  spec: ParamSpec,
  pattern: string,
  file: string,
): Promise<Set<string>> {
  let listed: unknown;
  try {
    listed = await generateStaticParams({ params: {} });
  } catch (error) {
    throw new Error(`generateStaticParams failed for "${pattern}" (${file}): ${(error as Error)?.message ?? error}`, { cause: error });
  }
  if (!Array.isArray(listed)) {
    throw new Error(`generateStaticParams for "${pattern}" must return an array of params objects (${file})`);
  }
  const keys = new Set<string>();
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
    keys.add(paramsKey(spec, params as Params));
  }
  return keys;
}

/** One string per combination of param values, in the route's segment order. */
export function paramsKey(spec: ParamSpec, params: Params): string {
  return JSON.stringify(spec.map(({ name }) => params[name] ?? null));
}
