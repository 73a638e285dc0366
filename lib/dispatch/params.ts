import type { Segment } from '../discover/segments';

export type Params = Record<string, string | string[]>;

/** The dynamic segments of a route, in order, read once at startup. */
export type ParamSpec = { name: string; many: boolean }[];

export function paramSpec(segments: readonly Segment[]): ParamSpec {
  return segments.filter((s) => s.kind !== 'static').map((s) => ({ name: (s as { name: string }).name, many: s.kind !== 'param' }));
}

/**
 * Decodes the raw captures of a match (each segment on its own, so `%2F` stays inside one value).
 * Returns undefined for malformed percent-encoding. An absent optional catch-all is omitted.
 */
export function decodeParams(spec: ParamSpec, captures: (string | string[])[]): Params | undefined {
  const params: Params = {};
  try {
    for (let i = 0; i < captures.length; i++) {
      const raw = captures[i];
      params[spec[i].name] = typeof raw === 'string' ? decode(raw) : raw.map(decode);
    }
  } catch {
    return undefined;
  }
  return params;
}

function decode(raw: string): string {
  return raw.includes('%') ? decodeURIComponent(raw) : raw;
}

/** `params` as a Promise (Next 15/16) whose keys are also readable without `await` (Next 14 code). */
export function paramsArgument(params: Params): Promise<Params> & Params {
  return Object.assign(Promise.resolve(params), params);
}
