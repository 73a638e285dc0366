import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Route files type-check against this package's declarations for `next/*` (README "Type checking
// route files"): one tsconfig `paths` entry pointing at dist/next/, no `next` package installed.

const root = path.join(__dirname, '..');
const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
const fixture = path.join(__dirname, 'fixtures', 'types');

interface TscRun {
  code: number;
  output: string;
}

function runTsc(config: string, cwd = root): Promise<TscRun> {
  return new Promise((resolve, reject) => {
    execFile(tsc, ['-p', config, '--noEmit', '--pretty', 'false'], { cwd }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: error ? (error.code as number) : 0, output: `${stdout}${stderr}`.trim() });
    });
  });
}

/** `file(line): TS1234` for each error tsc reported (tsc names files relative to its cwd). */
function errorsOf(output: string): string[] {
  return [...output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+):/gm)].map(([, file, line, code]) => `${path.normalize(file)}(${line}): ${code}`);
}

beforeAll(() => {
  if (!existsSync(path.join(root, 'dist', 'next', 'server.d.ts'))) {
    throw new Error('dist/next/server.d.ts is missing: these tests check the built declarations. Run `npm run build` first (`npm test` does).');
  }
});

test('example-app route files type-check against our next/* declarations', async () => {
  const result = await runTsc(path.join(root, 'example-app', 'tsconfig.json'));
  expect(result).toEqual({ code: 0, output: '' });
}, 60_000);

describe('a project set up as the README says', () => {
  // A copy of the fixture project in a temp folder (concurrent runs never share it), with the
  // package linked where npm installs it: its tsconfig uses the README's entry verbatim.
  let project = '';

  beforeAll(() => {
    project = mkdtempSync(path.join(os.tmpdir(), 'erh-types-'));
    cpSync(fixture, project, { recursive: true });
    mkdirSync(path.join(project, 'node_modules'));
    symlinkSync(root, path.join(project, 'node_modules', 'express-route-handlers'), 'junction');
    symlinkSync(path.join(root, 'node_modules', '@types'), path.join(project, 'node_modules', '@types'), 'junction');
  });
  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  // tsconfig.json: moduleResolution bundler (create-next-app's); tsconfig.nodenext.json: the
  // fixture is an ESM package ("type": "module") resolved as nodenext.
  test.each(['tsconfig.json', 'tsconfig.nodenext.json'])(
    '%s: tsc reports exactly the deliberate type errors (the declarations are real, not any)',
    async (config) => {
      const result = await runTsc(path.join(project, config), project);
      const route = path.join('app', 'api', 'broken', 'route.ts');
      expect(result.code).not.toBe(0);
      // No "Cannot find module 'next/server'" (TS2307) or anything else: only the four marked lines.
      expect(errorsOf(result.output)).toEqual([
        `${route}(6): TS2322`,
        `${route}(7): TS2551`,
        `${route}(8): TS2322`,
        `${route}(10): TS2339`,
      ]);
      expect(result.output).toContain("Type 'string' is not assignable to type 'number'.");
      expect(result.output).toContain("Property 'serachParams' does not exist on type 'NextURL'. Did you mean 'searchParams'?");
      expect(result.output).toContain("Type 'string | undefined' is not assignable to type 'number'.");
      expect(result.output).toContain("Property 'sendJson' does not exist on type 'typeof NextResponse'.");
    },
    60_000,
  );
});
