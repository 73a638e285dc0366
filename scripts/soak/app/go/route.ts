// GET /go?to=/path[&permanent=1]: redirect() (307) or permanentRedirect() (308) from next/navigation.
import { permanentRedirect, redirect } from 'next/navigation';
import type { NextRequest } from 'next/server';

export function GET(request: NextRequest) {
  const to = request.nextUrl.searchParams.get('to') ?? '/';
  if (request.nextUrl.searchParams.has('permanent')) permanentRedirect(to);
  redirect(to);
}
