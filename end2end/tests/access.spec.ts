import { expect, test } from '@playwright/test';
import { AccessPage, expectHydrated } from './fixtures/access_page';
import { AdminPage } from './fixtures/admin_page';
import { LoginPage } from './fixtures/login_page';

const password = 'a-long-password';

test('an admin creates a user and a namespace owned by them; the owner manages members and tokens, and the audit log shows it all', async ({ page, browser, playwright }) => {
  const suffix = Date.now().toString(36);
  const owner = `jane-${suffix}`;
  const colleague = `sam-${suffix}`;
  const team = `team-${suffix}`;

  // The admin: two users, then a namespace with the first as its owner.
  const admin = new AdminPage(page);
  await admin.goto();
  await admin.createUser(owner, password);
  await expect(admin.user(owner)).toBeVisible();
  await admin.createUser(colleague, password);
  await expect(admin.user(colleague)).toBeVisible();
  await admin.createNamespace(team, owner);
  await expect(admin.namespace(team)).toContainText(owner);
  await expect(admin.user(owner)).toContainText(team);
  await expect(admin.audit).toContainText(`${team}`);
  // A bad name is refused with the reason, and nothing is created.
  await admin.createNamespace('Not A Label');
  await expect(page.getByRole('alert')).toContainText('namespace "Not A Label"');
  await page.screenshot({ path: 'end2end/screenshots/admin.png', fullPage: true });

  // The owner signs in and finds Access in the top bar.
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const ownerPage = await context.newPage();
  const login = new LoginPage(ownerPage);
  await login.goto();
  await login.signIn(owner, password);
  await expect(ownerPage.getByTestId('user')).toContainText(owner);
  await ownerPage.goto(`/namespaces/${team}/deployments`);
  await ownerPage.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Access' }).click();
  const access = new AccessPage(ownerPage, team);
  await expect(ownerPage).toHaveURL(new RegExp(`/namespaces/${team}/access$`));
  await expectHydrated(ownerPage);
  await expect(access.member(owner)).toContainText(owner);

  await access.addMember(colleague, 'VIEWER');
  await expect(access.member(colleague).getByLabel(`Role of ${colleague}`, { exact: true })).toHaveValue('VIEWER');
  await expect(ownerPage.getByRole('form', { name: 'Add a member' }).getByLabel('User name')).toHaveValue('');
  await access.changeRole(colleague, 'EDITOR');
  await expect(access.member(colleague).getByLabel(`Role of ${colleague}`, { exact: true })).toHaveValue('EDITOR');
  await access.addMember('nobody-at-all', 'VIEWER');
  await expect(ownerPage.getByRole('alert')).toContainText('user nobody-at-all was not found');

  // A token: its secret shows once and works as a Bearer token, for this namespace only.
  await access.createToken('ci', 'EDITOR');
  await expect(access.secret).toHaveText(/^[0-9a-f]{64}$/);
  const secret = (await access.secret.textContent())?.trim() ?? '';
  await expect(access.token('ci')).toContainText('active until');
  await ownerPage.screenshot({ path: 'end2end/screenshots/access.png', fullPage: true });

  const bearer = await playwright.request.newContext({ extraHTTPHeaders: { Authorization: `Bearer ${secret}` } });
  expect((await bearer.get(`/api/v1/namespaces/${team}/deployments`)).status()).toBe(200);
  expect((await bearer.get('/api/v1/namespaces/default/deployments')).status()).toBe(404);
  expect((await bearer.get(`/api/v1/namespaces/${team}/members`)).status()).toBe(403);

  await access.token('ci').getByRole('button', { name: 'Revoke ci' }).click();
  await expect(access.token('ci')).toContainText('revoked');
  expect((await bearer.get(`/api/v1/namespaces/${team}/deployments`)).status()).toBe(401);
  await bearer.dispose();

  // The audit log names who did each of those, with the change.
  await ownerPage.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Audit log' }).click();
  const log = ownerPage.getByRole('table', { name: 'Audit log' });
  await expect(log).toBeVisible();
  const revoked = log.locator('tr', { hasText: 'revoke' });
  await expect(revoked).toContainText(`user:${owner}`);
  await expect(revoked).toContainText('ci');
  const roleChange = log.locator('tr', { hasText: 'set' }).filter({ hasText: colleague }).first();
  await expect(roleChange).toContainText('"VIEWER"');
  await expect(roleChange).toContainText('"EDITOR"');
  await expect(log.locator('tr', { hasText: 'Namespace' })).toContainText('user:admin');
  await ownerPage.screenshot({ path: 'end2end/screenshots/audit.png', fullPage: true });
  await context.close();
});

