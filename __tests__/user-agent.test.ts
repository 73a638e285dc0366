import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { routeHandlers } from '../lib';
import { isBot, userAgent, userAgentFromString, type UserAgent } from '../lib/next/server';
import { expressVersions } from './helpers/express';

const IPHONE_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const GOOGLEBOT = 'Googlebot/2.1 (+http://www.google.com/bot.html)';
const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const FIREFOX_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0';
const CHROME_ANDROID =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36';
const IPAD_SAFARI =
  'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1';
const GOOGLEBOT_SMARTPHONE =
  'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

/** What a route returning `NextResponse.json(userAgent(request))` sends (absent parts vanish). */
function asJson(result: UserAgent): unknown {
  return JSON.parse(JSON.stringify(result));
}

function withUserAgent(value?: string): { headers: Headers } {
  const headers = new Headers();
  if (value !== undefined) headers.set('user-agent', value);
  return { headers };
}

describe('userAgent() (next/server)', () => {
  test('iPhone Safari (spec §3.5 example)', () => {
    expect(asJson(userAgent(withUserAgent(IPHONE_SAFARI)))).toStrictEqual({
      ua: IPHONE_SAFARI,
      browser: { name: 'Mobile Safari', version: '17.0', major: '17' },
      engine: { name: 'WebKit', version: '605.1.15' },
      os: { name: 'iOS', version: '17.0' },
      device: { vendor: 'Apple', model: 'iPhone', type: 'mobile' },
      cpu: {},
      isBot: false,
    });
  });

  test('Googlebot (spec §3.5 example): empty objects, isBot', () => {
    expect(asJson(userAgent(withUserAgent(GOOGLEBOT)))).toStrictEqual({
      ua: GOOGLEBOT,
      browser: {},
      engine: {},
      os: {},
      device: {},
      cpu: {},
      isBot: true,
    });
  });

  test('desktop Chrome on Windows', () => {
    expect(asJson(userAgent(withUserAgent(CHROME_WINDOWS)))).toStrictEqual({
      ua: CHROME_WINDOWS,
      browser: { name: 'Chrome', version: '120.0.0.0', major: '120' },
      engine: { name: 'Blink', version: '120.0.0.0' },
      os: { name: 'Windows', version: '10' },
      device: {},
      cpu: { architecture: 'amd64' },
      isBot: false,
    });
  });

  test('Firefox on macOS', () => {
    expect(asJson(userAgent(withUserAgent(FIREFOX_MAC)))).toStrictEqual({
      ua: FIREFOX_MAC,
      browser: { name: 'Firefox', version: '121.0', major: '121' },
      engine: { name: 'Gecko', version: '121.0' },
      os: { name: 'Mac OS', version: '10.15' },
      device: { vendor: 'Apple', model: 'Macintosh' },
      cpu: {},
      isBot: false,
    });
  });

  test('Chrome on an Android phone and Safari on an iPad', () => {
    expect(asJson(userAgent(withUserAgent(CHROME_ANDROID)))).toStrictEqual({
      ua: CHROME_ANDROID,
      browser: { name: 'Chrome', version: '120.0.6099.144', major: '120' },
      engine: { name: 'Blink', version: '120.0.6099.144' },
      os: { name: 'Android', version: '14' },
      device: { vendor: 'Google', model: 'Pixel 8', type: 'mobile' },
      cpu: {},
      isBot: false,
    });
    expect(asJson(userAgent(withUserAgent(IPAD_SAFARI)))).toStrictEqual({
      ua: IPAD_SAFARI,
      browser: { name: 'Mobile Safari', version: '16.6', major: '16' },
      engine: { name: 'WebKit', version: '605.1.15' },
      os: { name: 'iOS', version: '16.6' },
      device: { vendor: 'Apple', model: 'iPad', type: 'tablet' },
      cpu: {},
      isBot: false,
    });
  });

  test('a crawler with a browser UA is parsed as the browser and is a bot', () => {
    expect(asJson(userAgent(withUserAgent(GOOGLEBOT_SMARTPHONE)))).toStrictEqual({
      ua: GOOGLEBOT_SMARTPHONE,
      browser: { name: 'Chrome', version: '120.0.0.0', major: '120' },
      engine: { name: 'Blink', version: '120.0.0.0' },
      os: { name: 'Android', version: '6.0.1' },
      device: { vendor: 'LG', model: 'Nexus 5', type: 'mobile' },
      cpu: {},
      isBot: true,
    });
  });

  test('no User-Agent header (or an empty one) gives ua "" and isBot false', () => {
    const empty = { ua: '', browser: {}, engine: {}, os: {}, device: {}, cpu: {}, isBot: false };
    expect(asJson(userAgent(withUserAgent()))).toStrictEqual(empty);
    expect(asJson(userAgent(withUserAgent('')))).toStrictEqual(empty);
    expect(asJson(userAgentFromString(undefined))).toStrictEqual(empty);
    expect(asJson(userAgentFromString(''))).toStrictEqual(empty);
  });

  test('like Next, unknown parts are present with the value undefined (not missing)', () => {
    const result = userAgent(withUserAgent(GOOGLEBOT));
    expect(Object.keys(result)).toEqual(['ua', 'browser', 'engine', 'os', 'device', 'cpu', 'isBot']);
    expect(result.browser).toStrictEqual({ name: undefined, version: undefined, major: undefined });
    expect(result.engine).toStrictEqual({ name: undefined, version: undefined });
    expect(result.os).toStrictEqual({ name: undefined, version: undefined });
    expect(result.device).toStrictEqual({ vendor: undefined, model: undefined, type: undefined });
    expect(result.cpu).toStrictEqual({ architecture: undefined });
  });

  test('userAgentFromString() is userAgent() without a request', () => {
    expect(userAgentFromString(IPHONE_SAFARI)).toStrictEqual(userAgent(withUserAgent(IPHONE_SAFARI)));
  });

  test('like Next (ua-parser-js 1.0.35), a UA longer than 350 characters is cut to 350; isBot sees all of it', () => {
    const long = `  ${CHROME_WINDOWS} ${'x'.repeat(400)} Twitterbot/1.0`;
    const result = userAgentFromString(long);
    expect(result.ua).toBe(long.trimStart().slice(0, 350));
    expect(result.browser).toEqual({ name: 'Chrome', version: '120.0.0.0', major: '120' });
    expect(result.isBot).toBe(true);
    const exact = `${CHROME_WINDOWS} ${'y'.repeat(350 - CHROME_WINDOWS.length - 1)}`;
    expect(exact).toHaveLength(350);
    expect(userAgentFromString(` ${exact}`).ua).toBe(exact);
    expect(userAgentFromString(exact).ua).toBe(exact);
  });

  test('each call returns fresh objects', () => {
    const first = userAgentFromString(IPHONE_SAFARI);
    first.browser.name = 'changed';
    expect(userAgentFromString(IPHONE_SAFARI).browser.name).toBe('Mobile Safari');
  });
});

