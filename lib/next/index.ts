// `import type { MetadataRoute } from 'next'` in robots.ts / sitemap.ts / manifest.ts, for apps without
// the `next` package: a tsconfig `paths` entry maps the bare `next` here. Types only; route files
// never import `next` itself at run time.
export type { MetadataRoute } from '../metadata/types';
