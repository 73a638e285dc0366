import { NextResponse } from 'next/server';
import { listUsers, stats } from '../../../../lib/store.js';

// `(admin)` is a route group: it organises files and does not appear in the URL → GET /api/stats.
// `stats.requests` is counted by the Express logger middleware in server.js: same module instance.
export function GET() {
  const users = listUsers();
  const byRole: Record<string, number> = {};
  for (const user of users) byRole[user.role] = (byRole[user.role] ?? 0) + 1;
  return NextResponse.json({
    users: users.length,
    byRole,
    requestsSeenByExpress: stats.requests,
    startedAt: stats.startedAt,
    uptimeSeconds: Math.round(process.uptime()),
    memoryMB: Math.round(process.memoryUsage().rss / 1024 / 1024),
  });
}
