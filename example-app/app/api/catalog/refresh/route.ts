import { revalidatePath } from 'next/cache';

// POST /api/catalog/refresh — on-demand revalidation from a route handler, as in Next.js: the next
// GET /api/catalog regenerates before answering (x-nextjs-cache: MISS, new generatedAt and ETag).
// A route file exporting POST is dynamic, so this one always runs.
export function POST() {
  revalidatePath('/api/catalog');
  return Response.json({ revalidated: ['/api/catalog'], at: new Date().toISOString() });
}