test('a viewer has no Access, Audit log or Admin in the top bar, and those pages refuse them', async ({ browser, page }) => {
  const name = `vic-${Date.now().toString(36)}`;
  const admin = new AdminPage(page);
  await admin.goto();
  await admin.createUser(name, password);
  await expect(admin.user(name)).toBeVisible();
  const access = new AccessPage(page, 'default');
  await access.goto();
  await access.addMember(name, 'VIEWER');
  await expect(access.member(name)).toBeVisible();

  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const viewer = await context.newPage();
  const login = new LoginPage(viewer);
  await login.goto();
  await login.signIn(name, password);
  await expect(viewer.getByTestId('user')).toContainText('viewer');
  const sections = viewer.getByRole('navigation', { name: 'Sections' });
  await expect(sections.getByRole('link', { name: 'Deployments' })).toBeVisible();
  await expect(sections.getByRole('link', { name: 'Artifacts' })).toBeVisible();
  for (const owners of ['Access', 'Audit log', 'Admin']) {
    await expect(sections.getByRole('link', { name: owners })).toHaveCount(0);
  }

  await viewer.goto('/namespaces/default/access');
  await expect(viewer.getByRole('alert').first()).toContainText('you may not manage the namespace');
  await expect(viewer.getByRole('table', { name: 'Members' })).toHaveCount(0);
  await viewer.goto('/admin');
  await expect(viewer.getByRole('alert').first()).toContainText('you may not manage the console');
  await expect(viewer.getByRole('table', { name: 'Users' })).toHaveCount(0);
  await context.close();
});

test('a person changes their own password, and an admin sets a new one that ends their sessions', async ({ browser, page, request }) => {
  const name = `pat-${Date.now().toString(36)}`;
  expect((await request.post('/api/v1/users', { data: { name, password } })).status()).toBe(201);
  expect((await request.put(`/api/v1/namespaces/default/members/${name}`, { data: { role: 'EDITOR' } })).status()).toBe(200);

  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const own = await context.newPage();
  const login = new LoginPage(own);
  await login.goto();
  await login.signIn(name, password);
  await own.getByTestId('user').click();
  await expect(own).toHaveURL(/\/account$/);
  await expectHydrated(own);
  await expect(own.getByRole('list', { name: 'Your namespaces' })).toContainText('default');
  const form = own.getByRole('form', { name: 'Change password' });
  const change = async (current: string, next: string, repeat: string) => {
    await form.getByLabel('Current password').fill(current);
    await form.getByLabel('New password (8 characters or more)').fill(next);
    await form.getByLabel('Repeat new password').fill(repeat);
    await form.getByRole('button', { name: 'Change password' }).click();
  };
  await change('not-my-password', 'another-long-one', 'another-long-one');
  await expect(own.getByRole('alert')).toContainText('current password: is not your password');
  await change(password, 'another-long-one', 'a-different-one');
  await expect(own.getByRole('alert')).toContainText('repeat new password: differs');
  await change(password, 'another-long-one', 'another-long-one');
  await expect(own.getByRole('status')).toContainText('Password changed');
  await own.screenshot({ path: 'end2end/screenshots/account.png', fullPage: true });

  await own.getByRole('button', { name: 'Sign out' }).click();
  await login.signIn(name, password);
  await expect(login.alert).toContainText('wrong user name or password');
  await login.signIn(name, 'another-long-one');
  await expect(own.getByTestId('user')).toContainText(name);

  // The admin sets a password: the person's session ends, the new password works.
  const admin = new AdminPage(page);
  await admin.goto();
  await admin.user(name).getByLabel(`Set password of ${name}`).click();
  await admin.user(name).getByLabel(`New password of ${name}`).fill('set-by-the-admin');
  await admin.user(name).getByRole('button', { name: 'Set' }).click();
  await expect(page.getByRole('status')).toContainText(`Set a new password for ${name}`);
  await own.goto('/namespaces/default/deployments');
  await expect(own).toHaveURL(/\/login$/);
  await login.signIn(name, 'set-by-the-admin');
  await expect(own.getByTestId('user')).toContainText(name);
  await context.close();
});

