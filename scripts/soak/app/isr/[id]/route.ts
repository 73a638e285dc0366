// GET /isr/<id>: revalidated every 5 s (STALE answers while it regenerates), built from data
// cached with unstable_cache under the tag `soak-data`, which the soak revalidates now and then.
import { unstable_cache } from 'next/cache';
import { stats } from '../../../stats.mjs';

export const revalidate = 5;

const loadItem = unstable_cache(
  async (id: string) => {
    stats.dataLoads += 1;
    return { id, loadedAt: Date.now(), tags: Array.from({ length: 8 }, (_, i) => `tag-${id}-${i}`) };
  },
  ['soak-item'],
  { tags: ['soak-data'], revalidate: 30 },
);

export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  stats.generated.isr += 1;
  const item = await loadItem(id);
  return Response.json({ isr: id, generatedAt: Date.now(), item });
}
