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

/** What may stand as a child: text and numbers are drawn, `null`/`undefined`/booleans draw nothing. */
export type JsxNode = JsxElement | string | number | bigint | boolean | null | undefined | Iterable<JsxNode>;

/** The props satori reads on an HTML or SVG tag; any other attribute (SVG's `viewBox`, `d`, `fill`, …) passes as well. */
export interface JsxIntrinsicProps {
  children?: JsxNode;
  /** Inline CSS as satori supports it: camelCase properties, numbers meaning pixels where a length is expected. */
  style?: { [property: string]: string | number | undefined };
  /** Tailwind classes, which satori applies instead of `className`. */
  tw?: string;
  /** `<img>`: an absolute URL, a data URI, or the image's bytes. */
  src?: string | ArrayBuffer;
  width?: number | string;
  height?: number | string;
  alt?: string;
  [attribute: string]: unknown;
}

/**
 * Type checking of JSX when `react/jsx-runtime` maps to this file (tsconfig `paths`): TypeScript's
 * automatic runtime reads `JSX` from that module. Types only; nothing here exists at run time.
 */
export declare namespace JSX {
  type Element = JsxElement;
  interface IntrinsicElements {
    [tag: string]: JsxIntrinsicProps;
  }
  interface IntrinsicAttributes {
    key?: string | number | bigint | null;
  }
  /** Children written between tags are checked against a component's `children` prop. */
  interface ElementChildrenAttribute {
    children: {};
  }
}

/** Same as `jsx` (React only uses the difference for key warnings in development). */
export const jsxs = jsx;

/** `react/jsx-dev-runtime`'s entry; the source location arguments are not used. */
export function jsxDEV(type: unknown, config: Record<string, unknown> | null | undefined, key?: unknown): JsxElement {
  return jsx(type, config, key);
}
