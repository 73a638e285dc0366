import { redirect, notFound } from 'next/navigation';
import { after, type NextRequest } from 'next/server';
import { recordVisit } from '../../../lib/store.js';

const SHORTCUTS: Record<string, string> = {
  users: '/api/users',
  docs: '/api/docs',
  source: 'https://github.com/',
};

// GET /api/go?to=users — a short-link service: redirect() answers 307 with the Location as given,
// notFound() answers 404, and after() records the visit once the response is on its way.
export function GET(request: NextRequest) {
  const name = request.nextUrl.searchParams.get('to') ?? '';
  const target = SHORTCUTS[name];
  if (!target) notFound();
  after(() => recordVisit(name));
  redirect(target);
}
