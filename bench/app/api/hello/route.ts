import type { NextRequest } from 'next/server';

// GET /api/hello?name=bench -> {"hello":"bench"}
export function GET(request: NextRequest) {
  const name = request.nextUrl.searchParams.get('name');
  return Response.json({ hello: name });
}
