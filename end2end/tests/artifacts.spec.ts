import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { ArtifactsPage } from './fixtures/artifacts_page';
import { expectHydrated } from './fixtures/access_page';

const jarPath = 'jobs/build/stateful-job.jar';

test('an editor uploads a JAR from the Artifacts page, sees it listed with its size and hash, and deletes it after confirming', async ({ page, request }) => {
  const bytes = readFileSync(jarPath);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  await page.goto('/namespaces/default/deployments');
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Artifacts' }).click();
  await expect(page).toHaveURL(/\/namespaces\/default\/artifacts$/);
  const artifacts = new ArtifactsPage(page, 'default');
  await expectHydrated(page);

  await artifacts.upload(jarPath);
  await expect(page).toHaveURL(/\/namespaces\/default\/artifacts$/);
  // A run before this one may have left the same bytes: then nothing changes, and the page says so.
  await expect(artifacts.result).toHaveText(/Uploaded stateful-job\.jar|stateful-job\.jar is already here/);
  const row = artifacts.artifact('stateful-job.jar');
  await expect(row).toContainText('artifact:///stateful-job.jar');
  await expect(row.getByTestId('sha256')).toHaveAttribute('title', sha256);
  await expect(row).toContainText('user:admin');
  await page.screenshot({ path: 'end2end/screenshots/artifacts.png', fullPage: true });

  // The REST API lists the same artifact with its exact size.
  const listed = await (await request.get('/api/v1/namespaces/default/artifacts')).json();
  const artifact = listed.items.find((a: { name: string }) => a.name === 'stateful-job.jar');
  expect(artifact.sizeBytes).toBe(bytes.length);
  expect(artifact.sha256).toBe(sha256);

  // Download gives back the very bytes, under the artifact's name.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    row.getByRole('link', { name: 'Download stateful-job.jar' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('stateful-job.jar');
  const downloaded = readFileSync(await download.path());
  expect(createHash('sha256').update(downloaded).digest('hex')).toBe(sha256);

  // Not a JAR: refused with the reason, nothing listed.
  await artifacts.upload({ name: 'notes.jar', mimeType: 'application/java-archive', buffer: Buffer.from('just text') });
  await expect(page.getByRole('alert')).toContainText('is not a JAR');
  await expect(artifacts.artifact('notes.jar')).toHaveCount(0);

  await expectHydrated(page);
  await artifacts.delete('stateful-job.jar');
  await expect(artifacts.artifact('stateful-job.jar')).toHaveCount(0);
});

test('the Artifacts page uploads and deletes without JavaScript @ssr', async ({ page }) => {
  const artifacts = new ArtifactsPage(page, 'default');
  await artifacts.goto();
  const name = `ssr-${Date.now().toString(36)}.jar`;
  await artifacts.upload({ name, mimeType: 'application/java-archive', buffer: readFileSync(jarPath) });
  await expect(artifacts.result).toHaveText(`Uploaded ${name} (${readFileSync(jarPath).length} bytes).`);
  await expect(artifacts.artifact(name)).toContainText(`artifact:///${name}`);
  await page.reload();
  await expect(artifacts.result).toHaveCount(0);
  await artifacts.delete(name);
  await expect(artifacts.artifact(name)).toHaveCount(0);
});

test('an upload shows its progress while it is sent, then what the console made of it', async ({ page }) => {
  const artifacts = new ArtifactsPage(page, 'default');
  await artifacts.goto();
  await expectHydrated(page);
  // A slow uplink (about 400 KiB/s), so the upload takes a few seconds to send.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 400 * 1024,
  });
  const bytes = Buffer.alloc(2 * 1024 * 1024, 7);
  await artifacts.upload({ name: 'big-notes.jar', mimeType: 'application/java-archive', buffer: bytes });
  const progress = page.getByTestId('upload-progress');
  await expect(progress).toContainText(/of 2\.0 MiB, \d+ %/);
  await expect(artifacts.uploadForm.getByRole('button', { name: 'Uploading…' })).toBeDisabled();
  await page.screenshot({ path: 'end2end/screenshots/artifacts-upload-progress.png', fullPage: true });
  await expect(artifacts.result).toContainText('is not a JAR', { timeout: 30_000 });
  await expect(progress).toHaveCount(0);
  await expect(artifacts.artifact('big-notes.jar')).toHaveCount(0);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
});
