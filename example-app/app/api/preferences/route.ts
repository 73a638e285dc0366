import { cookies } from 'next/headers';
import { NextResponse, type NextRequest } from 'next/server';

const THEMES = new Set(['light', 'dark']);

// GET /api/preferences — read a cookie through next/headers' cookies().
export async function GET() {
  const cookieStore = await cookies();
  return NextResponse.json({ theme: cookieStore.get('theme')?.value ?? 'light' });
}

// PUT /api/preferences {"theme":"dark"} — cookies().set() becomes a Set-Cookie on whatever we return.
export async function PUT(request: NextRequest) {
  const { theme } = (await request.json()) as { theme?: string };
  if (!theme || !THEMES.has(theme)) {
    return NextResponse.json({ error: `theme must be one of ${[...THEMES].join(', ')}` }, { status: 400 });
  }
  const cookieStore = await cookies();
  cookieStore.set('theme', theme, { path: '/', maxAge: 60 * 60 * 24 * 365, sameSite: 'lax' });
  return NextResponse.json({ theme, sameRequestSees: cookieStore.get('theme')?.value });
}
