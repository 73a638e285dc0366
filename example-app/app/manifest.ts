import type { MetadataRoute } from 'next';
import { SITE_NAME } from './_lib/site';

// GET /manifest.webmanifest — relative URLs resolve against the manifest's own URL, so no origin here.
export default function manifest(): MetadataRoute.Manifest {
  return {
    name: SITE_NAME,
    short_name: 'ERH example',
    description: 'Next.js App Router route handlers served by a legacy Express 4 app.',
    start_url: '/',
    display: 'standalone',
    background_color: '#0f172a',
    theme_color: '#0f766e',
    // app/icon.tsx, rendered at the size it exports.
    icons: [{ src: '/icon', sizes: '32x32', type: 'image/png' }],
  };
}
