// One CommonJS build, re-exported for `import`: a second (ESM) copy of the library would give
// route files and the host app two different NextResponse classes.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const names = Object.keys(require('../dist/index.js')).filter((name) => name !== 'default' && name !== '__esModule');
const lines = [`import cjs from './index.js';`, ...names.map((name) => `export const ${name} = cjs.${name};`), `export default cjs;`];
writeFileSync(new URL('../dist/index.mjs', import.meta.url), lines.join('\n') + '\n');
