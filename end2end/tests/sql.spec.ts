import { expect, test } from '@playwright/test';
import { SqlPage } from './fixtures/sql_page';
import { expectHydrated } from './fixtures/access_page';

const SQL = '/sql/v1beta1/namespaces/default/sqlscripts';
const API = '/api/v1/namespaces/default';

test('an editor builds the catalog on the SQL page, sees an error at its line, and deploys an INSERT', async ({ page, request }) => {
  const suffix = Date.now().toString(36);
  const [src, snk] = [`e2e_src_${suffix}`, `e2e_snk_${suffix}`];
  await page.goto('/namespaces/default/deployments');
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'SQL' }).click();
  await expect(page).toHaveURL(/\/namespaces\/default\/sql$/);
  const sql = new SqlPage(page, 'default');
  await expectHydrated(page);

  await sql.execute(`CREATE TABLE ${src} (k INT, v STRING) WITH ('connector' = 'datagen', 'rows-per-second' = '5')`);
  await expect(sql.result).toContainText('OK');
  await sql.expectListed(src);
  await sql.execute(`CREATE TABLE ${snk} (k INT, v STRING) WITH ('connector' = 'blackhole')`);
  await sql.expectListed(snk);

  await sql.validate(`INSERT INTO ${snk}\nSELECT k, w\nFROM ${src}`);
  await expect(sql.validation).toContainText("Line 2, column 11: ");
  await expect(sql.validation).toContainText("Column 'w' not found");
  await expect(sql.validation.getByLabel('Line 2 has the error')).toContainText('SELECT k, w');
  await page.screenshot({ path: 'end2end/screenshots/sql.png', fullPage: true });

  await sql.execute('SHOW TABLES');
  await expect(sql.result).toContainText(src);

  const insert = `INSERT INTO ${snk} SELECT k, v FROM ${src}`;
  await sql.validate(insert);
  await expect(sql.validation).toContainText('Valid INSERT');
  await sql.deploy(insert, `sql-${suffix}`);
  const deployed = page.getByRole('status').filter({ hasText: 'Deployed' });
  await deployed.getByRole('link').click();
  await expect(page).toHaveURL(/\/namespaces\/default\/deployments\/[0-9a-f-]{36}$/);
  const id = page.url().split('/').pop() as string;
  const deployment = await (await request.get(`${API}/deployments/${id}`)).json();
  expect(deployment.spec.template.spec.artifact).toEqual({ kind: 'SQLSCRIPT', sqlScript: insert });

  // Leave nothing running or defined for other tests.
  expect((await request.patch(`${API}/deployments/${id}`, { data: { spec: { state: 'CANCELLED' } } })).status()).toBe(200);
  for (const table of [src, snk]) {
    expect((await request.post(`${SQL}:execute`, { data: { statement: `DROP TABLE ${table}` } })).status()).toBe(200);
  }
});

test('the SQL page validates and executes without JavaScript @ssr', async ({ page, request }) => {
  const table = `e2e_ssr_${Date.now().toString(36)}`;
  const sql = new SqlPage(page, 'default');
  await sql.goto();
  await sql.validate('SELECT 1\nFRM nowhere');
  await expect(page).toHaveURL(/validate=1/);
  await expect(sql.validation).toContainText('Line 2, column');
  await expect(sql.validation.getByLabel('Line 2 has the error')).toContainText('FRM nowhere');

  await sql.execute(`CREATE TABLE ${table} (k INT) WITH ('connector' = 'datagen')`);
  await expect(page).toHaveURL(/\/namespaces\/default\/sql\?/);
  await expect(page.getByRole('status')).toContainText('Executed');
  await sql.expectListed(table);
  await sql.execute(`CREATE TABLE ${table} (k INT) WITH ('connector' = 'datagen')`);
  await expect(page.getByRole('alert')).toContainText('already exists');
  expect((await request.post(`${SQL}:execute`, { data: { statement: `DROP TABLE ${table}` } })).status()).toBe(200);
});
