// GET /static/<id>: a force-static answer per id, generated on the first request for that id (no
// generateStaticParams, so every new id is a MISS), then served from the cache. The body size
// depends on the id (100 B – 8 KB) so entries vary; the client recomputes it to check the body.
import { stats } from '../../../stats.mjs';

export const dynamic = 'force-static';

export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  stats.generated.static += 1;
  const size = 100 + ((Number(id) * 7919) % 8000);
  return new Response(`static ${id}:`.padEnd(size, '.'), { headers: { 'content-type': 'text/plain' } });
}
