import { randomUUID } from 'node:crypto';
import { NextResponse, type NextRequest } from 'next/server';

const COOKIE = 'session';

// GET /api/session — what the `session` cookie says (Express's cookie-parser sees the same cookie).
export async function GET(request: NextRequest) {
  const session = request.cookies.get(COOKIE);
  return NextResponse.json({
    loggedIn: session !== undefined,
    session: session?.value ?? null,
    cookies: request.cookies.getAll().map((cookie) => cookie.name),
  });
}

// POST /api/session — "log in": issues a new session cookie.
export async function POST(request: NextRequest) {
  const previous = request.cookies.get(COOKIE)?.value ?? null;
  const session = randomUUID();
  const response = NextResponse.json({ loggedIn: true, session, replaced: previous }, { status: 201 });
  response.cookies.set(COOKIE, session, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    maxAge: 60 * 60,
    secure: request.nextUrl.protocol === 'https:',
  });
  return response;
}

// DELETE /api/session — "log out": clears the cookie.
export async function DELETE(request: NextRequest) {
  const response = NextResponse.json({ loggedIn: false, had: request.cookies.has(COOKIE) });
  response.cookies.delete(COOKIE);
  return response;
}
