import { expect, test, type APIRequestContext } from '@playwright/test';
import { expectHydrated } from './fixtures/access_page';
import { DeploymentPage } from './fixtures/deployment_page';
import { DeploymentsPage } from './fixtures/deployments_page';
import { LoginPage } from './fixtures/login_page';
import { StartDialog } from './fixtures/start_dialog';
import { API, createCounter, freshNamespace, remove, settle, state } from './fixtures/deployments_api';

// The Start dialog (seed 000) against the real local Flink cluster the test command started.

/** Runs a deployment through the API, takes a savepoint and suspends it; returns the savepoint ids. */
async function runAndSuspend(request: APIRequestContext, id: string): Promise<{ userRequest: string; suspend: string }> {
  expect((await request.post(`${API}/deployments/${id}:start`, { data: { mode: 'INITIAL' } })).status()).toBe(200);
  await expect.poll(() => state(request, id), { timeout: 60_000 }).toBe('RUNNING');
  const taken = await request.post(`${API}/savepoints`, { data: { metadata: { deploymentId: id } } });
  expect(taken.status()).toBe(201);
  const userRequest = (await taken.json()).metadata.id;
  await expect
    .poll(async () => (await (await request.get(`${API}/savepoints/${userRequest}`)).json()).status.state, { timeout: 30_000 })
    .toBe('COMPLETED');
  await settle(request, id, 'SUSPENDED');
  const list = await (await request.get(`${API}/savepoints?deploymentId=${id}`)).json();
  const suspend = list.items.find((s: any) => s.metadata.origin === 'SUSPEND' && s.status.state === 'COMPLETED');
  expect(suspend).toBeTruthy();
  return { userRequest, suspend: suspend.metadata.id };
}

async function restoredFrom(request: APIRequestContext, id: string): Promise<string | undefined> {
  const jobs = await (await request.get(`${API}/jobs?deploymentId=${id}`)).json();
  return jobs.items[0]?.spec?.savepointId;
}

test('initial mode with a source start time starts the job, and the event log says so', async ({ page, request }) => {
  // A namespace of its own: resume mode is offered whenever any deployment there has state.
  const namespace = await freshNamespace(request, 'start-initial');
  const name = `e2e-initial-${Date.now()}`;
  const id = await createCounter(request, name, { namespace });
  const deployments = new DeploymentsPage(page, namespace);
  await deployments.goto();
  await deployments.expectHydrated();
  await deployments.action(name, 'Start').click();
  const dialog = new StartDialog(page);
  await dialog.expectOpen();
  // Focus moved into the dialog; a new deployment has no state, so resume mode is unavailable with the reason.
  await expect(dialog.dialog.getByRole('heading', { name: 'Start deployment' })).toBeFocused();
  await expect(dialog.initialMode).toBeChecked();
  await expect(dialog.resumeMode).toBeDisabled();
  await expect(dialog.dialog).toContainText('No state to resume from');
  await expect(dialog.startTime).toBeDisabled();
  await dialog.specifyStartTime.check();
  await dialog.startTime.fill('2026-11-30T08:00:00');
  await page.screenshot({ path: 'end2end/screenshots/start-dialog-initial.png' });
  // Escape closes it; nothing started.
  await page.keyboard.press('Escape');
  await expect(dialog.dialog).toHaveCount(0);
  expect(await state(request, id, namespace)).toBe('CANCELLED');

  await deployments.action(name, 'Start').click();
  await dialog.expectOpen();
  await dialog.specifyStartTime.check();
  await dialog.startTime.fill('2026-11-30T08:00:00');
  await dialog.start.click();
  await expect(dialog.dialog).toHaveCount(0);
  await expect(deployments.row(name)).toContainText('RUNNING', { timeout: 60_000 });
  const detail = new DeploymentPage(page);
  await detail.goto(id, namespace, 'Events');
  await expect(detail.events).toContainText('starting without state');
  await expect(detail.events).toContainText('source start time 2026-11-30T');
  await remove(request, id, namespace);
});

test('resume from the latest state and from a specific state restores exactly that state', async ({ page, request }) => {
  const name = `e2e-resume-${Date.now()}`;
  const id = await createCounter(request, name);
  const { userRequest, suspend } = await runAndSuspend(request, id);

  const detail = new DeploymentPage(page);
  await detail.goto(id);
  await expectHydrated(page);
  await detail.action(name, 'Start').click();
  const dialog = new StartDialog(page);
  await dialog.expectOpen();
  await expect(dialog.resumeMode).toBeChecked();
  await expect(dialog.latestState).toBeChecked();
  await expect(dialog.latestStateNote).toContainText(suspend);
  await expect(dialog.latestStateNote).toContainText('file:');
  await expect(dialog.allowNonRestored).toBeEnabled();
  await page.screenshot({ path: 'end2end/screenshots/start-dialog-resume-latest.png' });
  await dialog.check.click();
  await expect(dialog.verdict).toHaveText('Fully compatible', { timeout: 60_000 });
  await dialog.start.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'end2end/screenshots/start-dialog-compatible.png' });
  await dialog.start.click();
  await detail.expectStatus('RUNNING');
  expect(await restoredFrom(request, id)).toBe(suspend);

  // Suspend again, then choose the USER_REQUEST savepoint taken earlier.
  await settle(request, id, 'SUSPENDED');
  await detail.action(name, 'Start').click();
  await dialog.expectOpen();
  await dialog.specificState.check();
  await dialog.stateOfThisDeployment.selectOption(userRequest);
  await page.screenshot({ path: 'end2end/screenshots/start-dialog-specific.png' });
  await dialog.start.click();
  await detail.expectStatus('RUNNING');
  expect(await restoredFrom(request, id)).toBe(userRequest);
  await detail.openTab('Events');
  await expect(detail.events).toContainText(`starting from savepoint ${userRequest}`);
  await remove(request, id);
});

