// GET /boom?mode=sync|async|invalid: a handler that fails — throws at once, rejects later, or returns
// something that is not a Response. Each reaches Express's error handler as a RouteHandlerError.
import type { NextRequest } from 'next/server';

export async function GET(request: NextRequest) {
  const mode = request.nextUrl.searchParams.get('mode');
  if (mode === 'async') {
    await new Promise((resolve) => setTimeout(resolve, 1));
    throw new Error('soak: async failure');
  }
  if (mode === 'invalid') return { not: 'a Response' } as unknown as Response;
  throw new Error('soak: sync failure');
}
