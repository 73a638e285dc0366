/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript', tsx: true } }, module: { type: 'commonjs', ignoreDynamic: true } }] },
  // Route fixtures are compiled by the library itself (esbuild), never by jest.
  transformIgnorePatterns: ['/node_modules/', '/__tests__/fixtures/'],
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/example-app/'],
  testTimeout: 20000,
  // Installs redis-server (Debian package) once per run when missing; the Redis cache tests need it.
  globalSetup: '<rootDir>/__tests__/helpers/global-setup.ts',
};

export default config;
