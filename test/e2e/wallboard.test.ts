// The wallboard's small charts cover the whole day, not only the time since the page opened:
// the campaign's abandon rate minute by minute (from the dialer's snapshots, kept by the API)
// and agents by state (from the agent state log), merged with what arrives live.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createMessage, newId, type AnyMessage, type Clock, type MessageData } from '@dialer/core';
import { logInAt, onFailure, screenshot } from './helpers/browser.js';
import { startStandInWorld, type StandInWorld } from './helpers/standin-world.js';

let w: StandInWorld;
before(async () => {
  w = await startStandInWorld('api');
});
after(async () => {
  await w?.close();
});

/** The dialer's once-a-second snapshot, as it would have been published at `atMs`. */
async function snapshot(atMs: number, abandonRateToday: number): Promise<void> {
  const data: MessageData<'campaign.stats'> = {
    campaignId: w.seed.campaignId, status: 'running', dialMode: 'predictive', dialLevel: 2, callsDialing: 2, callsWaiting: 0, callsInQueue: 0,
    agents: { ready: 1, paused: 0, onCall: 1, wrapUp: 0 }, abandonRateToday, abandonRate30d: 0.01, targetAbandonRate: 0.03, answerRate: 0.3,
  };
  const clock = { now: () => atMs } as Clock;
  await w.ctl.bus.publish(createMessage('campaign.stats', w.tenantId, data, { clock, source: 'e2e-standin' }) as AnyMessage);
}

const points = async (page: Page, selector: string) => Number(await page.locator(selector).getAttribute('data-points'));

test('a supervisor opening the wallboard mid-shift sees the day so far in the charts, and they go on live', async () => {
  const now = Date.now();
  const dayStart = Math.floor(now / 86_400_000) * 86_400_000;
  // Three hours of the agent's day in the state log (within today, UTC), as the controller writes it.
  const from = Math.max(dayStart, now - 3 * 3_600_000);
  const span = now - from;
  const states = ['ready', 'on_call', 'wrap_up', 'ready', 'paused', 'ready', 'on_call', 'wrap_up'];
  const rows = states.map((state, i) => ({
    id: newId(), agent_id: w.seed.agent.agentId, state, reason: state === 'paused' ? 'lunch' : null, call_id: null, campaign_id: w.seed.campaignId,
    started_at: from + Math.floor((span * i) / states.length), ended_at: i < states.length - 1 ? from + Math.floor((span * (i + 1)) / states.length) : null,
  }));
  await w.store.tenant(w.tenantId).insertInto('agent_state_log', rows).execute();
  // Five earlier minutes of dialer snapshots (the first of each minute is kept).
  const minutes = [5, 4, 3, 2, 1].map((k) => Math.max(dayStart, now - k * 60_000));
  for (const [i, at] of minutes.entries()) await snapshot(at, 0.004 * (i + 1));

  const page = (await w.browser.newPage()).page;
  await onFailure(page, 'wallboard-history', async () => {
    await logInAt(page, w.stack.url, w.seed.supervisor.email, w.seed.supervisor.password);
    const card = `[data-campaign-id="${w.seed.campaignId}"] svg.chart`;
    await page.waitForFunction(`Number(document.querySelector(${JSON.stringify(card)})?.getAttribute('data-points')) >= 5`, undefined, { timeout: 10_000 });
    const before = await points(page, card);
    assert.ok(before >= 5 && before <= 6, `the abandon chart has the day's ${before} minutes`);
    assert.match((await page.locator(card).getAttribute('aria-label'))!, /Abandon rate over the day from \d\d:\d\d, now 2\.0% against a target of 3\.0%/);

    // Agents by state: the state log's three hours, binned into bars, labelled with the span.
    const stateChart = 'svg.state-chart';
    await page.waitForFunction(`Number(document.querySelector(${JSON.stringify(stateChart)})?.getAttribute('data-points')) > 30`, undefined, { timeout: 10_000 });
    const label = (await page.locator(stateChart).getAttribute('aria-label'))!;
    const startLabel = await page.evaluate((t) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }), Math.floor(from / 60_000) * 60_000);
    assert.match(label, /^Agents by state from \d\d:\d\d to \d\d:\d\d$/);
    assert.ok(label.startsWith(`Agents by state from ${startLabel} to`), `"${label}" starts at ${startLabel}`);
    const bars = await page.locator(`${stateChart} rect`).count();
    assert.ok(bars > 30, `${bars} bars`);
    await screenshot(page, '40-wallboard-history');

    // Live: the next snapshot adds this minute's point (or updates it) and the figures follow.
    await snapshot(Date.now(), 0.05);
    await page.locator(`[data-campaign-id="${w.seed.campaignId}"] svg.chart path.line.over`).waitFor({ timeout: 10_000 });
    assert.ok((await points(page, card)) >= before);
    assert.match((await page.locator(card).getAttribute('aria-label'))!, /now 5\.0%/);
  });
  await page.close();
});
