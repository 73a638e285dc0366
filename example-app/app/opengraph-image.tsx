import { ImageResponse } from 'next/og';
import { listProducts, listUsers } from '../lib/store.js';
import { SITE_NAME } from './_lib/site';

// GET /opengraph-image — the site's social card, 1200×630 as the networks expect. `alt` is not part of
// the image: Next puts it in <meta property="og:image:alt">; here `handlers.routes` carries it.
export const alt = `${SITE_NAME}: Next.js route handlers inside an Express 4 app`;
export const size = { width: 1200, height: 630 };
export const contentType = 'image/png';

function Stat({ value, label }: { value: number; label: string }) {
  return (
    <div style={{ display: 'flex', flexDirection: 'column', padding: '24px 40px', borderRadius: 20, background: 'rgba(255, 255, 255, 0.1)' }}>
      {/* A string: satori only takes text as the lone child of a non-flex <div>, and a number is not text to it. */}
      <div style={{ fontSize: 64 }}>{String(value)}</div>
      <div style={{ fontSize: 28, color: '#99f6e4' }}>{label}</div>
    </div>
  );
}

export default function Image() {
  // Generated once and cached (nothing here reads the request), like the rest of the app's metadata.
  return new ImageResponse(
    (
      <div
        style={{
          width: '100%',
          height: '100%',
          display: 'flex',
          flexDirection: 'column',
          justifyContent: 'space-between',
          padding: 72,
          backgroundImage: 'linear-gradient(135deg, #0f172a 0%, #134e4a 100%)',
          color: '#f8fafc',
        }}
      >
        <div style={{ display: 'flex', flexDirection: 'column' }}>
          <div style={{ fontSize: 32, color: '#5eead4' }}>express-route-handlers</div>
          <div style={{ fontSize: 72, lineHeight: 1.1, marginTop: 16 }}>Next.js route handlers, served by Express</div>
        </div>
        <div style={{ display: 'flex', gap: 32 }}>
          <Stat value={listUsers().length} label="users" />
          <Stat value={listProducts().length} label="products" />
        </div>
      </div>
    ),
    { ...size },
  );
}
