import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { expectHydrated } from './fixtures/access_page';
import { DeploymentPage } from './fixtures/deployment_page';
import { StartDialog } from './fixtures/start_dialog';
import { API, remove, state } from './fixtures/deployments_api';

// Creating and editing deployments from the console, against the real local Flink cluster.


async function exampleJar(request: APIRequestContext): Promise<string> {
  const list = await (await request.get(`${API}/deployments`)).json();
  return list.items.find((d: any) => d.metadata.name === 'stateful-counter').spec.template.spec.artifact.jarUri;
}

async function idOf(request: APIRequestContext, name: string): Promise<string> {
  const list = await (await request.get(`${API}/deployments`)).json();
  return list.items.find((d: any) => d.metadata.name === name).metadata.id;
}

function form(page: Page) {
  const f = page.getByRole('form', { name: 'Deployment' });
  return {
    form: f,
    name: f.getByLabel('Name', { exact: true }),
    jarUri: f.getByLabel('JAR URI'),
    entryClass: f.getByLabel('Entry class'),
    args: f.getByLabel('Arguments'),
    sql: f.getByLabel('SQL script', { exact: true }),
    sqlKind: f.getByRole('radio', { name: 'SQL', exact: true }),
    parallelism: f.getByLabel('Parallelism'),
    upgrade: f.getByLabel('Upgrade strategy'),
    create: f.getByRole('button', { name: 'Create deployment' }),
    save: f.getByRole('button', { name: 'Save' }),
    alerts: f.getByRole('alert'),
  };
}

test('a deployment created from the form runs, and an edit of a running one upgrades it with its state', async ({ page, request }) => {
  const name = `e2e-form-${Date.now()}`;
  const jar = await exampleJar(request);
  await page.goto('/namespaces/default/deployments');
  await expectHydrated(page);
  await page.getByRole('link', { name: 'New deployment' }).click();
  await expect(page).toHaveURL(/\/deployments\/new$/);
  const f = form(page);
  await expect(f.parallelism).toHaveAttribute('placeholder', /Namespace default/);
  await f.name.fill(name);
  await f.jarUri.fill(jar);
  await f.entryClass.fill('console.examples.StatefulCounter');
  await f.args.fill('--rate 200 --keys 10');
  await f.parallelism.fill('1');
  await f.upgrade.selectOption('STATEFUL');
  await page.screenshot({ path: 'end2end/screenshots/deployment-form-new.png', fullPage: true });
  await f.create.click();
  await expect(page).toHaveURL(/\/deployments\/[0-9a-f-]{36}$/);
  const id = await idOf(request, name);
  await expect(page).toHaveURL(new RegExp(`/deployments/${id}$`));

  const detail = new DeploymentPage(page);
  await detail.action(name, 'Start').click();
  const dialog = new StartDialog(page);
  await dialog.expectOpen();
  await dialog.start.click();
  await detail.expectStatus('RUNNING');

  await page.getByRole('link', { name: `Edit ${name}` }).click();
  await expect(page).toHaveURL(new RegExp(`/deployments/${id}/edit$`));
  await expect(page.getByRole('status')).toContainText('upgrade strategy STATEFUL');
  await expectHydrated(page);
  await form(page).parallelism.fill('2');
  await page.screenshot({ path: 'end2end/screenshots/deployment-form-edit.png', fullPage: true });
  await form(page).save.click();
  await expect(page).toHaveURL(new RegExp(`/deployments/${id}$`));
  // The stateful upgrade: a SUSPEND_AND_UPGRADE savepoint, and the new job restores it.
  await detail.openTab('Savepoints');
  await expect(detail.savepoint('SUSPEND_AND_UPGRADE')).toContainText('COMPLETED', { timeout: 60_000 });
  await detail.expectStatus('RUNNING');
  await expect.poll(async () => {
    const jobs = await (await request.get(`${API}/jobs?deploymentId=${id}`)).json();
    return jobs.items.length >= 2 && jobs.items[0].spec.parallelism === 2 && Boolean(jobs.items[0].spec.savepointLocation);
  }, { timeout: 60_000 }).toBe(true);
  await detail.openTab('Events');
  await expect(detail.events).toContainText('USING_AN_UPGRADE_STRATEGY');

  // Delete: refused while it runs, with the reason; done once it is cancelled.
  await page.getByText('Delete this deployment…').click();
  const confirm = page.getByRole('group', { name: 'Confirm deletion' });
  await confirm.getByRole('button', { name: 'Delete deployment' }).click();
  await expect(confirm.getByRole('alert')).toContainText('cancel it');
  expect((await request.patch(`${API}/deployments/${id}`, { data: { spec: { state: 'CANCELLED' } } })).status()).toBe(200);
  await detail.expectStatus('CANCELLED');
  await confirm.getByRole('button', { name: 'Delete deployment' }).click();
  await expect(page).toHaveURL(/\/namespaces\/default\/deployments$/);
  expect((await request.get(`${API}/deployments/${id}`)).status()).toBe(404);
});

