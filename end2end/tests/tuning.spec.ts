import { expect, test } from '@playwright/test';
import { expectHydrated } from './fixtures/access_page';
import { DeploymentPage } from './fixtures/deployment_page';
import { API, createCounter, remove } from './fixtures/deployments_api';
import { StartDialog } from './fixtures/start_dialog';

// The deployment page's Autopilot & plans tab: the Autopilot's policy, and scheduled tuning plans
// created, applied (never together with the Autopilot), stopped and deleted.

test('an editor sets the Autopilot policy and creates, applies, stops and deletes a tuning plan', async ({ page, request }) => {
  const name = `e2e-tuning-${Date.now()}`;
  const id = await createCounter(request, name);
  try {
    const detail = new DeploymentPage(page);
    await page.goto(`/namespaces/default/deployments/${id}?tab=tuning`);
    await expectHydrated(page);
    const autopilot = page.getByRole('region', { name: 'Autopilot' });
    await expect(page.getByTestId('autopilot-summary')).toContainText('DISABLED');

    // The Autopilot recommends only (MONITORING), with a shorter window.
    const policy = page.getByRole('form', { name: 'Autopilot policy' });
    await policy.getByLabel('Mode').selectOption('MONITORING');
    await policy.getByLabel('Metrics window (s)').fill('120');
    await policy.getByRole('button', { name: 'Save Autopilot policy' }).click();
    // The page's answer in place (the button is enabled again) before typing into the form anew.
    await expect(policy.getByRole('button', { name: 'Save Autopilot policy' })).toBeEnabled();
    await expect(page.getByTestId('autopilot-summary')).toContainText('MONITORING');
    // The saved policy, once the save's answer is in (the summary may show the choice first).
    await expect
      .poll(async () => (await (await request.get(`${API}/deployments/${id}/autopilot-policy`)).json()).mode)
      .toBe('MONITORING');
    const stored = await (await request.get(`${API}/deployments/${id}/autopilot-policy`)).json();
    expect(stored.tuning.metricsWindowSeconds).toBe(120);

    // A bad number is refused with its field, and nothing changes.
    await policy.getByLabel('Target utilisation (0–1)').fill('lots');
    await policy.getByRole('button', { name: 'Save Autopilot policy' }).click();
    await expect(autopilot.getByRole('alert')).toContainText('spec.autopilot.tuning.targetUtilization');

    // A plan: business hours up, evenings down.
    await page.getByText('+ New tuning plan').click();
    const form = page.getByRole('form', { name: 'New tuning plan' });
    await form.getByLabel('Plan name').fill('business hours');
    const first = form.getByRole('group', { name: 'Time point 1' });
    await first.getByLabel('At').fill('08:00');
    await first.getByLabel('Time zone (daily)').fill('Europe/Berlin');
    await first.getByLabel('Parallelism').fill('2');
    const second = form.getByRole('group', { name: 'Time point 2' });
    await second.getByLabel('At').fill('20:00');
    await second.getByLabel('Time zone (daily)').fill('Europe/Berlin');
    await second.getByLabel('Parallelism').fill('1');
    await form.getByRole('button', { name: 'Create plan' }).click();
    const row = page.getByRole('table', { name: 'Tuning plans' }).locator('tr[data-plan="business hours"]');
    await expect(row).toContainText('daily 08:00 Europe/Berlin → parallelism 2');
    await expect(row).toContainText('daily 20:00 Europe/Berlin → parallelism 1');

    // Not while the Autopilot is on: said so.
    await row.getByRole('button', { name: 'Apply business hours' }).click();
    await expect(page.getByRole('region', { name: 'Tuning plans' }).getByRole('alert')).toContainText('the Autopilot of deployment');
    await expect(row).toContainText('not applied');

    await policy.getByLabel('Target utilisation (0–1)').fill('0.7');
    await policy.getByLabel('Mode').selectOption('DISABLED');
    await policy.getByRole('button', { name: 'Save Autopilot policy' }).click();
    await expect(page.getByTestId('autopilot-summary')).toContainText('DISABLED');
    await row.getByRole('button', { name: 'Apply business hours' }).click();
    await expect(row).toContainText('APPLIED');
    await expect(row).toContainText('next:');
    await page.screenshot({ path: 'end2end/screenshots/tuning.png', fullPage: true });
    const plans = await (await request.get(`${API}/deployments/${id}/tuning-plans`)).json();
    expect(plans.items[0].status.applied).toBe(true);

    await row.getByRole('button', { name: 'Stop business hours' }).click();
    await expect(row).toContainText('not applied');
    await row.getByRole('button', { name: 'Delete business hours' }).click();
    await expect(page.getByRole('tabpanel', { name: 'Autopilot & plans' })).toContainText('No tuning plans yet');
    await expect(autopilot).toBeVisible();
    void detail;
  } finally {
    await remove(request, id);
  }
});

test('Configure Autopilot in the Start dialog: recommend with the start, then a scheduled plan instead', async ({ page, request }) => {
  const name = `e2e-configure-${Date.now()}`;
  const id = await createCounter(request, name);
  try {
    const created = await request.post(`${API}/deployments/${id}/tuning-plans`, {
      data: { metadata: { name: 'mornings' }, spec: { timePoints: [
        { trigger: { kind: 'DAILY', time: '08:00', timeZone: 'UTC' }, setting: { parallelism: 2 } },
      ] } },
    });
    expect(created.status()).toBe(201);
    const plan = (await created.json()).metadata.id;

    const detail = new DeploymentPage(page);
    await detail.goto(id);
    await expectHydrated(page);
    await detail.action(name, 'Start').click();
    const dialog = new StartDialog(page);
    await dialog.expectOpen();
    await expect(dialog.autopilot.getByLabel('Off')).toBeChecked();
    await dialog.autopilot.getByLabel('Autopilot: recommend').check();
    await expect(dialog.tuningPlan).toBeDisabled();
    await page.screenshot({ path: 'end2end/screenshots/start-dialog-autopilot.png' });
    await dialog.start.click();
    await expect(dialog.dialog).toHaveCount(0);
    await detail.expectStatus('RUNNING');
    const policy = await (await request.get(`${API}/deployments/${id}/autopilot-policy`)).json();
    expect(policy.mode).toBe('MONITORING');

    // Suspended, then started again with the plan instead: the Autopilot goes off, the plan applies.
    expect((await request.patch(`${API}/deployments/${id}`, { data: { spec: { state: 'SUSPENDED' } } })).status()).toBe(200);
    await detail.expectStatus('SUSPENDED');
    await detail.action(name, 'Start').click();
    await dialog.expectOpen();
    await expect(dialog.autopilot.getByLabel('Autopilot: recommend')).toBeChecked();
    await dialog.autopilot.getByLabel('Scheduled plan').check();
    await dialog.tuningPlan.selectOption({ label: 'mornings' });
    await dialog.start.click();
    await expect(dialog.dialog).toHaveCount(0);
    await detail.expectStatus('RUNNING');
    expect((await (await request.get(`${API}/deployments/${id}/autopilot-policy`)).json()).mode).toBe('DISABLED');
    expect((await (await request.get(`${API}/tuning-plans/${plan}`)).json()).status.applied).toBe(true);
    const plans = await (await request.get(`${API}/deployments/${id}/tuning-plans`)).json();
    expect(plans.items[0].status.applied).toBe(true);
  } finally {
    await remove(request, id);
  }
});
