import { defineConfig } from '@playwright/test';

// The console is started by scripts/test.sh (port CONSOLE_PORT) against a real local Flink cluster.
// Browsers cannot be downloaded here: Debian's Chromium is used.
const port = process.env.CONSOLE_PORT ?? '3100';

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  timeout: 60_000,
  retries: 0,
  workers: 1,
  reporter: [['list']],
  // Signs in as the admin once; every test starts signed in (tests of signing in start signed out).
  globalSetup: './global-setup.ts',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    storageState: 'end2end/.auth/admin.json',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'chromium', use: { browserName: 'chromium' }, grepInvert: /@ssr/ },
    { name: 'no-javascript', use: { browserName: 'chromium', javaScriptEnabled: false }, grep: /@ssr/ },
  ],
});
