/**
 * Web app manifest serialiser for `app/manifest.ts` metadata routes, byte-identical to Next.js 16
 * (`resolveManifest`: plain `JSON.stringify`, no whitespace). Served as `application/manifest+json` (spec §6.5).
 */

type ManifestIcon = {
  src: string;
  type?: string;
  sizes?: string;
  purpose?: 'any' | 'maskable' | 'monochrome' | (string & {});
};

type ManifestImageResource = {
  src: string;
  sizes?: string;
  type?: string;
};

/** Next's `MetadataRoute.Manifest`, kept loose: unknown (newer) members pass through untouched. */
export type Manifest = {
  name?: string;
  short_name?: string;
  description?: string;
  id?: string;
  start_url?: string;
  scope?: string;
  lang?: string;
  dir?: 'ltr' | 'rtl' | 'auto';
  display?: 'fullscreen' | 'standalone' | 'minimal-ui' | 'browser';
  display_override?: Array<'fullscreen' | 'standalone' | 'minimal-ui' | 'browser' | 'window-controls-overlay' | (string & {})>;
  orientation?:
    | 'any'
    | 'natural'
    | 'landscape'
    | 'portrait'
    | 'portrait-primary'
    | 'portrait-secondary'
    | 'landscape-primary'
    | 'landscape-secondary';
  background_color?: string;
  theme_color?: string;
  categories?: string[];
  icons?: ManifestIcon[];
  screenshots?: Array<ManifestImageResource & { form_factor?: 'narrow' | 'wide'; label?: string }>;
  shortcuts?: Array<{ name: string; short_name?: string; description?: string; url: string; icons?: ManifestIcon[] }>;
  related_applications?: Array<{ platform: string; url: string; id?: string }>;
  prefer_related_applications?: boolean;
  protocol_handlers?: Array<{ protocol: string; url: string }>;
  file_handlers?: Array<{ action: string; accept: Record<string, string[]> }>;
  launch_handler?: { client_mode: string | string[] };
  share_target?: {
    action: string;
    method?: 'get' | 'GET' | 'post' | 'POST';
    enctype?: string;
    params: {
      title?: string;
      text?: string;
      url?: string;
      files?: Array<{ name: string; accept: string | string[] }>;
    };
  };
  note_taking?: { new_note_url: string };
  handle_links?: 'auto' | 'preferred' | 'not-preferred' | (string & {});
  scope_extensions?: Array<{ origin: string }>;
  iarc_rating_id?: string;
  [member: string]: unknown;
};

export function resolveManifest(data: Manifest): string {
  return JSON.stringify(data);
}