describe('isBot()', () => {
  // One real-world UA per crawler Next 16.4.6 knows.
  test.each([
    ['Googlebot', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'],
    ['Mediapartners-Google', 'Mediapartners-Google'],
    ['AdsBot-Google', 'AdsBot-Google (+http://www.google.com/adsbot.html)'],
    ['googleweblight', 'Mozilla/5.0 (Linux; Android 4.2.1; en-us; Nexus 5 Build/JOP40D) googleweblight'],
    ['Storebot-Google', 'Mozilla/5.0 (X11; Linux x86_64; Storebot-Google/1.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/79.0.3945.88 Safari/537.36'],
    ['Google-PageRenderer', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko; Google-PageRenderer Google (+https://developers.google.com/+/web/snippet/))'],
    ['Google-InspectionTool', 'Mozilla/5.0 (compatible; Google-InspectionTool/1.0;)'],
    ['Bingbot', 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)'],
    ['BingPreview', 'Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/534+ (KHTML, like Gecko) BingPreview/1.0b'],
    ['Slurp', 'Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)'],
    ['DuckDuckBot', 'DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)'],
    ['baiduspider', 'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)'],
    ['yandex', 'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)'],
    ['sogou', 'Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)'],
    ['LinkedInBot', 'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)'],
    ['bitlybot', 'bitlybot/3.0 (+http://bit.ly/)'],
    ['tumblr', 'Tumblr/14.0.835.186'],
    ['vkShare', 'Mozilla/5.0 (compatible; vkShare; +http://vk.com/dev/Share)'],
    ['quora link preview', 'Mozilla/5.0 (compatible; Quora Link Preview/1.0)'],
    ['facebookexternalhit', 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)'],
    ['facebookcatalog', 'facebookcatalog/1.0'],
    ['Twitterbot', 'Twitterbot/1.0'],
    ['applebot', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1)'],
    ['redditbot', 'Mozilla/5.0 (compatible; redditbot/1.0; +http://www.reddit.com/feedback)'],
    ['Slackbot', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)'],
    ['Discordbot', 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)'],
    ['WhatsApp', 'WhatsApp/2.23.20.0'],
    ['SkypeUriPreview', 'Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5'],
    ['ia_archiver', 'ia_archiver (+http://www.alexa.com/site/help/webmasters; crawler@alexa.com)'],
    ['GPTBot', 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.3; +https://openai.com/gptbot)'],
  ])('%s', (_name, ua) => {
    expect(isBot(ua)).toBe(true);
    expect(isBot(ua.toUpperCase())).toBe(true);
    expect(isBot(ua.toLowerCase())).toBe(true);
    expect(userAgent(withUserAgent(ua)).isBot).toBe(true);
  });

  // Not in Next's list, so not bots for Next either (no generic /bot|crawler/ match).
  test.each([
    ['a browser', CHROME_WINDOWS],
    ['curl', 'curl/8.5.0'],
    ['GoogleOther', 'Mozilla/5.0 (compatible; GoogleOther)'],
    ['ClaudeBot', 'Mozilla/5.0 (compatible; ClaudeBot/1.0; +claudebot@anthropic.com)'],
    ['AhrefsBot', 'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)'],
    ['a generic crawler', 'my-crawler/1.0 (spider)'],
    ['empty', ''],
  ])('not %s', (_name, ua) => {
    expect(isBot(ua)).toBe(false);
  });
});

describe('loading', () => {
  test('ua-parser-js is loaded on the first call, not on import of next/server', async () => {
    const root = path.join(__dirname, '..');
    const script = `
      const loaded = () => Object.keys(require.cache).some((file) => file.includes('ua-parser-js'));
      const server = require('./dist/next/server.js');
      const before = loaded();
      server.userAgent({ headers: new Headers({ 'user-agent': 'x' }) });
      process.stdout.write(JSON.stringify({ before, after: loaded() }));`;
    const output = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['-e', script], { cwd: root }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}\n(dist/ must be built: npm run build)`)) : resolve(stdout),
      );
    });
    expect(JSON.parse(output)).toEqual({ before: false, after: true });
  });
});

describe.each(expressVersions)('userAgent() in a route file (%s)', (_name, express) => {
  const project = mkdtempSync(path.join(os.tmpdir(), 'erh-user-agent-'));
  writeFileSync(path.join(project, 'package.json'), '{ "private": true }\n');
  // Set up for type checking as the README says: esbuild reads these `paths` too, and must still
  // give the route our runtime module, not the .d.ts the entry points at.
  mkdirSync(path.join(project, 'node_modules'));
  symlinkSync(path.join(__dirname, '..'), path.join(project, 'node_modules', 'express-route-handlers'), 'junction');
  writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, paths: { 'next/*': ['./node_modules/express-route-handlers/dist/next/*', './node_modules/express-route-handlers/dist/next/*.d.ts'] } } }),
  );
  mkdirSync(path.join(project, 'app', 'ua'), { recursive: true });
  writeFileSync(
    path.join(project, 'app', 'ua', 'route.ts'),
    `import { NextResponse, userAgent, isBot, type NextRequest } from 'next/server';
export function GET(request: NextRequest) {
  const result = userAgent(request);
  return NextResponse.json({ ...result, sameAsIsBot: result.isBot === isBot(result.ua) });
}
`,
  );
  const handlers = routeHandlers({ appDir: path.join(project, 'app') });
  const app = express();
  app.use(handlers);

  beforeAll(() => handlers.ready);
  afterAll(async () => {
    await handlers.close();
    rmSync(project, { recursive: true, force: true });
  });

  test('reads the request User-Agent', async () => {
    const response = await request(app).get('/ua').set('User-Agent', IPHONE_SAFARI);
    expect(response.status).toBe(200);
    expect(response.body).toStrictEqual({
      ua: IPHONE_SAFARI,
      browser: { name: 'Mobile Safari', version: '17.0', major: '17' },
      engine: { name: 'WebKit', version: '605.1.15' },
      os: { name: 'iOS', version: '17.0' },
      device: { vendor: 'Apple', model: 'iPhone', type: 'mobile' },
      cpu: {},
      isBot: false,
      sameAsIsBot: true,
    });
  });

  test('a crawler, and a request without User-Agent', async () => {
    const bot = await request(app).get('/ua').set('User-Agent', GOOGLEBOT);
    expect(bot.body).toStrictEqual({ ua: GOOGLEBOT, browser: {}, engine: {}, os: {}, device: {}, cpu: {}, isBot: true, sameAsIsBot: true });
    // supertest sends no User-Agent unless told to.
    const none = await request(app).get('/ua').unset('User-Agent');
    expect(none.body).toStrictEqual({ ua: '', browser: {}, engine: {}, os: {}, device: {}, cpu: {}, isBot: false, sameAsIsBot: true });
  });
});
