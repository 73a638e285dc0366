import type { Segment } from './segments';

/** Next's metadata file conventions (`app/sitemap.ts`, `app/icon.png`, …), by base name. */
export type MetadataKind = 'robots' | 'manifest' | 'sitemap' | 'favicon' | 'icon' | 'apple-icon' | 'opengraph-image' | 'twitter-image';

export type MetadataForm =
  /** A file whose bytes are the answer (`robots.txt`, `icon.png`). */
  | { form: 'static'; contentType: string }
  /** A module whose default export produces the answer (`robots.ts`, `icon.tsx`). */
  | { form: 'code' };

export type MetadataName = MetadataForm & {
  kind: MetadataKind;
  /** The URL's last segment before any group suffix: `icon1`, `sitemap`. */
  name: string;
  /** Extension kept in the URL (`.png`, `.xml`); empty for code images. */
  urlExtension: string;
};

/** What each convention accepts as a static file (Next 16's lists), and the type it is served with. */
const staticExtensions: Record<MetadataKind, string[]> = {
  robots: ['txt'],
  manifest: ['json', 'webmanifest'],
  sitemap: ['xml'],
  favicon: ['ico'],
  icon: ['ico', 'jpg', 'jpeg', 'png', 'svg'],
  'apple-icon': ['jpg', 'jpeg', 'png'],
  'opengraph-image': ['jpg', 'jpeg', 'png', 'gif'],
  'twitter-image': ['jpg', 'jpeg', 'png', 'gif'],
};

const imageTypes: Record<string, string> = {
  ico: 'image/x-icon',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  svg: 'image/svg+xml',
  // Next answers a GIF with `text/plain`; we send its real type.
  gif: 'image/gif',
};

/** The text conventions: the type they are served with, static or code, and a code file's URL extension. */
export const TEXT_FILES = {
  robots: { contentType: 'text/plain', codeExtension: '.txt' },
  manifest: { contentType: 'application/manifest+json', codeExtension: '.webmanifest' },
  sitemap: { contentType: 'application/xml', codeExtension: '.xml' },
} as const;

function isTextKind(kind: MetadataKind): kind is keyof typeof TEXT_FILES {
  return kind in TEXT_FILES;
}

/** Conventions that only mean something at the root of the app directory. */
export const ROOT_ONLY: ReadonlySet<MetadataKind> = new Set(['robots', 'manifest', 'favicon']);

const IMAGE_KINDS: ReadonlySet<MetadataKind> = new Set(['icon', 'apple-icon', 'opengraph-image', 'twitter-image']);

function isImageKind(kind: MetadataKind): boolean {
  return IMAGE_KINDS.has(kind);
}

/** The glob that finds candidates; `metadataName` decides. */
export const METADATA_GLOBS = [
  '**/{robots,manifest,favicon,sitemap,icon,apple-icon,opengraph-image,twitter-image}.*',
  '**/{icon,apple-icon,opengraph-image,twitter-image}[0-9].*',
];

/**
 * Reads a file name with Next's rules: `icon3.png` is a static icon, `icon.tsx` a code icon,
 * `sitemap.xml.bak` nothing. Image conventions take one optional digit (numbered variants).
 */
export function metadataName(fileName: string, pageExtensions: readonly string[]): MetadataName | undefined {
  const dot = fileName.indexOf('.');
  if (dot === -1) return undefined;
  const name = fileName.slice(0, dot);
  const extension = fileName.slice(dot + 1);
  const kind = /^(?:icon|apple-icon|opengraph-image|twitter-image)\d$/.test(name) ? (name.slice(0, -1) as MetadataKind) : (name as MetadataKind);
  if (!(kind in staticExtensions)) return undefined;
  if (staticExtensions[kind].includes(extension)) {
    const contentType = isTextKind(kind) ? TEXT_FILES[kind].contentType : kind === 'favicon' ? 'image/x-icon' : imageTypes[extension];
    return { kind, name, form: 'static', contentType, urlExtension: `.${extension}` };
  }
  if (kind === 'favicon' || !pageExtensions.includes(extension)) return undefined;
  return { kind, name, form: 'code', urlExtension: isTextKind(kind) ? TEXT_FILES[kind].codeExtension : '' };
}

/**
 * Next's suffix for image routes below a route group or parallel slot (`opengraph-image-1ow20b`),
 * so that two groups' images cannot share a URL: base 36 of the djb2 hash of the folder path.
 */
function groupSuffix(folders: readonly string[]): string {
  if (!folders.some((folder) => (folder.startsWith('(') && folder.endsWith(')')) || (folder.startsWith('@') && folder !== '@children'))) return '';
  const parent = `/${folders.join('/')}`;
  let hash = 5381;
  for (let i = 0; i < parent.length; i++) hash = (hash * 33 + parent.charCodeAt(i)) | 0;
  return `-${(hash >>> 0).toString(36).slice(0, 6)}`;
}

/** The URL segment a metadata file adds below its folder's segments. */
export function metadataSegment(meta: MetadataName, folders: readonly string[]): Segment {
  const suffix = isImageKind(meta.kind) ? groupSuffix(folders) : '';
  return { kind: 'static', text: `${meta.name}${suffix}${meta.urlExtension}` };
}
