// `next/server` as route files see it.
export { NextRequest } from './request';
export { NextResponse } from './response';
export { NextURL } from './next-url';
export { RequestCookies, ResponseCookies } from './cookies';
export { userAgent, userAgentFromString, isBot } from './user-agent';
export type { UserAgent } from './user-agent';
export { after } from './after';
export { connection } from './connection';

/**
 * @deprecated ImageResponse moved from "next/server" to "next/og" since Next.js 14, please import from "next/og" instead.
 * Kept, as in Next.js, only to say so when a route file still imports it from here.
 */
export function ImageResponse(): never {
  throw new Error('ImageResponse moved from "next/server" to "next/og" since Next.js 14, please import from "next/og" instead');
}
