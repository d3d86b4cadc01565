// Escalation timers are BullMQ delayed jobs: they fire after the severity's timeout, survive an ops restart,
// step through re-notify → next on call → page, and do nothing once the incident was acknowledged.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { HelixError, OPS_TIMERS_QUEUE } from '../../../mesh/index.ts';
import type { PageRequest, Pager } from '../../../ops/paging/pager.ts';
import { REDIS_URL, eventually } from '../../helpers/mesh-harness.ts';
import { amWebhook, postWebhook, startOpsMesh, type OpsMesh } from './harness.ts';

type Msg = { id: string; content: string; embeds: Array<{ title?: string }>; components: Array<{ components: Array<{ custom_id?: string }> }> };
const all = (mesh: OpsMesh) => mesh.messages() as unknown as Msg[];
const incidentMsg = (mesh: OpsMesh) => all(mesh).find((m) => m.embeds.length > 0);
const escalations = (mesh: OpsMesh) => all(mesh).filter((m) => m.content.includes('📣'));

let mesh: OpsMesh | undefined;
afterEach(async () => {
  await mesh?.cleanup();
  mesh = undefined;
});

/** A pager transport that records what it was asked to send (a stand-in for PagerDuty / Twilio / e-mail). */
class RecordingPager implements Pager {
  readonly kind = 'pagerduty' as const;
  readonly pages: PageRequest[] = [];
  /** Pages that fail (as a transport that is down would) before one goes through. */
  failures = 0;
  async page(request: PageRequest): Promise<void> {
    this.pages.push(request);
    if (this.failures > 0) {
      this.failures--;
      throw new HelixError('page_failed', 'PagerDuty trigger: the service is failing (503) after 0 retries.');
    }
  }
  async close(): Promise<void> {}
}

async function timerJobs(prefix: string) {
  const conn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const q = new Queue(OPS_TIMERS_QUEUE, { connection: conn, prefix });
  try {
    return await q.getJobs(['completed', 'delayed', 'waiting', 'active'], 0, 100);
  } finally {
    await q.close();
    conn.disconnect();
  }
}

describe('ops escalation', () => {
  test('GIVEN a critical incident nobody acknowledges THEN it re-notifies, mentions the next on call, then pages (a page that failed is sent again a retry delay later); the message shows escalated', async () => {
    const pager = new RecordingPager();
    pager.failures = 1;
    const start = new Date(Date.now() - 3_600_000).toISOString();
    mesh = await startOpsMesh({}, { pagers: [pager] });
    const { fake } = mesh.discord;
    const alice = fake.user('alice').id;
    const bob = fake.user('bob').id;
    const onCallRole = String(fake.role('on-call').id);
    await mesh.restart({ mentionRoles: { critical: [onCallRole] }, escalationSec: { critical: 2 }, pageRetrySec: 1, schedule: [{ name: 'primary', start, shiftHours: 24, members: [{ discordId: alice, name: 'Alice', pageTo: '+15550001' }, { discordId: bob, name: 'Bob' }] }] });
    const res = await postWebhook(mesh.ops, amWebhook('{}:{alertname="DiskFull"}', [{ fingerprint: 'd1d1d1d1d1d1d1d1' }], { alertname: 'DiskFull', severity: 'critical' }));
    expect(res.status).toBe(200);
    await eventually(() => escalations(mesh!).length >= 3, 40_000, 'three escalation steps');
    const [first, second, third] = escalations(mesh);
    expect(first!.content).toContain(`<@${alice}>`);
    expect(first!.content).toContain('step 1');
    expect(second!.content).toContain(`<@${bob}>`);
    expect(second!.content).toContain('step 2');
    expect(third!.content).toContain('step 3');
    // The role ping is allowed through to Discord for exactly the configured role (the bot's allowed_mentions).
    expect(first!.content).toContain(`<@&${onCallRole}>`);
    const posts = fake.records.rest.filter((r) => r.method === 'POST' && /\/channels\/\d+\/messages$/.test(r.path));
    expect(posts.length).toBeGreaterThanOrEqual(4);
    for (const p of posts) expect((p.body as { allowed_mentions?: unknown }).allowed_mentions).toEqual({ parse: ['users'], replied_user: true, roles: [onCallRole] });
    // The first page fails; the page-retry timer (a delayed job on the same queue) sends it again a second later.
    await eventually(() => pager.pages.length === 2, 10_000, 'the page, then its retry');
    for (const page of pager.pages) expect(page).toMatchObject({ severity: 'critical', action: 'trigger', to: ['+15550001'], dedupKey: pager.pages[0]!.dedupKey });
    expect(pager.pages[0]!.dedupKey).toContain('inc-');
    expect((await timerJobs(mesh.discord.prefix)).filter((j) => j.name === 'page-retry').map((j) => j.data.page)).toEqual([{ attempt: 1, transports: ['pagerduty'], alreadySent: { pagerduty: [] } }]);
    await eventually(() => (incidentMsg(mesh!)?.embeds[0]?.title ?? '').includes('ESCALATED'), 10_000, 'the message to show escalated');
  }, 90_000);

  test('GIVEN ops restarts while an escalation timer is pending THEN the timer still fires (it lives in Redis)', async () => {
    mesh = await startOpsMesh();
    await mesh.restart({ escalationSec: { critical: 4 } });
    const res = await postWebhook(mesh.ops, amWebhook('{}:{alertname="Restart"}', [{ fingerprint: 'e1e1e1e1e1e1e1e1' }], { alertname: 'Restart', severity: 'critical' }));
    expect(res.status).toBe(200);
    await eventually(() => incidentMsg(mesh!) !== undefined, 20_000, 'the incident message');
    await mesh.stopOps();
    const pending = await timerJobs(mesh.discord.prefix);
    expect(pending.filter((j) => j.name === 'escalate')).toHaveLength(1);
    expect(escalations(mesh)).toHaveLength(0);
    await mesh.startOps({ escalationSec: { critical: 4 } });
    await eventually(() => escalations(mesh!).length >= 1, 30_000, 'the escalation after the restart');
    expect(escalations(mesh)[0]!.content).toContain('step 1');
  }, 90_000);

  test('GIVEN the incident is acknowledged before its timeout THEN the timer fires stale and nothing is sent', async () => {
    mesh = await startOpsMesh();
    await mesh.restart({ escalationSec: { critical: 3 } });
    const { fake } = mesh.discord;
    await postWebhook(mesh.ops, amWebhook('{}:{alertname="Acked"}', [{ fingerprint: 'f1f1f1f1f1f1f1f1' }], { alertname: 'Acked', severity: 'critical' }));
    await eventually(() => (incidentMsg(mesh!)?.components.length ?? 0) > 0, 20_000, 'the incident message');
    const msg = incidentMsg(mesh)!;
    const ackId = msg.components.flatMap((r) => r.components.map((b) => b.custom_id ?? '')).find((id) => id.startsWith('ops:ack:'))!;
    fake.sendInteraction({ type: 3, customId: ackId, user: 'alice', messageId: msg.id });
    await eventually(() => (incidentMsg(mesh!)?.embeds[0]?.title ?? '').includes('ACKNOWLEDGED'), 15_000, 'the ack');
    await eventually(async () => (await timerJobs(mesh!.discord.prefix)).some((j) => j.finishedOn && (j.returnvalue as { outcome?: string } | null)?.outcome === 'stale'), 30_000, 'the stale timer to run');
    expect(escalations(mesh)).toHaveLength(0);
    expect((incidentMsg(mesh)!.embeds[0]!.title ?? '')).toContain('ACKNOWLEDGED');
  }, 90_000);
});
