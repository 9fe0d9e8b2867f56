import { request, type FullConfig } from '@playwright/test';

/** Signs in as the admin (scripts/test.sh sets CONSOLE_ADMIN_PASSWORD) and keeps the session cookie. */
export default async function globalSetup(config: FullConfig) {
  const baseURL = config.projects[0].use.baseURL;
  const password = process.env.CONSOLE_ADMIN_PASSWORD;
  if (!password) throw new Error('CONSOLE_ADMIN_PASSWORD is not set: run the suite through `make test`');
  const context = await request.newContext({ baseURL });
  const signedIn = await context.post('/api/login', { form: { name: 'admin', password }, maxRedirects: 0 });
  if (signedIn.status() >= 400) throw new Error(`signing in as admin failed: ${signedIn.status()} ${await signedIn.text()}`);
  await context.storageState({ path: 'end2end/.auth/admin.json' });
  await context.dispose();
}
