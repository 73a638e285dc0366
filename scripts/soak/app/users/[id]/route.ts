// GET /users/<id>?q=…: a plain dynamic route; the id `missing` answers notFound() (404).
import { notFound } from 'next/navigation';
import type { NextRequest } from 'next/server';

export async function GET(request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (id === 'missing') notFound();
  return Response.json({ id, q: request.nextUrl.searchParams.get('q') });
}
