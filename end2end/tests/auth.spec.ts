import { expect, test, type APIRequestContext } from '@playwright/test';
import { DeploymentsPage } from './fixtures/deployments_page';
import { LoginPage } from './fixtures/login_page';

const adminPassword = process.env.CONSOLE_ADMIN_PASSWORD ?? '';

/** A new user with `role` in the default namespace, created by the admin through the API. */
async function member(request: APIRequestContext, role: 'VIEWER' | 'EDITOR' | 'OWNER') {
  const name = `${role.toLowerCase()}-${Date.now()}`;
  const password = 'a-long-password';
  expect((await request.post('/api/v1/users', { data: { name, password } })).status()).toBe(201);
  expect((await request.put(`/api/v1/namespaces/default/members/${name}`, { data: { role } })).status()).toBe(200);
  return { name, password };
}

test.describe('signed out', () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test('pages need a sign-in; a wrong password is refused; signing out ends the session', async ({ page }) => {
    await page.goto('/namespaces/default/deployments');
    await expect(page).toHaveURL(/\/login$/);
    const login = new LoginPage(page);
    await login.signIn('admin', 'not-the-password');
    await expect(login.alert).toContainText('wrong user name or password');
    await login.signIn('admin', adminPassword);
    await expect(page).toHaveURL(/\/namespaces\/default\/deployments$/);
    await expect(page.getByTestId('user')).toContainText('admin');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto('/namespaces/default/deployments');
    await expect(page).toHaveURL(/\/login$/);
  });

  test('the API without a session or token answers 401', async ({ request }) => {
    const reply = await request.get('/api/v1/namespaces/default/deployments');
    expect(reply.status()).toBe(401);
    expect((await reply.json()).reason).toBe('Unauthorized');
  });

  test('a viewer sees no Start, Suspend or Cancel, and the start server function refuses them', async ({ page, playwright }) => {
    const admin = await playwright.request.newContext({ storageState: 'end2end/.auth/admin.json' });
    const viewer = await member(admin, 'VIEWER');
    const login = new LoginPage(page);
    await login.goto();
    await login.signIn(viewer.name, viewer.password);
    const deployments = new DeploymentsPage(page);
    await deployments.expectHydrated();
    await expect(page.getByTestId('user')).toContainText('viewer');
    await expect(deployments.row('stateful-counter')).toBeVisible();
    await expect(page.getByRole('button', { name: /^(Start|Suspend|Cancel) / })).toHaveCount(0);
    await expect(page.getByText('+ Session cluster')).toHaveCount(0);
    await page.screenshot({ path: 'end2end/screenshots/viewer.png', fullPage: true });

    const list = await admin.get('/api/v1/namespaces/default/deployments');
    const counter = (await list.json()).items.find((d: any) => d.metadata.name === 'stateful-counter');
    // The viewer's own session cookie, straight at the server function the Start button posts to.
    const started = await page.request.post('/api/set_desired_state', {
      form: { namespace: 'default', deployment_id: counter.metadata.id, state: 'RUNNING' },
    });
    expect(started.status()).toBe(403);
    const after = await (await admin.get(`/api/v1/namespaces/default/deployments/${counter.metadata.id}`)).json();
    expect(after.spec.state).toBe(counter.spec.state);
    expect(after.metadata.resourceVersion).toBe(counter.metadata.resourceVersion);
    await admin.dispose();
  });
});
