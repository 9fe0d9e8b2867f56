import { expect, test } from '@playwright/test';
import { DeploymentsPage } from './fixtures/deployments_page';

test('the root address leads to the deployments of the default namespace', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/namespaces\/default\/deployments$/);
  await expect(page.getByRole('heading', { name: 'Deployments' })).toBeVisible();
});

test('streaming deployments are listed with their status and the page hydrates', async ({ page }) => {
  const deployments = new DeploymentsPage(page);
  await deployments.goto();
  await deployments.expectHydrated();
  await expect(page.getByTestId('namespace')).toHaveText('default');
  const counter = deployments.row('stateful-counter');
  await expect(counter).toContainText('Stateful counter');
  await expect(counter).toContainText('CANCELLED');
  await expect(deployments.row('orders-sql')).toBeVisible();
  await expect(deployments.row('bounded-counter')).toHaveCount(0);
  await expect(deployments.target('local')).toContainText('healthy — Flink 2.3.0');
  await page.screenshot({ path: 'end2end/screenshots/deployments.png', fullPage: true });
});

test('the batch tab lists batch deployments without a reload', async ({ page }) => {
  const deployments = new DeploymentsPage(page);
  await deployments.goto();
  await deployments.expectHydrated();
  await deployments.tab('Batch').click();
  await expect(page).toHaveURL(/mode=batch/);
  await expect(deployments.row('bounded-counter')).toContainText('CANCELLED');
  await expect(deployments.row('stateful-counter')).toHaveCount(0);
  await expect(deployments.tab('Batch')).toHaveAttribute('aria-current', 'page');
});

test('the page is rendered on the server before any script runs @ssr', async ({ page }) => {
  const deployments = new DeploymentsPage(page);
  await deployments.goto('batch');
  await expect(deployments.row('bounded-counter')).toContainText('CANCELLED');
  await expect(deployments.live).toHaveText('○ Static');
});

test('an unknown namespace says so', async ({ page }) => {
  await page.goto('/namespaces/nowhere/deployments');
  await expect(page.getByRole('alert')).toContainText('namespace nowhere was not found');
});

test('an unknown address is a 404 page', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});

test('a session cluster registered through the API appears with its health without a reload', async ({ page, request }) => {
  // The session clusters here listen on loopback, inside the console's network: an admin allows it.
  expect((await request.put('/api/v1/settings/network', { data: { allowedSessionClusterHosts: ['127.0.0.0/8'] } })).status()).toBe(200);
  const deployments = new DeploymentsPage(page);
  await deployments.goto();
  await deployments.expectHydrated();
  const name = `session-${Date.now()}`;
  const created = await request.post('/api/v1/namespaces/default/deployment-targets', {
    data: { metadata: { name }, spec: { flinkSession: { url: 'http://127.0.0.1:9' } } },
  });
  expect(created.status()).toBe(201);
  // Nothing listens on port 9: the prober reports it unhealthy within a few seconds.
  await expect(deployments.target(name)).toContainText('unhealthy', { timeout: 15_000 });
  await page.screenshot({ path: 'end2end/screenshots/deployment-targets.png', fullPage: true });
  const deleted = await request.delete(`/api/v1/namespaces/default/deployment-targets/${name}`);
  expect(deleted.status()).toBe(200);
  await expect(deployments.target(name)).toHaveCount(0, { timeout: 10_000 });
});

test('an owner registers a session cluster from the page and sees its health', async ({ page, request }) => {
  // The session clusters here listen on loopback, inside the console's network: an admin allows it.
  expect((await request.put('/api/v1/settings/network', { data: { allowedSessionClusterHosts: ['127.0.0.0/8'] } })).status()).toBe(200);
  const deployments = new DeploymentsPage(page);
  await deployments.goto();
  await deployments.expectHydrated();
  await deployments.registerSessionCluster('Not A Name', 'http://127.0.0.1:9');
  await expect(page.getByRole('alert')).toContainText('metadata.name');
  const name = `form-${Date.now()}`;
  const form = page.getByRole('form', { name: 'Register a session cluster' });
  await form.getByLabel('Name').fill(name);
  await form.getByRole('button', { name: 'Register session cluster' }).click();
  await expect(page.getByRole('table', { name: 'Deployment targets' })).toContainText(name);
  // Back on the Deployments page its health shows in the targets strip.
  await deployments.goto();
  await deployments.expectHydrated();
  await expect(deployments.target(name)).toContainText('unhealthy', { timeout: 15_000 });
  await page.screenshot({ path: 'end2end/screenshots/register-session-cluster.png', fullPage: true });
  expect((await request.delete(`/api/v1/namespaces/default/deployment-targets/${name}`)).status()).toBe(200);
});

test('a deployment named by a whole SQL statement, as notebooks name them, stays readable', async ({ page, request }) => {
  const statement =
    `INSERT INTO clicks_per_minute -- ${Date.now()}\nSELECT user_id, TUMBLE_START(ts, INTERVAL '1' MINUTE), COUNT(*)\n` +
    `FROM clicks\nGROUP BY user_id, TUMBLE(ts, INTERVAL '1' MINUTE)`;
  const created = await request.post('/api/v1/namespaces/default/deployments', {
    data: {
      metadata: { name: statement },
      spec: { state: 'CANCELLED', template: { spec: { artifact: { kind: 'SQLSCRIPT', sqlScript: statement } } } },
    },
  });
  expect(created.status()).toBe(201);
  const id = (await created.json()).metadata.id;
  await page.goto('/namespaces/default/deployments?sort=-modified');
  const link = page.locator(`a[href="/namespaces/default/deployments/${id}"]`);
  await expect(link).toBeVisible();
  // At most two lines in the list; the whole statement on hover.
  const box = await link.boundingBox();
  expect(box?.height ?? 0).toBeLessThan(3 * 24);
  await expect(link).toHaveAttribute('title', statement);
  await page.screenshot({ path: 'end2end/screenshots/deployment-long-name.png', fullPage: true });
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/deployments/${id}$`));
  await expect(page.getByRole('heading', { level: 1 })).toContainText('GROUP BY user_id');
  await page.screenshot({ path: 'end2end/screenshots/deployment-long-name-page.png' });
  expect((await request.delete(`/api/v1/namespaces/default/deployments/${id}`)).status()).toBe(200);
});
