import { NextResponse, type NextRequest } from 'next/server';

// Catch-all: /api/files/a/b/c.txt → { path: ['a', 'b', 'c.txt'] }. /api/files alone is a 404.
export async function GET(request: NextRequest, { params }: { params: Promise<{ path: string[] }> }) {
  const { path } = await params;
  return NextResponse.json({
    path,
    joined: path.join('/'),
    depth: path.length,
    download: request.nextUrl.searchParams.has('download'),
  });
}
