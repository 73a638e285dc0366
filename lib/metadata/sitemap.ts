/**
 * sitemap.xml serialiser for `app/sitemap.ts` metadata routes, byte-identical to Next.js 16
 * (`resolveSitemap` in next/dist/build/webpack/loaders/metadata/resolve-route-data). See spec §6.4.
 *
 * Parity notes (deliberately reproduced):
 * - Namespaces are declared only when some entry needs them, in the order image, video, xhtml. `xhtml` is
 *   declared as soon as an entry has an `alternates` object with any key (even `{ languages: {} }`).
 * - Per entry: `<loc>`, `<xhtml:link>` per language, `<image:image>` blocks, `<video:video>` blocks, then
 *   `<lastmod>` (Date → `toISOString()`), `<changefreq>`, `<priority>` (only when a number).
 * - Video `title`, `thumbnail_loc` and `description` are always written (`undefined` prints as
 *   `undefined`); the other video fields only when truthy. An `uploader` without a truthy `info` prints as
 *   `<video:uploader>` only when `info` is `''`; with `info` undefined Next writes `<video:uploaderundefined>`.
 * - Values are interpolated with JS string conversion (Dates in video fields use `Date#toString()`).
 * - **No XML escaping** by default. `{ escape: true }` (an extension, off the parity path) escapes
 *   `& < > " '` in every text and attribute value; nothing else changes.
 */

type ChangeFrequency = 'always' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly' | 'never';

export type SitemapVideoRestriction = {
  relationship: 'allow' | 'deny';
  content: string;
};

export type SitemapVideo = {
  title: string;
  thumbnail_loc: string;
  description: string;
  content_loc?: string;
  player_loc?: string;
  duration?: number;
  expiration_date?: Date | string;
  rating?: number;
  view_count?: number;
  publication_date?: Date | string;
  family_friendly?: 'yes' | 'no';
  restriction?: SitemapVideoRestriction;
  platform?: SitemapVideoRestriction;
  requires_subscription?: 'yes' | 'no';
  uploader?: {
    info?: string;
    content?: string;
  };
  live?: 'yes' | 'no';
  tag?: string;
};

export type SitemapEntry = {
  url: string;
  lastModified?: string | Date;
  changeFrequency?: ChangeFrequency;
  priority?: number;
  alternates?: {
    /** hreflang → URL, written as `<xhtml:link rel="alternate" … />` in key order. */
    languages?: Record<string, string | undefined>;
  };
  /** Image URLs, one `<image:image>` block each. */
  images?: string[];
  videos?: SitemapVideo[];
};

/** Next's `MetadataRoute.Sitemap`. */
export type Sitemap = SitemapEntry[];

export type ResolveSitemapOptions = {
  /** Escape `& < > " '` in text and attribute values. Default `false` (Next writes values raw). */
  escape?: boolean;
};

const XML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => XML_ENTITIES[char]!);
}

export function resolveSitemap(data: Sitemap, options: ResolveSitemapOptions = {}): string {
  const text: (value: unknown) => string = options.escape ? (value) => escapeXml(`${value}`) : (value) => `${value}`;

  const hasAlternates = data.some((entry) => Object.keys(entry.alternates ?? {}).length > 0);
  const hasImages = data.some((entry) => Boolean(entry.images?.length));
  const hasVideos = data.some((entry) => Boolean(entry.videos?.length));

  let urlset = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"';
  if (hasImages) urlset += ' xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"';
  if (hasVideos) urlset += ' xmlns:video="http://www.google.com/schemas/sitemap-video/1.1"';
  if (hasAlternates) urlset += ' xmlns:xhtml="http://www.w3.org/1999/xhtml"';
  urlset += '>';

  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>', urlset];

  for (const entry of data) {
    lines.push('<url>', `<loc>${text(entry.url)}</loc>`);

    const languages = entry.alternates?.languages;
    if (languages && Object.keys(languages).length) {
      // for…in (not Object.keys) to enumerate exactly what Next enumerates.
      for (const hreflang in languages) {
        lines.push(`<xhtml:link rel="alternate" hreflang="${text(hreflang)}" href="${text(languages[hreflang])}" />`);
      }
    }

    if (entry.images?.length) {
      for (const image of entry.images) lines.push('<image:image>', `<image:loc>${text(image)}</image:loc>`, '</image:image>');
    }

    if (entry.videos?.length) {
      for (const video of entry.videos) lines.push(...videoLines(video, text));
    }

    if (entry.lastModified) {
      const lastmod = entry.lastModified instanceof Date ? entry.lastModified.toISOString() : entry.lastModified;
      lines.push(`<lastmod>${text(lastmod)}</lastmod>`);
    }
    if (entry.changeFrequency) lines.push(`<changefreq>${text(entry.changeFrequency)}</changefreq>`);
    if (typeof entry.priority === 'number') lines.push(`<priority>${text(entry.priority)}</priority>`);

    lines.push('</url>');
  }

  lines.push('</urlset>');
  return lines.map((line) => `${line}\n`).join('');
}

function videoLines(video: SitemapVideo, text: (value: unknown) => string): string[] {
  const lines = [
    '<video:video>',
    `<video:title>${text(video.title)}</video:title>`,
    `<video:thumbnail_loc>${text(video.thumbnail_loc)}</video:thumbnail_loc>`,
    `<video:description>${text(video.description)}</video:description>`,
  ];
  // Written only when truthy, in this order (a 0 duration/view_count/rating is omitted, as in Next).
  const simple = [
    'content_loc',
    'player_loc',
    'duration',
    'view_count',
    'tag',
    'rating',
    'expiration_date',
    'publication_date',
    'family_friendly',
    'requires_subscription',
    'live',
  ] as const;
  for (const field of simple) {
    const value = video[field];
    if (value) lines.push(`<video:${field}>${text(value)}</video:${field}>`);
  }
  if (video.restriction) {
    lines.push(`<video:restriction relationship="${text(video.restriction.relationship)}">${text(video.restriction.content)}</video:restriction>`);
  }
  if (video.platform) {
    lines.push(`<video:platform relationship="${text(video.platform.relationship)}">${text(video.platform.content)}</video:platform>`);
  }
  if (video.uploader) {
    const { info, content } = video.uploader;
    // Next interpolates `info && ` info="…"``: a falsy info leaks its own string form ('' or 'undefined').
    const attribute = info ? ` info="${text(info)}"` : `${info}`;
    lines.push(`<video:uploader${attribute}>${text(content)}</video:uploader>`);
  }
  lines.push('</video:video>');
  return lines;
}
