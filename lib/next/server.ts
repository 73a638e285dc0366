// `next/server` as route files see it.
export { NextRequest } from './request';
export { NextResponse } from './response';
export { NextURL } from './next-url';
export { RequestCookies, ResponseCookies } from './cookies';
