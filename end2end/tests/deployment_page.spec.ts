import { readFile } from 'node:fs/promises';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { expectHydrated } from './fixtures/access_page';
import { DeploymentPage } from './fixtures/deployment_page';
import { StartDialog } from './fixtures/start_dialog';
import { API, createCounter, remove, settle, state } from './fixtures/deployments_api';

// The deployment page's tabs, savepoint actions and YAML export/import, against the real local
// Flink cluster the test command started.

test('each tab shows its part, events filter by level, savepoints are registered, copied and started from', async ({ page, request }) => {
  const name = `e2e-page-${Date.now()}`;
  const id = await createCounter(request, name);
  const otherName = `${name}-b`;
  const other = await createCounter(request, otherName);
  expect((await request.post(`${API}/deployments/${id}:start`, { data: { mode: 'INITIAL' } })).status()).toBe(200);
  await expect.poll(() => state(request, id), { timeout: 60_000 }).toBe('RUNNING');
  const taken = await request.post(`${API}/savepoints`, { data: { metadata: { deploymentId: id } } });
  expect(taken.status()).toBe(201);
  const savepoint = (await taken.json()).metadata.id;
  await expect
    .poll(async () => (await (await request.get(`${API}/savepoints/${savepoint}`)).json()).status.state, { timeout: 30_000 })
    .toBe('COMPLETED');

  const detail = new DeploymentPage(page);
  await detail.goto(id);
  await expectHydrated(page);
  // Overview: the running job as Flink reports it, with a link into Flink's web UI.
  await expect(detail.currentJob).toContainText('RUNNING', { timeout: 15_000 });
  await expect(detail.currentJob).toContainText('Uptime');
  await expect(detail.currentJob).toContainText('Restarts');
  await expect(detail.currentJob.getByTestId('last-checkpoint')).toBeVisible();
  const flinkUi = detail.currentJob.getByRole('link', { name: /Open in Flink web UI/ });
  await expect(flinkUi).toHaveAttribute('href', /\/#\/job\/running\/[0-9a-f]{32}\/overview$/);
  await expect(page.getByRole('region', { name: 'Deployment facts' })).toContainText('STATEFUL');
  await page.screenshot({ path: 'end2end/screenshots/deployment-overview.png', fullPage: true });

  await detail.openTab('Configuration');
  await expect(page).toHaveURL(/\?tab=configuration$/);
  await expect(page.getByTestId('deployment-yaml')).toContainText(`name: ${name}`);
  await expect(page.getByTestId('deployment-yaml')).toContainText('kind: Deployment');
  await expect(page.getByTestId('effective-yaml')).toContainText('upgradeStrategy');
  await page.screenshot({ path: 'end2end/screenshots/deployment-configuration.png', fullPage: true });

  await detail.openTab('Jobs');
  await expect(detail.jobs.locator('tbody tr')).toHaveCount(1);
  await page.screenshot({ path: 'end2end/screenshots/deployment-jobs.png', fullPage: true });

  await detail.openTab('Events');
  await expect(detail.events).toContainText('JOB_SUCCESSFULLY_STARTED');
  await detail.level('Errors').click();
  await expect(page).toHaveURL(/\?tab=events&level=ERROR$/);
  await expect(page.getByRole('tabpanel', { name: 'Events' })).toContainText('No events of this level.');
  await detail.level('Info').click();
  await expect(page).toHaveURL(/level=INFO$/);
  await expect(detail.events).toContainText('JOB_SUCCESSFULLY_STARTED');
  await expect(detail.events.locator('li[data-level="ERROR"]')).toHaveCount(0);
  await page.screenshot({ path: 'end2end/screenshots/deployment-events.png', fullPage: true });

  await detail.openTab('Exceptions');
  await expect(detail.exceptions).toContainText('No exceptions — the job has not failed.');
  await page.screenshot({ path: 'end2end/screenshots/deployment-exceptions.png', fullPage: true });

  // Savepoints: a file of the console's host is refused with the reason; a remote location is registered.
  await detail.openTab('Savepoints');
  await expect(detail.savepoint('USER_REQUEST')).toContainText('COMPLETED');
  const register = page.getByRole('form', { name: 'Register a savepoint' });
  await register.getByLabel('Savepoint location').fill('file:///etc/passwd');
  await register.getByRole('button', { name: 'Register' }).click();
  await expect(register.getByRole('alert')).toContainText("outside the console's savepoint directories");
  await register.getByLabel('Savepoint location').fill('s3://e2e-bucket/savepoints/savepoint-external');
  await register.getByRole('button', { name: 'Register' }).click();
  await expect(detail.savepoint('COPIED')).toContainText('s3://e2e-bucket/savepoints/savepoint-external');
  // Copy the USER_REQUEST savepoint to the other deployment.
  const row = detail.savepoint('USER_REQUEST');
  await row.getByText('Copy to…').click();
  await row.getByLabel('Target deployment').selectOption({ label: otherName });
  await row.getByRole('button', { name: 'Copy savepoint' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Savepoint copied.' })).toBeVisible();
  const copies = await (await request.get(`${API}/savepoints?deploymentId=${other}`)).json();
  expect(copies.items).toHaveLength(1);
  expect(copies.items[0].metadata.origin).toBe('COPIED');
  await page.screenshot({ path: 'end2end/screenshots/deployment-savepoints.png', fullPage: true });

  // Start from a savepoint: suspended, the row opens the Start dialog with it chosen.
  await settle(request, id, 'SUSPENDED');
  await detail.openTab('Savepoints');
  await detail.savepoint('USER_REQUEST').getByRole('link', { name: 'Start from this' }).click();
  const dialog = new StartDialog(page);
  await dialog.expectOpen();
  await expect(dialog.resumeMode).toBeChecked();
  await expect(dialog.specificState).toBeChecked();
  await expect(dialog.stateOfThisDeployment).toHaveValue(savepoint);
  await page.screenshot({ path: 'end2end/screenshots/deployment-start-from-savepoint.png' });
  await page.keyboard.press('Escape');
  await expect(dialog.dialog).toHaveCount(0);

  // Export the YAML and import it under a new name.
  await detail.openTab('Configuration');
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download YAML' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`${name}.yaml`);
  const exported = await readFile(await download.path(), 'utf8');
  expect(exported).toContain('kind: Deployment');
  const importedName = `${name}-imported`;
  await page.goto('/namespaces/default/deployments/new?tab=yaml');
  await expectHydrated(page);
  await page.getByRole('textbox', { name: 'Deployment YAML' }).fill(exported.replace(`name: ${name}`, `name: ${importedName}`));
  await page.screenshot({ path: 'end2end/screenshots/deployment-yaml-import.png', fullPage: true });
  await page.getByRole('button', { name: 'Create from YAML' }).click();
  await expect(page).toHaveURL(/\/deployments\/[0-9a-f-]{36}$/);
  const imported = (await (await request.get(`${API}/deployments`)).json()).items.find((d: any) => d.metadata.name === importedName);
  expect(imported).toBeTruthy();
  expect(imported.metadata.id).not.toBe(id);
  expect(imported.spec.template).toEqual((await (await request.get(`${API}/deployments/${id}`)).json()).spec.template);
  // It runs: started like any deployment.
  expect((await request.post(`${API}/deployments/${imported.metadata.id}:start`, { data: { mode: 'INITIAL' } })).status()).toBe(200);
  await expect.poll(() => state(request, imported.metadata.id), { timeout: 60_000 }).toBe('RUNNING');

  await remove(request, imported.metadata.id);
  await remove(request, id);
  await remove(request, other);
});

test('a new deployment has empty tabs that say what to do', async ({ page, request }) => {
  const name = `e2e-empty-${Date.now()}`;
  const id = await createCounter(request, name);
  const detail = new DeploymentPage(page);
  await detail.goto(id);
  await expect(detail.currentJob).toContainText('No job has run yet');
  await detail.openTab('Savepoints');
  await expect(page.getByRole('tabpanel', { name: 'Savepoints' })).toContainText('No savepoints yet');
  await page.screenshot({ path: 'end2end/screenshots/deployment-savepoints-empty.png', fullPage: true });
  await detail.openTab('Exceptions');
  await expect(detail.exceptions).toContainText('No job has reached Flink yet');
  await detail.openTab('Events');
  await expect(page.getByRole('tabpanel', { name: 'Events' })).toContainText('No events yet.');
  await remove(request, id);
});

test('changes made elsewhere are pushed to the open page: no reload, no polling', async ({ page, request }) => {
  const name = `e2e-live-${Date.now()}`;
  const id = await createCounter(request, name);
  try {
    const detail = new DeploymentPage(page);
    await detail.goto(id, 'default', 'Events');
    await expectHydrated(page);
    await expect(page.getByTestId('live')).toHaveText('● Live', { timeout: 10_000 });
    // The page reads the deployment only when the stream says it changed: nothing while idle.
    const reads: string[] = [];
    // The page's live region reads the page itself again (a fetch of its own address).
    page.on('request', (r) => {
      if (r.resourceType() === 'fetch' && new URL(r.url()).pathname === `/namespaces/default/deployments/${id}`) reads.push(r.url());
    });
    await page.waitForTimeout(5_000);
    expect(reads, 'an idle page reads nothing').toEqual([]);

    // Started from elsewhere (the REST API): the status and the events arrive by push.
    await page.evaluate(() => ((window as unknown as { unreloaded: boolean }).unreloaded = true));
    expect((await request.post(`${API}/deployments/${id}:start`, { data: { mode: 'INITIAL' } })).status()).toBe(200);
    await expect(detail.status).toContainText('RUNNING', { timeout: 60_000 });
    await expect(detail.events).toContainText(/started/i);
    expect(await page.evaluate(() => (window as unknown as { unreloaded?: boolean }).unreloaded)).toBe(true);
    // A burst of engine writes is read in few requests, not one per change.
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.length).toBeLessThan(15);
    await page.screenshot({ path: 'end2end/screenshots/deployment-live.png', fullPage: true });
  } finally {
    await remove(request, id);
  }
});

test('the tabs and the YAML import work without JavaScript @ssr', async ({ page, request }) => {
  const name = `e2e-nojs-${Date.now()}`;
  const id = await createCounter(request, name);
  const detail = new DeploymentPage(page);
  await detail.goto(id);
  await detail.tabs.getByRole('link', { name: 'Events', exact: true }).click();
  await expect(page).toHaveURL(/\?tab=events$/);
  await detail.level('Errors').click();
  await expect(page).toHaveURL(/\?tab=events&level=ERROR$/);

  const exported = await (await request.get(`${API}/deployments/${id}?download=yaml`)).text();
  await page.goto('/namespaces/default/deployments/new');
  await page.getByRole('navigation', { name: 'Ways to create' }).getByRole('link', { name: 'YAML' }).click();
  await expect(page).toHaveURL(/\/new\?tab=yaml$/);
  // Refused: the same name is taken; the reason and the text come back.
  await page.getByRole('textbox', { name: 'Deployment YAML' }).fill(exported);
  await page.getByRole('button', { name: 'Create from YAML' }).click();
  await expect(page).toHaveURL(/tab=yaml&error=/);
  await expect(page.locator('#yaml-error')).toContainText(name);
  await expect(page.getByRole('textbox', { name: 'Deployment YAML' })).toHaveValue(exported);
  const importedName = `${name}-imported`;
  await page.getByRole('textbox', { name: 'Deployment YAML' }).fill(exported.replace(`name: ${name}`, `name: ${importedName}`));
  await page.getByRole('button', { name: 'Create from YAML' }).click();
  await expect(page).toHaveURL(/\/deployments\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { name: importedName })).toBeVisible();
  const importedId = page.url().split('/').pop() as string;
  await remove(request, importedId);
  await remove(request, id);
});
