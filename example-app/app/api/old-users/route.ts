import { NextResponse, type NextRequest } from 'next/server';

// GET /api/old-users → 307 Temporary Redirect to /api/users (query string kept).
// NextResponse.redirect needs an absolute URL; build it from request.url.
export function GET(request: NextRequest) {
  const target = new URL('/api/users', request.url);
  target.search = request.nextUrl.search;
  return NextResponse.redirect(target);
}
