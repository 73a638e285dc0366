import { listProducts } from '../../../lib/store.js';

// GET /api/catalog — a static route: `revalidate = 30` makes the first request generate the answer and
// later ones come from the cache (x-nextjs-cache: HIT), with a strong ETag (If-None-Match → 304) and
// `Cache-Control: s-maxage=30, stale-while-revalidate=…`. After 30 s the cached answer is served once
// more (STALE) while it is regenerated in the background. POST /api/catalog/refresh (revalidatePath)
// or PATCH /legacy/catalog/:sku (handlers.revalidatePath from Express code) make the next request
// regenerate at once. With REDIS_URL set, every instance of the app shares these entries.
export const revalidate = 30;

export function GET() {
  const products = listProducts();
  return Response.json({
    products,
    count: products.length,
    // Changes only when the answer is regenerated: compare it across requests (and instances).
    generatedAt: new Date().toISOString(),
    generatedBy: `pid ${process.pid}`,
  });
}
