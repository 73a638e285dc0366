// `next/og` as route files see it.

/** A font satori may use, as `@vercel/og` takes it. */
export interface ImageResponseFont {
  name: string;
  data: Buffer | ArrayBuffer;
  weight?: 100 | 200 | 300 | 400 | 500 | 600 | 700 | 800 | 900;
  style?: 'normal' | 'italic';
  lang?: string;
}

/** The second argument of `new ImageResponse()`: image options, then the Response's status and headers. */
export interface ImageResponseOptions {
  /** @default 1200 */
  width?: number;
  /** @default 630 */
  height?: number;
  /** @default 'twemoji' */
  emoji?: 'twemoji' | 'openmoji' | 'blobmoji' | 'noto' | 'fluent' | 'fluentFlat';
  fonts?: ImageResponseFont[];
  /** Draws the layout boxes on the image. */
  debug?: boolean;
  status?: number;
  statusText?: string;
  /** Set over the defaults (`content-type: image/png`, `cache-control: public, max-age=0, must-revalidate`). */
  headers?: HeadersInit;
}

/** What JSX gives (a React element, or the one our runtime makes when the app has no React). */
export interface ImageResponseElement {
  type: unknown;
  props: unknown;
}

type Renderer = new (element: ImageResponseElement, options: ImageResponseOptions) => Response;

// One import per process, made on the first rendered image: apps without image routes never load the renderer.
let renderer: Promise<Renderer> | undefined;

function loadRenderer(): Promise<Renderer> {
  // A real dynamic import (kept by `module: node16`): @vercel/og is ESM-only and cannot be required.
  renderer ??= import('@vercel/og').then((mod) => mod.ImageResponse as unknown as Renderer);
  return renderer;
}

/**
 * A PNG rendered from JSX by `@vercel/og` (satori). The constructor returns at once; the image is
 * rendered when the body is first read, and a render failure errors the body stream.
 */
export class ImageResponse extends Response {
  constructor(element: ImageResponseElement, options: ImageResponseOptions = {}) {
    const headers = new Headers({ 'content-type': 'image/png', 'cache-control': 'public, max-age=0, must-revalidate' });
    if (options.headers) new Headers(options.headers).forEach((value, name) => headers.set(name, value));
    super(renderedBody(element, options), { headers, status: options.status, statusText: options.statusText });
  }
}

function renderedBody(element: ImageResponseElement, options: ImageResponseOptions): ReadableStream<Uint8Array> {
  let source: ReadableStreamDefaultReader<Uint8Array> | null | undefined;
  return new ReadableStream<Uint8Array>(
    {
      // A rejection here errors the stream: the reader sees it, nothing is left unhandled.
      async pull(controller) {
        if (source === undefined) {
          const Rendered = await loadRenderer();
          source = new Rendered(element, options).body?.getReader() ?? null;
        }
        const chunk = source ? await source.read() : { done: true as const, value: undefined };
        if (chunk.done) controller.close();
        else controller.enqueue(chunk.value);
      },
      cancel(reason) {
        return source?.cancel(reason);
      },
    },
    // No read ahead: nothing is rendered until someone reads (a HEAD answer never does).
    { highWaterMark: 0 },
  );
}
