import { hasErrorCode, type Logger, type Traceparent } from '../../mesh/index.ts';
import type { Publisher } from '../discord/publisher.ts';
import type { Incident } from '../incidents/incident.ts';
import type { IncidentStore } from '../incidents/incident-store.ts';
import type { SilenceClient } from './silences.ts';

export interface ReleaseSilenceOptions {
  store: IncidentStore;
  silences: SilenceClient;
  publisher: Publisher;
  log: Logger;
  now?: () => Date;
}

/**
 * Expires the Alertmanager silence Helix made for an incident once the incident is resolved (from chat, or
 * because every alert resolved), and records it in the timeline. Left in place, that silence would hide the
 * next incident with the same labels until it ran out (up to a day).
 *
 * Idempotent: it acts only while the resolved incident still holds the silence id, which is cleared once
 * Alertmanager expired it. When Alertmanager is unreachable it records that once and rethrows, so the job
 * that resolved the incident is retried and tries again; when Alertmanager refuses (a 4xx other than 404,
 * which counts as already expired), retrying cannot help: it records why and gives up.
 */
export async function releaseSilence(incident: Incident, o: ReleaseSilenceOptions, traceparent?: Traceparent): Promise<'none' | 'expired' | 'refused'> {
  if (incident.state !== 'resolved' || !incident.silenceId) return 'none';
  const id = incident.silenceId;
  const now = o.now?.() ?? new Date();
  try {
    await o.silences.expire(id);
  } catch (err) {
    const reason = (err as Error).message.slice(0, 500).replace(/\.$/, '');
    const refused = hasErrorCode(err, 'platform_rejected');
    const lasts = incident.silencedUntil ? `it lasts until ${incident.silencedUntil.toISOString()}` : 'it lasts until its end time';
    const detail = refused
      ? `Alertmanager refused to expire silence ${id} (${reason}). Unless someone does, ${lasts}: expire it in Alertmanager if it should end sooner.`
      : `Alertmanager did not expire silence ${id} (${reason}). Helix keeps retrying; until it works ${lasts}, or expire it in Alertmanager.`;
    await o.store.note(incident.id, 'silence_expire_failed', undefined, detail, `silence-expire-failed-${id}`, now, true);
    await o.publisher.publish(incident.id, traceparent);
    o.log.warn({ incident: incident.id, silence: id, err: reason, retry: !refused }, 'silence of a resolved incident not expired');
    if (refused) return 'refused';
    throw err;
  }
  const updated = await o.store.clearSilence(incident.id, id, `Alertmanager silence ${id} expired: the incident is resolved`, `silence-expired-${id}`, now);
  if (updated) {
    await o.publisher.publish(incident.id, traceparent);
    o.log.info({ incident: incident.id, silence: id }, 'silence of a resolved incident expired');
  }
  return 'expired';
}
