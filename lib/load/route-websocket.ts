/**
 * What the name `WebSocket` means inside route files and the modules bundled with them: the
 * platform's WHATWG WebSocket where Node has one (22+), else undici's (the implementation Node
 * itself exposes), as Next's Node runtime offers it on every Node version. `globalThis.WebSocket`
 * is never set, so the host application's globals stay as they are.
 *
 * Only bundles that refer to the name reach this (see compile.ts), so undici is loaded only when
 * route code uses `WebSocket` on a Node without one.
 */
export function routeWebSocket(): typeof WebSocket {
  const platform = (globalThis as { WebSocket?: typeof WebSocket }).WebSocket;
  if (typeof platform === 'function') return platform;
  return (require('undici') as typeof import('undici')).WebSocket as unknown as typeof WebSocket;
}
