// The part of ua-parser-js 1.x (MIT) that lib/next/user-agent.ts uses. v1 ships no declarations,
// and @types/ua-parser-js describes 0.7. Not re-exported: our public types never mention it.
declare module 'ua-parser-js' {
  namespace UAParser {
    interface IResult {
      ua: string;
      browser: { name: string | undefined; version: string | undefined; major: string | undefined };
      engine: { name: string | undefined; version: string | undefined };
      os: { name: string | undefined; version: string | undefined };
      device: { vendor: string | undefined; model: string | undefined; type: string | undefined };
      cpu: { architecture: string | undefined };
    }
  }
  /** Called without `new`, it parses `ua` and returns the result (what Next's compiled copy is used as). */
  function UAParser(ua?: string): UAParser.IResult;
  export = UAParser;
}
