import { expect, test, type APIRequestContext } from '@playwright/test';
import { expectHydrated } from './fixtures/access_page';

/** A namespace of its own, so changed defaults and targets touch no other test. */
async function freshNamespace(request: APIRequestContext): Promise<string> {
  const name = `settings-${Date.now().toString(36)}`;
  const created = await request.post('/api/v1/namespaces', { data: { metadata: { name } } });
  expect(created.status()).toBe(201);
  // Session clusters on this machine's loopback are allowed for the test (an admin's setting).
  const settings = await (await request.get('/api/v1/settings/network')).json();
  const hosts: string[] = settings.allowedSessionClusterHosts ?? [];
  if (!hosts.includes('127.0.0.0/8')) {
    const saved = await request.put('/api/v1/settings/network', { data: { allowedSessionClusterHosts: [...hosts, '127.0.0.0/8'] } });
    expect(saved.status()).toBe(200);
  }
  return name;
}

test('an owner edits the namespace defaults as YAML, previews how they merge, and manages a session cluster', async ({ page, request }) => {
  const namespace = await freshNamespace(request);
  await page.goto(`/namespaces/${namespace}/deployments`);
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Settings' }).click();
  await expect(page).toHaveURL(new RegExp(`/namespaces/${namespace}/settings$`));
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await expectHydrated(page);

  // Preview first: nothing is saved, the merged spec shows the defaults beneath the sample.
  const defaults = page.getByLabel('Defaults of this namespace (YAML)');
  await defaults.fill('template:\n  spec:\n    parallelism: 3\n    flinkConfiguration:\n      execution.checkpointing.interval: 10s\n');
  await page.getByRole('button', { name: 'Preview merge' }).click();
  const preview = page.getByTestId('merge-preview');
  await expect(preview).toContainText('execution.checkpointing.interval: 10s');
  await expect(preview).toContainText('parallelism: 2'); // the sample's own value wins
  await expect(preview).toContainText('taskmanager.numberOfTaskSlots');
  await expect(page.getByText('Never saved.')).toBeVisible();

  // Save: the page says so and the REST API answers the same defaults.
  await page.getByRole('button', { name: 'Save defaults' }).click();
  await expect(page.getByTestId('defaults-saved')).toContainText('Defaults saved (version 1)');
  const stored = await (await request.get(`/api/v1/namespaces/${namespace}/deployment-defaults`)).json();
  expect(stored.spec.template.spec.parallelism).toBe(3);
  expect(stored.spec.template.spec.flinkConfiguration['execution.checkpointing.interval']).toBe('10s');

  // A bad document is refused beside the editor with its reason, and the text stays to be fixed.
  await page.getByLabel('Defaults of this namespace (YAML)').fill('template:\n  spec:\n    parallelism: lots\n');
  await page.getByRole('button', { name: 'Save defaults' }).click();
  await expect(page.locator('#yaml-error')).toContainText('parallelism');
  await expect(page.getByLabel('Defaults of this namespace (YAML)')).toHaveValue(/parallelism: lots/);
  const unchanged = await (await request.get(`/api/v1/namespaces/${namespace}/deployment-defaults`)).json();
  expect(unchanged.metadata.resourceVersion).toBe(1);

  // Targets: register a session cluster, see its health, change its URL, delete it.
  await expectHydrated(page);
  const register = page.getByRole('form', { name: 'Register a session cluster' });
  await register.getByLabel('Name').fill('analytics');
  await register.getByLabel('JobManager REST URL').fill('http://127.0.0.1:9');
  await register.getByRole('button', { name: 'Register session cluster' }).click();
  const row = page.locator('tr[data-target="analytics"]');
  await expect(row).toContainText('http://127.0.0.1:9');
  await expect(row.getByTestId('health')).not.toBeEmpty();
  await page.screenshot({ path: 'end2end/screenshots/settings.png', fullPage: true });

  await row.getByLabel('Edit analytics…').click();
  await row.getByLabel('JobManager REST URL').fill('http://127.0.0.1:10');
  await row.getByLabel('Display name').fill('Analytics (EU)');
  await row.getByRole('button', { name: 'Save analytics' }).click();
  await expect(page.locator('tr[data-target="analytics"]')).toContainText('http://127.0.0.1:10');
  await expect(page.locator('tr[data-target="analytics"]')).toContainText('Analytics (EU)');
  const target = await (await request.get(`/api/v1/namespaces/${namespace}/deployment-targets/analytics`)).json();
  expect(target.spec.flinkSession.url).toBe('http://127.0.0.1:10');

  await page.locator('tr[data-target="analytics"]').getByLabel('Delete analytics…').click();
  await page.getByRole('button', { name: 'Delete analytics', exact: true }).click();
  await expect(page.locator('tr[data-target="analytics"]')).toHaveCount(0);
  await expect(page.getByText('No deployment targets yet')).toBeVisible();
});

test('the defaults are previewed and saved without JavaScript @ssr', async ({ page, request }) => {
  const namespace = await freshNamespace(request);
  await page.goto(`/namespaces/${namespace}/settings`);
  await page.getByLabel('Defaults of this namespace (YAML)').fill('template:\n  spec:\n    parallelism: 4\n');
  await page.getByRole('button', { name: 'Preview merge' }).click();
  await expect(page).toHaveURL(/preview=1/);
  await expect(page.getByTestId('merge-preview')).toContainText('parallelism: 2');
  await expect(page.getByLabel('Defaults of this namespace (YAML)')).toHaveValue(/parallelism: 4/);
  await page.getByRole('button', { name: 'Save defaults' }).click();
  await expect(page.getByTestId('defaults-saved')).toContainText('version 1');
  await expect(page.getByLabel('Defaults of this namespace (YAML)')).toHaveValue(/parallelism: 4/);
});