test('a token made without JavaScript shows its secret once, on the page the form returns to @ssr', async ({ page, playwright }) => {
  const access = new AccessPage(page, 'default');
  await page.goto('/namespaces/default/access');
  const name = `static-${Date.now().toString(36)}`;
  await access.createToken(name, 'VIEWER');
  // The server answers the plain form post with a redirect back here (an empty query marks it).
  await expect(page).toHaveURL(/\/namespaces\/default\/access\??$/);
  await expect(access.secret).toHaveText(/^[0-9a-f]{64}$/);
  const secret = (await access.secret.textContent())?.trim() ?? '';
  await expect(access.token(name)).toContainText('active');
  await page.reload();
  await expect(access.token(name)).toContainText('active');
  await expect(access.secret).toHaveCount(0);

  const bearer = await playwright.request.newContext({ extraHTTPHeaders: { Authorization: `Bearer ${secret}` } });
  expect((await bearer.get('/api/v1/namespaces/default/deployments')).status()).toBe(200);
  await bearer.dispose();
});

test('an owner gives a token an access key for Alibaba-signed requests; the secret shows once', async ({ page }) => {
  const access = new AccessPage(page, 'default');
  await access.goto();
  const name = `ak-${Date.now().toString(36)}`;
  await access.createToken(name, 'VIEWER');
  await expect(access.token(name)).toContainText('active');
  await page.getByRole('button', { name: `Create an access key for ${name}` }).click();
  const id = page.getByTestId('access-key-id');
  await expect(id).toHaveText(/\S{8,}/);
  await expect(page.getByTestId('access-key-secret')).toHaveText(/\S{16,}/);
  const keyId = (await id.textContent())?.trim() ?? '';
  await expect(access.token(name)).toContainText(keyId);
  await page.screenshot({ path: 'end2end/screenshots/access-key.png', fullPage: true });
  await page.reload();
  await expect(page.getByTestId('access-key-secret')).toHaveCount(0);
  await expect(page.getByRole('button', { name: `Replace the access key of ${name}` })).toBeVisible();
});

test('an admin allows hosts inside the network for session clusters, and a bad pattern is refused with its line', async ({ page }) => {
  const admin = new AdminPage(page);
  await admin.goto();
  // The deployments tests register session clusters on loopback: keep 127.0.0.0/8 allowed.
  await admin.saveAllowedHosts(['127.0.0.0/8', '*.flink.internal']);
  // The post answers in place: wait for its answer, or the reload would cut it off.
  await expect(page.getByRole('status').filter({ hasText: 'Saved 2 allowed host pattern(s).' })).toBeVisible();
  await page.reload();
  await expectHydrated(page);
  await expect(admin.allowedHosts).toHaveValue('127.0.0.0/8\n*.flink.internal');
  await page.getByRole('form', { name: 'Network' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'end2end/screenshots/admin-network.png', fullPage: true });

  await admin.saveAllowedHosts(['127.0.0.0/8', '10.0.0.1/8']);
  await expect(page.getByRole('alert')).toContainText('allowedSessionClusterHosts[1]');
  await page.reload();
  await expect(admin.allowedHosts).toHaveValue('127.0.0.0/8\n*.flink.internal');
});
