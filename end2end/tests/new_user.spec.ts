import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { expectHydrated } from './fixtures/access_page';
import { ArtifactsPage } from './fixtures/artifacts_page';
import { DeploymentPage } from './fixtures/deployment_page';
import { StartDialog } from './fixtures/start_dialog';
import { API, state } from './fixtures/deployments_api';

// Issue 15's walk-through, as a new user would do it, against the real local Flink cluster the
// test command started: their own JAR, their own deployment, a stateful upgrade, YAML out and in.

const flink = process.env.FLINK_REST_URL ?? 'http://127.0.0.1:18081';

/** The counter's largest count, read from Flink: the gauge `maxCount` of the job's counting operator. */
async function maxCount(request: APIRequestContext, deploymentId: string): Promise<number> {
  const jobs = await (await request.get(`${API}/jobs?deploymentId=${deploymentId}`)).json();
  const jobId = jobs.items[0]?.status?.started?.flinkJobId ?? jobs.items[0]?.metadata?.id;
  const job = await (await fetch(`${flink}/jobs/${jobId}`)).json();
  let best = -1;
  for (const vertex of job.vertices ?? []) {
    const names = await (await fetch(`${flink}/jobs/${jobId}/vertices/${vertex.id}/subtasks/metrics`)).json();
    const gauge = names.find((m: { id: string }) => m.id.endsWith('maxCount'));
    if (!gauge) continue;
    const values = await (await fetch(`${flink}/jobs/${jobId}/vertices/${vertex.id}/subtasks/metrics?get=${gauge.id}&agg=max`)).json();
    best = Math.max(best, Number(values[0]?.max ?? -1));
  }
  return best;
}

test('a new user uploads their JAR, creates a deployment from it, runs and upgrades it with its state, and moves it as YAML', async ({ page, request }) => {
  // The whole walk-through, with a real start and a stateful upgrade, takes longer than one step.
  test.setTimeout(240_000);
  const name = `journey-${Date.now().toString(36)}`;
  // 1. Their JAR, as an artifact of the namespace.
  const artifacts = new ArtifactsPage(page, 'default');
  await artifacts.goto();
  await expectHydrated(page);
  await artifacts.upload({ name: `${name}.jar`, mimeType: 'application/java-archive', buffer: readFileSync('jobs/build/stateful-job.jar') });
  await expect(artifacts.result).toContainText(`Uploaded ${name}.jar`);

  // 2. A deployment from the form, running that artifact.
  await page.goto('/namespaces/default/deployments/new');
  await expectHydrated(page);
  const form = page.getByRole('form', { name: 'Deployment' });
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('JAR URI').fill(`artifact:///${name}.jar`);
  await form.getByLabel('Entry class').fill('console.examples.StatefulCounter');
  await form.getByLabel('Arguments').fill('--rate 200 --keys 10');
  await form.getByLabel('Parallelism').fill('1');
  await form.getByLabel('Upgrade strategy').selectOption('STATEFUL');
  await form.getByRole('button', { name: 'Create deployment' }).click();
  await expect(page).toHaveURL(/\/deployments\/[0-9a-f-]{36}$/);
  const id = page.url().split('/').pop() as string;

  // 3. Start it; it runs on real Flink.
  const detail = new DeploymentPage(page);
  await expectHydrated(page);
  await detail.action(name, 'Start').click();
  const dialog = new StartDialog(page);
  await dialog.expectOpen();
  await dialog.start.click();
  await detail.expectStatus('RUNNING');
  await expect.poll(() => maxCount(request, id), { timeout: 60_000 }).toBeGreaterThan(0);
  const before = await maxCount(request, id);

  // 4. Edit its parallelism: a stateful upgrade, and the counter continues from its savepoint.
  await page.getByRole('link', { name: `Edit ${name}` }).click();
  await expect(page.getByRole('status')).toContainText('upgrade strategy STATEFUL');
  await expectHydrated(page);
  await page.getByRole('form', { name: 'Deployment' }).getByLabel('Parallelism').fill('2');
  await page.getByRole('form', { name: 'Deployment' }).getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL(new RegExp(`/deployments/${id}$`));
  await expect.poll(async () => {
    const jobs = await (await request.get(`${API}/jobs?deploymentId=${id}`)).json();
    return jobs.items.length >= 2 && jobs.items[0].spec.parallelism === 2 && jobs.items[0].status?.state === 'STARTED';
  }, { timeout: 90_000 }).toBe(true);
  await expect.poll(() => maxCount(request, id), { timeout: 60_000 }).toBeGreaterThanOrEqual(before);
  await detail.goto(id, 'default', 'Events');
  await expect(detail.events).toContainText('USING_AN_UPGRADE_STRATEGY');

  // 5. Export it as YAML from its page and import it under a new name.
  await detail.goto(id, 'default', 'Configuration');
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download YAML' }).click();
  const yaml = (await readFile(await (await downloading).path(), 'utf8')).replace(`name: ${name}\n`, `name: ${name}-copy\n`);
  await page.goto('/namespaces/default/deployments/new?tab=yaml');
  await expectHydrated(page);
  await page.getByRole('textbox', { name: 'Deployment YAML' }).fill(yaml);
  await page.getByRole('button', { name: 'Create from YAML' }).click();
  await expect(page).toHaveURL(/\/deployments\/[0-9a-f-]{36}$/);
  const copy = page.url().split('/').pop() as string;
  expect(copy).not.toBe(id);
  const copied = await (await request.get(`${API}/deployments/${copy}`)).json();
  expect(copied.metadata.name).toBe(`${name}-copy`);
  expect(copied.spec.template.spec.parallelism).toBe(2);
  expect(copied.spec.template.spec.artifact.jarUri).toBe(`artifact:///${name}.jar`);

  // The copy asks to run, as the original did when it was exported.
  expect(copied.spec.state).toBe('RUNNING');

  // 6. Clean up as a user would: cancel both, then delete each from its page; the artifact is free again.
  for (const each of [id, copy]) {
    expect((await request.patch(`${API}/deployments/${each}`, { data: { spec: { state: 'CANCELLED' } } })).status()).toBe(200);
  }
  for (const each of [id, copy]) {
    await expect.poll(() => state(request, each), { timeout: 60_000 }).toBe('CANCELLED');
  }
  for (const each of [id, copy]) {
    await page.goto(`/namespaces/default/deployments/${each}`);
    await expectHydrated(page);
    await page.getByText('Delete this deployment…').click();
    await page.getByRole('group', { name: 'Confirm deletion' }).getByRole('button', { name: 'Delete deployment' }).click();
    await expect(page).toHaveURL(/\/namespaces\/default\/deployments$/);
  }
  await artifacts.goto();
  await expectHydrated(page);
  await artifacts.delete(`${name}.jar`);
  await expect(artifacts.artifact(`${name}.jar`)).toHaveCount(0);
});