test('a wrong field is shown next to it; a SQL deployment is created with its script', async ({ page, request }) => {
  await page.goto('/namespaces/default/deployments/new');
  await expectHydrated(page);
  const f = form(page);
  await f.name.fill('   ');
  await f.jarUri.fill('file:///etc/passwd');
  await f.create.click();
  await expect(page.locator('#name-error')).toBeVisible();
  await page.screenshot({ path: 'end2end/screenshots/deployment-form-error.png', fullPage: true });
  await f.name.fill(`e2e-sql-${Date.now()}`);
  await f.create.click();
  await expect(page.locator('#jar_uri-error')).toContainText('is not a .jar file');

  const name = `e2e-sql-${Date.now()}`;
  await f.name.fill(name);
  await f.sqlKind.check();
  await f.sql.fill(
    "CREATE TEMPORARY TABLE src (k INT) WITH ('connector' = 'datagen', 'rows-per-second' = '5');\n" +
      "CREATE TEMPORARY TABLE snk (k INT) WITH ('connector' = 'blackhole');\nINSERT INTO snk SELECT k FROM src;",
  );
  // SQL chosen: the JAR fields do not apply; the editor's gutter follows the script as it is typed.
  await expect(f.jarUri).toBeDisabled();
  await expect(page.locator('[data-line-numbers-of="sql_script"]')).toHaveText(/^1\s+2\s+3\s+4$/);
  await f.create.click();
  await expect(page).toHaveURL(/\/deployments\/[0-9a-f-]{36}$/);
  const id = await idOf(request, name);
  await expect(page).toHaveURL(new RegExp(`/deployments/${id}$`));
  const created = await (await request.get(`${API}/deployments/${id}`)).json();
  expect(created.spec.template.spec.artifact.kind).toBe('SQLSCRIPT');
  expect(created.spec.template.spec.artifact.sqlScript).toContain('INSERT INTO snk');
  expect((await request.delete(`${API}/deployments/${id}`)).status()).toBe(200);
});

test('an edit that lost a race with another change says who changed it and when', async ({ page, request }) => {
  const name = `e2e-race-${Date.now()}`;
  const jar = await exampleJar(request);
  const created = await request.post(`${API}/deployments`, {
    data: { metadata: { name }, spec: { state: 'CANCELLED', template: { spec: { artifact: { kind: 'JAR', jarUri: jar, entryClass: 'console.examples.StatefulCounter' } } } } },
  });
  expect(created.status()).toBe(201);
  const id = (await created.json()).metadata.id;
  await page.goto(`/namespaces/default/deployments/${id}/edit`);
  await expectHydrated(page);
  expect((await request.patch(`${API}/deployments/${id}`, { data: { spec: { template: { spec: { parallelism: 3 } } } } })).status()).toBe(200);
  await form(page).args.fill('--rate 10');
  await form(page).save.click();
  await expect(page.getByRole('alert').first()).toContainText('changed by user:admin');
  await expect(page.getByRole('alert').first()).toContainText('reload');
  expect((await request.delete(`${API}/deployments/${id}`)).status()).toBe(200);
});

test('the form creates and edits without JavaScript @ssr', async ({ page, request }) => {
  const name = `e2e-static-form-${Date.now()}`;
  const jar = await exampleJar(request);
  await page.goto('/namespaces/default/deployments/new');
  const f = form(page);
  await f.name.fill(name);
  await f.jarUri.fill('file:///etc/passwd');
  await f.create.click();
  // Refused: back on the form with the reason beside the field and what was typed kept.
  await expect(page).toHaveURL(/\/deployments\/new\?/);
  await expect(page.locator('#jar_uri-error')).toContainText('is not a .jar file');
  await expect(f.name).toHaveValue(name);
  await f.jarUri.fill(jar);
  await f.entryClass.fill('console.examples.StatefulCounter');
  await f.create.click();
  await expect(page).toHaveURL(/\/deployments\/[0-9a-f-]{36}$/);
  const id = await idOf(request, name);
  await expect(page).toHaveURL(new RegExp(`/deployments/${id}$`));
  await page.goto(`/namespaces/default/deployments/${id}/edit`);
  await form(page).parallelism.fill('3');
  await form(page).save.click();
  await expect(page).toHaveURL(new RegExp(`/deployments/${id}$`));
  const saved = await (await request.get(`${API}/deployments/${id}`)).json();
  expect(saved.spec.template.spec.parallelism).toBe(3);
  // A delete refused (it is meant to run) comes back to the page with the reason.
  expect((await request.patch(`${API}/deployments/${id}`, { data: { spec: { state: 'RUNNING' } } })).status()).toBe(200);
  await page.goto(`/namespaces/default/deployments/${id}`);
  await page.getByText('Delete this deployment…').click();
  const confirm = page.getByRole('group', { name: 'Confirm deletion' });
  await confirm.getByRole('button', { name: 'Delete deployment' }).click();
  await expect(page).toHaveURL(new RegExp(`/deployments/${id}\\?delete_error=`));
  await expect(confirm.getByRole('alert')).toContainText('cancel it');
  expect((await request.patch(`${API}/deployments/${id}`, { data: { spec: { state: 'CANCELLED' } } })).status()).toBe(200);
  await expect
    .poll(async () => (await (await request.get(`${API}/deployments/${id}`)).json()).status.state, { timeout: 60_000 })
    .toBe('CANCELLED');
  expect((await request.delete(`${API}/deployments/${id}`)).status()).toBe(200);
});
