/**
 * robots.txt serialiser for `app/robots.ts` metadata routes, byte-identical to Next.js 16
 * (`resolveRobots` in next/dist/build/webpack/loaders/metadata/resolve-route-data). See spec §6.3.
 *
 * Output, per rule: `User-Agent:` lines (default `*`), `Allow:` lines, `Disallow:` lines, `Crawl-delay:`
 * (only when truthy), any extra directive keys of the rule in insertion order (`<key>: <value>`, arrays
 * repeated, `null`/`undefined` skipped), then a blank line. After all rules: `Host:` then `Sitemap:` lines.
 * Every line ends with `\n`. Nothing is validated or escaped (as Next).
 */

type OneOrMany<T> = T | T[];

/** A non-standard directive value (e.g. `'Request-rate': '1/5'`); `null`/`undefined` are skipped. */
export type RobotsDirectiveValue = string | number | boolean | Array<string | number | boolean> | null | undefined;

export type RobotsRule = {
  userAgent?: OneOrMany<string>;
  allow?: OneOrMany<string>;
  disallow?: OneOrMany<string>;
  crawlDelay?: number;
  /** Any other key is written verbatim as `<key>: <value>` after `Crawl-delay`. */
  [directive: string]: RobotsDirectiveValue;
};

/** Next's `MetadataRoute.Robots`. */
export type Robots = {
  /** One rule for all agents, or one rule per group of user agents. */
  rules: RobotsRule | Array<RobotsRule & { userAgent: OneOrMany<string> }>;
  sitemap?: OneOrMany<string>;
  host?: string;
};

const KNOWN_RULE_KEYS = new Set(['userAgent', 'allow', 'disallow', 'crawlDelay']);

function toArray<T>(value: OneOrMany<T>): T[] {
  return Array.isArray(value) ? value : [value];
}

export function resolveRobots(data: Robots): string {
  const rules: RobotsRule[] = Array.isArray(data.rules) ? data.rules : [data.rules];
  const lines: string[] = [];

  for (const rule of rules) {
    // `||`, not `??`: an empty-string user agent falls back to `*` as in Next.
    for (const agent of toArray(rule.userAgent || ['*'])) lines.push(`User-Agent: ${agent}`);
    if (rule.allow) for (const path of toArray(rule.allow)) lines.push(`Allow: ${path}`);
    if (rule.disallow) for (const path of toArray(rule.disallow)) lines.push(`Disallow: ${path}`);
    if (rule.crawlDelay) lines.push(`Crawl-delay: ${rule.crawlDelay}`);
    for (const [key, value] of Object.entries(rule)) {
      if (KNOWN_RULE_KEYS.has(key) || value == null) continue;
      for (const item of toArray(value)) lines.push(`${key}: ${item}`);
    }
    lines.push('');
  }

  if (data.host) lines.push(`Host: ${data.host}`);
  if (data.sitemap) for (const url of toArray(data.sitemap)) lines.push(`Sitemap: ${url}`);

  return lines.map((line) => `${line}\n`).join('');
}
