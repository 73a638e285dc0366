import { NextResponse, type NextRequest } from 'next/server';

// GET /api/cookies with `Cookie: session=abc; theme=dark` -> {"session":"abc"} and two cookies set.
export function GET(request: NextRequest) {
  const session = request.cookies.get('session')?.value;
  const response = NextResponse.json({ session });
  response.cookies.set('a', '1', { path: '/' });
  response.cookies.set('b', '2', { path: '/', httpOnly: true });
  return response;
}
