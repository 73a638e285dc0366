import { headers } from 'next/headers';
import { NextResponse, userAgent, type NextRequest } from 'next/server';
import { expressContext } from 'express-route-handlers';

// GET /api/whoami — request headers through next/headers, plus what Express middleware put on req
// (the migration escape hatch: this file would need a change before moving to Next.js).
export async function GET(request: NextRequest) {
  const headerList = await headers();
  const { req, res } = expressContext();
  return NextResponse.json({
    userAgent: headerList.get('user-agent'),
    browser: userAgent(request).browser,
    acceptLanguage: headerList.get('accept-language'),
    requestId: res.locals.requestId ?? null,
    expressPath: req.originalUrl,
  });
}
