import { ImageResponse } from 'next/og';

// GET /icon — a 32×32 PNG drawn from JSX. `size` and `contentType` are the exports Next reads for the
// <link rel="icon"> tag; `size` also sizes the image itself.
export const size = { width: 32, height: 32 };
export const contentType = 'image/png';

export default function Icon() {
  return new ImageResponse(
    (
      <div
        style={{
          width: '100%',
          height: '100%',
          display: 'flex',
          alignItems: 'center',
          justifyContent: 'center',
          borderRadius: 7,
          background: '#0f766e',
          color: '#ffffff',
          fontSize: 22,
        }}
      >
        E
      </div>
    ),
    { ...size },
  );
}
