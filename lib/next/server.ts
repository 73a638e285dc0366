// `next/server` as route files see it.
export { NextRequest } from './request';
export { NextResponse } from './response';
export { NextURL } from './next-url';
export { RequestCookies, ResponseCookies } from './cookies';
export { userAgent, userAgentFromString, isBot } from './user-agent';
export type { UserAgent } from './user-agent';
export { after } from './after';
export { connection } from './connection';