test("deployment B starts from deployment A's savepoint; a changed uid is Incompatible until Start anyway", async ({ page, request }) => {
  const stamp = Date.now();
  const a = `e2e-a-${stamp}`;
  const b = `e2e-b-${stamp}`;
  const changed = `e2e-uid-${stamp}`;
  const aId = await createCounter(request, a);
  const bId = await createCounter(request, b);
  const changedId = await createCounter(request, changed, { mainArgs: '--rate 50 --keys 100 --uid-suffix _v2' });
  const { suspend } = await runAndSuspend(request, aId);

  const detail = new DeploymentPage(page);
  await detail.goto(bId);
  await expectHydrated(page);
  await detail.action(b, 'Start').click();
  const dialog = new StartDialog(page);
  await dialog.expectOpen();
  await dialog.resumeMode.check();
  await expect(dialog.latestState).toBeDisabled();
  await dialog.otherState.check();
  await dialog.otherDeployment.selectOption({ label: a });
  await dialog.stateOfOtherDeployment.selectOption(suspend);
  await dialog.check.click();
  await expect(dialog.verdict).toHaveText('Fully compatible', { timeout: 60_000 });
  await dialog.otherState.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'end2end/screenshots/start-dialog-other-deployment.png' });
  await dialog.start.click();
  await detail.expectStatus('RUNNING');
  expect(await restoredFrom(request, bId)).toBe(suspend);
  await detail.openTab('Events');
  await expect(detail.events).toContainText(`of deployment ${a}`);

  // The same savepoint for a job whose operator uids changed: Incompatible, and Start waits for "Start anyway".
  await detail.goto(changedId);
  await expectHydrated(page);
  await detail.action(changed, 'Start').click();
  await dialog.expectOpen();
  await dialog.resumeMode.check();
  await dialog.otherState.check();
  await dialog.otherDeployment.selectOption({ label: a });
  await dialog.stateOfOtherDeployment.selectOption(suspend);
  await dialog.check.click();
  await expect(dialog.verdict).toHaveText('Incompatible', { timeout: 60_000 });
  await expect(dialog.report).toContainText('numbers');
  await expect(dialog.start).toBeDisabled();
  await dialog.start.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'end2end/screenshots/start-dialog-incompatible.png' });
  await dialog.startAnyway.check();
  await expect(dialog.start).toBeEnabled();
  await page.keyboard.press('Escape');
  await expect(dialog.dialog).toHaveCount(0);
  // The API refuses it without the confirmation too.
  const refused = await request.post(`${API}/deployments/${changedId}:start`, {
    data: { mode: 'RESUME', restore: { kind: 'SAVEPOINT', savepointId: suspend } },
  });
  expect(refused.status()).toBe(409);
  expect((await refused.json()).message).toContain('confirmIncompatible');

  await remove(request, bId);
  await remove(request, aId);
  expect((await request.delete(`${API}/deployments/${changedId}`)).status()).toBe(200);
});

test('a viewer is offered no Start, and the Start page refuses them', async ({ browser, request }) => {
  const name = `vic-${Date.now().toString(36)}`;
  const password = 'viewer password 1';
  expect((await request.post('/api/v1/users', { data: { name, password } })).status()).toBe(201);
  expect((await request.put(`${API}/members/${name}`, { data: { role: 'VIEWER' } })).status()).toBe(200);
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const viewer = await context.newPage();
  const login = new LoginPage(viewer);
  await login.goto();
  await login.signIn(name, password);
  await expect(viewer).not.toHaveURL(/\/login/);
  const deployments = new DeploymentsPage(viewer);
  await deployments.goto();
  await expect(deployments.row('stateful-counter')).toBeVisible();
  await expect(deployments.action('stateful-counter', 'Start')).toHaveCount(0);
  const list = await (await request.get(`${API}/deployments`)).json();
  const id = list.items.find((d: any) => d.metadata.name === 'stateful-counter').metadata.id;
  await viewer.goto(`/namespaces/default/deployments/${id}/start`);
  await expect(viewer.getByRole('alert')).toContainText('you may not');
  await context.close();
});

test('the Start page works without JavaScript: check by reloading it, start by a plain form post @ssr', async ({ page, request }) => {
  const name = `e2e-static-start-${Date.now()}`;
  const id = await createCounter(request, name);
  const { suspend } = await runAndSuspend(request, id);
  await page.goto(`/namespaces/default/deployments/${id}/start`);
  const dialog = new StartDialog(page);
  await expect(dialog.resumeMode).toBeChecked();
  await expect(dialog.latestState).toBeChecked();
  await expect(dialog.latestStateNote).toContainText(suspend);
  await dialog.check.click();
  await expect(page).toHaveURL(/\/start\?.*check=1/);
  await expect(dialog.verdict).toHaveText('Fully compatible');
  await page.screenshot({ path: 'end2end/screenshots/start-page-no-javascript.png', fullPage: true });
  await dialog.start.click();
  await expect(page).toHaveURL(new RegExp(`/deployments/${id}$`));
  await expect.poll(() => state(request, id), { timeout: 60_000 }).toBe('RUNNING');
  expect(await restoredFrom(request, id)).toBe(suspend);
  // A refusal comes back to the Start page with its reason: it is already asked to run.
  await page.goto(`/namespaces/default/deployments/${id}/start`);
  await expect(page.getByRole('status')).toContainText('already asked to run');
  await remove(request, id);
});
