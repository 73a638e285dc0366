import { NextResponse, type NextRequest } from 'next/server';

// Optional catch-all: matches /api/docs as well as /api/docs/guides/routing.
export async function GET(_request: NextRequest, { params }: { params: Promise<{ slug?: string[] }> }) {
  const { slug } = await params;
  return NextResponse.json({
    slug: slug ?? null,
    page: slug ? slug.join(' › ') : 'Documentation index',
  });
}
