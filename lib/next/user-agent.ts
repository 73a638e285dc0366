// `userAgent()` from `next/server` (spec §3.5): ua-parser-js 1.x (as Next bundles) plus a crawler test.
import type UAParser from 'ua-parser-js';

/** Next's result type, field for field. Absent parts are present as `undefined` (JSON shows `{}`). */
export interface UserAgent {
  isBot: boolean;
  ua: string;
  browser: {
    name?: string;
    version?: string;
    major?: string;
  };
  device: {
    model?: string;
    type?: string;
    vendor?: string;
  };
  engine: {
    name?: string;
    version?: string;
  };
  os: {
    name?: string;
    version?: string;
  };
  cpu: {
    architecture?: string;
  };
}

// The crawlers Next 16.4.6 recognises, in its order (case-insensitive substring match).
const crawlers = [
  'Googlebot',
  'Mediapartners-Google',
  'AdsBot-Google',
  'googleweblight',
  'Storebot-Google',
  'Google-PageRenderer',
  'Google-InspectionTool',
  'Bingbot',
  'BingPreview',
  'Slurp',
  'DuckDuckBot',
  'baiduspider',
  'yandex',
  'sogou',
  'LinkedInBot',
  'bitlybot',
  'tumblr',
  'vkShare',
  'quora link preview',
  'facebookexternalhit',
  'facebookcatalog',
  'Twitterbot',
  'applebot',
  'redditbot',
  'Slackbot',
  'Discordbot',
  'WhatsApp',
  'SkypeUriPreview',
  'ia_archiver',
  'GPTBot',
];
// None of the names holds a regex metacharacter, so they join as they are.
const crawlerPattern = new RegExp(crawlers.join('|'), 'i');

export function isBot(input: string): boolean {
  return crawlerPattern.test(input);
}

// Loaded on the first call: apps that never ask about user agents never load the parser.
let parse: typeof UAParser | undefined;

// Next 16 bundles ua-parser-js 1.0.35, which keeps only the first 350 characters of a longer UA
// (leading whitespace removed first) for `ua` and for parsing; 1.x releases since keep 500.
const NEXT_UA_MAX_LENGTH = 350;

export function userAgentFromString(input: string | undefined): UserAgent {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  parse ??= require('ua-parser-js') as typeof UAParser;
  const kept = input !== undefined && input.length > NEXT_UA_MAX_LENGTH ? input.replace(/^\s+/, '').slice(0, NEXT_UA_MAX_LENGTH) : input;
  // The bot test sees the whole string, as in Next.
  return { ...parse(kept), isBot: input === undefined ? false : isBot(input) };
}

export function userAgent({ headers }: { headers: Headers }): UserAgent {
  // An empty header counts as none, as in Next (`ua: ''`, `isBot: false`).
  return userAgentFromString(headers.get('user-agent') || undefined);
}
