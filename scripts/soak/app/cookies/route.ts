// GET /cookies with `Cookie: visits=N; session=S`: answers {visits: N, session: S} and sets
// `visits=N+1` through cookies() (next/headers) and `seen=S` on the NextResponse itself.
import { cookies } from 'next/headers';
import { NextResponse } from 'next/server';

export async function GET() {
  const jar = await cookies();
  const visits = Number(jar.get('visits')?.value ?? 0);
  const session = jar.get('session')?.value ?? null;
  jar.set('visits', String(visits + 1), { path: '/', httpOnly: true });
  const response = NextResponse.json({ visits, session });
  response.cookies.set('seen', session ?? 'none', { path: '/', maxAge: 60 });
  return response;
}
