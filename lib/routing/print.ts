import path from 'node:path';
import type { RouteInfo } from '../middleware';

/** The route table as aligned text, one route per line, in matching order. */
export function formatRouteTable(routes: readonly RouteInfo[], relativeTo = process.cwd()): string {
  const rows = routes.map((route) => [route.pattern, route.methods.join(', ') || '(no methods)', route.rendering, path.relative(relativeTo, route.file)]);
  const widths = [0, 1, 2].map((column) => Math.max(0, ...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column < 3 ? cell.padEnd(widths[column]) : cell)).join('  ').trimEnd()).join('\n');
}
