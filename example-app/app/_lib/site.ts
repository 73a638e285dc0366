// Private folder (`_lib`): not a route. The public origin robots.txt and sitemap.xml put in absolute
// URLs. A constant rather than the request's host, so that both stay static (generated once, cached)
// and a crawler reaching the app through another name still gets the canonical URLs.
export const ORIGIN = (process.env.PUBLIC_ORIGIN || 'http://localhost:3000').replace(/\/+$/, '');

export const SITE_NAME = 'express-route-handlers example';
