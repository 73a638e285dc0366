// The JSX runtime route files get when the app has no `react` (see compile.ts): elements shaped like
// React 19's, which is all satori (`next/og`) reads. With React installed, route files use React's.

const elementType = Symbol.for('react.transitional.element');

/** React's Fragment is this very symbol; satori renders an element of this type as its children. */
export const Fragment = Symbol.for('react.fragment');

export interface JsxElement {
  $$typeof: symbol;
  type: unknown;
  key: string | null;
  props: Record<string, unknown>;
}

/** `jsx(type, props, key)`: children are in `props`; a `key` spread into props wins, as in React. */
export function jsx(type: unknown, config: Record<string, unknown> | null | undefined, key?: unknown): JsxElement {
  const { key: configKey, ...props } = config ?? {};
  const chosen = configKey !== undefined ? configKey : key;
  return { $$typeof: elementType, type, key: chosen === undefined ? null : String(chosen), props };
}

/** Same as `jsx` (React only uses the difference for key warnings in development). */
export const jsxs = jsx;

/** `react/jsx-dev-runtime`'s entry; the source location arguments are not used. */
export function jsxDEV(type: unknown, config: Record<string, unknown> | null | undefined, key?: unknown): JsxElement {
  return jsx(type, config, key);
}
