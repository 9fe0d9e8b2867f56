import { expect, test, type APIRequestContext } from '@playwright/test';
import { DeploymentsPage } from './fixtures/deployments_page';

// The Deployments page searches, sorts and counts on the server, keeps its view in the URL, and
// shows changes the console pushes (server-sent events) without a reload.

const API = '/api/v1/namespaces/default/deployments';

/** Creates deployments `<prefix>-<name>` labelled `suite=<prefix>` plus `labels`; answers their ids by name. */
async function create(request: APIRequestContext, prefix: string, specs: { name: string; labels?: Record<string, string> }[]) {
  const ids: Record<string, string> = {};
  for (const { name, labels } of specs) {
    const response = await request.post(API, {
      data: {
        metadata: { name: `${prefix}-${name}`, labels: { suite: prefix, ...labels } },
        spec: { template: { spec: { artifact: { kind: 'JAR', jarUri: 'https://artifacts.example/x.jar' } } } },
      },
    });
    expect(response.status(), await response.text()).toBe(201);
    ids[name] = (await response.json()).metadata.id;
  }
  return ids;
}

async function remove(request: APIRequestContext, ids: Record<string, string>) {
  for (const id of Object.values(ids)) {
    expect((await request.delete(`${API}/${id}`)).status()).toBe(200);
  }
}

test('search, sort and counts live in the URL and a pushed change appears without a reload', async ({ page, request }) => {
  const prefix = `scale${Date.now()}`;
  const ids = await create(request, prefix, [
    { name: 'alpha', labels: { tier: 'db' } },
    { name: 'beta', labels: { tier: 'web' } },
    { name: 'gamma' },
  ]);
  try {
    const deployments = new DeploymentsPage(page);
    await deployments.goto();
    await deployments.expectHydrated();

    await deployments.search({ name: prefix.toUpperCase() });
    await expect(page).toHaveURL(new RegExp(`q=${prefix.toUpperCase()}`));
    await expect.poll(() => deployments.names()).toEqual([`${prefix}-alpha`, `${prefix}-beta`, `${prefix}-gamma`]);
    await expect(deployments.count('ALL')).toContainText('3');
    await expect(deployments.count('CANCELLED')).toContainText('3');

    await deployments.search({ labels: `suite=${prefix},tier!=db`, sort: 'Name (Z–A)' });
    await expect(page).toHaveURL(/sort=-name/);
    await expect.poll(() => deployments.names()).toEqual([`${prefix}-gamma`, `${prefix}-beta`]);

    // The view survives a reload: it is all in the URL.
    await page.reload();
    await deployments.expectHydrated();
    await expect.poll(() => deployments.names()).toEqual([`${prefix}-gamma`, `${prefix}-beta`]);
    await expect(page.getByLabel('Label selector')).toHaveValue(`suite=${prefix},tier!=db`);

    // A change made elsewhere (here: the REST API) is pushed to the open page.
    await page.evaluate(() => ((window as unknown as { unreloaded: boolean }).unreloaded = true));
    const patched = await request.patch(`${API}/${ids.beta}`, {
      data: { spec: { state: 'SUSPENDED' } },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(patched.status(), await patched.text()).toBe(200);
    await expect(deployments.row(`${prefix}-beta`)).toContainText('SUSPENDED', { timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { unreloaded?: boolean }).unreloaded)).toBe(true);
    await page.screenshot({ path: 'end2end/screenshots/deployments-scale.png', fullPage: true });

    // A click on a count filters by that state.
    await deployments.search({ labels: `suite=${prefix}`, sort: 'Name (A–Z)' });
    await deployments.count('CANCELLED').click();
    await expect(page).toHaveURL(/state=CANCELLED/);
    await expect(deployments.count('CANCELLED')).toHaveAttribute('aria-current', 'page');

    // Nothing matches: said so, with a way back.
    await deployments.search({ name: `${prefix}-nothing` });
    await expect(page.getByTestId('empty')).toContainText(`No deployments match names containing “${prefix}-nothing”`);
    await page.getByTestId('empty').getByRole('link', { name: 'Clear filters' }).click();
    await expect(page).not.toHaveURL(/q=/);
    await expect(deployments.row('stateful-counter')).toBeVisible();

    // A selector that is not one says which part and why.
    await deployments.search({ name: '', labels: 'env in (a,b)' });
    await expect(page.getByRole('alert')).toContainText('is a set-based requirement');
  } finally {
    await remove(request, ids);
  }
});

test('the search form works without JavaScript @ssr', async ({ page, request }) => {
  const prefix = `plain${Date.now()}`;
  const ids = await create(request, prefix, [{ name: 'one' }, { name: 'two' }]);
  try {
    const deployments = new DeploymentsPage(page);
    await deployments.goto();
    await expect(deployments.live).toHaveText('○ Static');
    await deployments.search({ name: prefix, sort: 'Name (Z–A)' });
    await expect(page).toHaveURL(new RegExp(`q=${prefix}.*sort=-name`));
    await expect.poll(() => deployments.names()).toEqual([`${prefix}-two`, `${prefix}-one`]);
    await expect(deployments.count('ALL')).toContainText('2');
  } finally {
    await remove(request, ids);
  }
});
