import type { Express } from 'express';
import express4 from 'express';

// Express 5 is installed under the alias `express5`; every suite runs against both.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const express5 = require('express5') as typeof express4;

export type ExpressFactory = typeof express4;

export const expressVersions: [string, ExpressFactory][] = [
  ['express 4', express4],
  ['express 5', express5],
];

export type { Express };
