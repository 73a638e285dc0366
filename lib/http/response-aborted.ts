/** The reason `request.signal` aborts and response streams are cancelled with when the client goes away (Next.js's name). */
export class ResponseAborted extends Error {
  override readonly name = 'ResponseAborted';
}
