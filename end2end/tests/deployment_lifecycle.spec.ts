import { expect, test, type APIRequestContext } from '@playwright/test';
import { DeploymentsPage } from './fixtures/deployments_page';
import { DeploymentPage } from './fixtures/deployment_page';
import { StartDialog } from './fixtures/start_dialog';
import { createCounter, remove } from './fixtures/deployments_api';

// These run a real job on the local Flink cluster the test command started.

test('a deployment started from the console runs in Flink, takes a savepoint and is suspended with one', async ({ page, request }) => {
  const name = `e2e-counter-${Date.now()}`;
  const id = await createCounter(request, name);
  const deployments = new DeploymentsPage(page);
  await deployments.goto();
  await deployments.expectHydrated();
  await expect(deployments.action(name, 'Suspend')).toHaveCount(0);
  await deployments.action(name, 'Start').click();
  // A new deployment has no state: the Start dialog opens in initial mode.
  const dialog = new StartDialog(page);
  await dialog.expectOpen();
  await expect(dialog.initialMode).toBeChecked();
  await dialog.start.click();
  await expect(dialog.dialog).toHaveCount(0);
  await expect(deployments.row(name)).toContainText('RUNNING', { timeout: 60_000 });
  await expect(deployments.action(name, 'Suspend')).toBeVisible();

  await deployments.row(name).getByRole('link').click();
  const detail = new DeploymentPage(page);
  await detail.expectStatus('RUNNING');
  await detail.openTab('Jobs');
  await expect(detail.jobs.locator('tbody tr')).toHaveCount(1);
  await expect(detail.jobs).toContainText('STARTED');
  await detail.openTab('Events');
  await expect(detail.events).toContainText('JOB_SUCCESSFULLY_STARTED');

  await detail.takeSavepoint.click();
  await detail.openTab('Savepoints');
  await expect(detail.savepoint('USER_REQUEST')).toContainText('COMPLETED', { timeout: 30_000 });
  await expect(detail.savepoint('USER_REQUEST')).toContainText('file:');

  await detail.action(name, 'Suspend').click();
  await detail.expectStatus('SUSPENDED');
  await expect(detail.savepoint('SUSPEND')).toContainText('COMPLETED');
  await detail.openTab('Jobs');
  await expect(detail.jobs).toContainText('TERMINATED');
  await detail.openTab('Events');
  await expect(detail.events).toContainText('CREATING_A_SAVEPOINT_BEFORE_SUSPENSION');
  await page.screenshot({ path: 'end2end/screenshots/deployment-suspended.png', fullPage: true });

  // Resume: the dialog offers the latest state, the suspend savepoint, and the new job restores it.
  await detail.action(name, 'Start').click();
  await dialog.expectOpen();
  await expect(dialog.resumeMode).toBeChecked();
  await expect(dialog.latestState).toBeChecked();
  await expect(dialog.latestStateNote).toContainText('SUSPEND');
  await dialog.start.click();
  await detail.expectStatus('RUNNING');
  await detail.openTab('Jobs');
  await expect(detail.jobs.locator('tbody tr').first()).toContainText('savepoint');
  await page.screenshot({ path: 'end2end/screenshots/deployment-resumed.png', fullPage: true });
  await remove(request, id);
});

test('the deployment page and its actions work before any script runs @ssr', async ({ page, request }) => {
  const name = `e2e-static-${Date.now()}`;
  const id = await createCounter(request, name);
  const detail = new DeploymentPage(page);
  await detail.goto(id);
  await expect(detail.status).toHaveText('CANCELLED');
  await expect(detail.tabs).toBeVisible();
  // Start leads to the Start page; its plain form post is answered with a redirect to the deployment.
  await detail.action(name, 'Start').click();
  await expect(page).toHaveURL(new RegExp(`/deployments/${id}/start$`));
  const dialog = new StartDialog(page);
  await expect(dialog.initialMode).toBeChecked();
  await dialog.start.click();
  await expect(page).toHaveURL(new RegExp(`/deployments/${id}$`));
  await expect(detail.action(name, 'Start')).toHaveCount(0);
  await expect(detail.action(name, 'Cancel')).toBeVisible();
  await remove(request, id);
});

test('an unknown deployment id says so', async ({ page }) => {
  await page.goto('/namespaces/default/deployments/00000000-0000-4000-8000-000000000000');
  await expect(page.getByRole('alert')).toContainText('was not found');
});
