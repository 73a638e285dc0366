export { routeHandlers } from './middleware';
export type { RouteHandlersMiddleware, RouteHandlersOptions, RouteInfo } from './middleware';
export { formatRouteTable } from './routing/print';
export { RouteHandlerError } from './dispatch/errors';
export { expressContext } from './context/express-context';
