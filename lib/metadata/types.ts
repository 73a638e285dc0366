import type { Manifest } from './manifest';
import type { Robots } from './robots';
import type { Sitemap } from './sitemap';

/** Next's `MetadataRoute` types, for `robots.ts`, `sitemap.ts` and `manifest.ts` written against this package. */
export declare namespace MetadataRoute {
  type Robots = import('./robots').Robots;
  type Sitemap = import('./sitemap').Sitemap;
  type Manifest = import('./manifest').Manifest;
}

export type { Manifest, Robots, Sitemap };
