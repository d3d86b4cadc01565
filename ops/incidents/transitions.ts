import type { IncidentState } from './incident.ts';

/** What can happen to an incident. */
export type IncidentEvent =
  | { type: 'alerts_resolved' }
  | { type: 'ack'; withSilence: boolean }
  | { type: 'resolve' }
  | { type: 'silence' }
  | { type: 'unsilence' }
  | { type: 'silence_ended' }
  | { type: 'escalate' };

/** The state after an event, or why the event does not apply. */
export type Transition = { ok: true; state: IncidentState } | { ok: false; reason: string };

/**
 * The incident state machine. Pure. `acked` says whether someone acknowledged it earlier (a silence
 * that ends, or is lifted, returns to `acknowledged` rather than `firing`).
 */
export function transition(state: IncidentState, acked: boolean, event: IncidentEvent): Transition {
  const no = (reason: string): Transition => ({ ok: false, reason });
  const to = (s: IncidentState): Transition => ({ ok: true, state: s });
  if (state === 'resolved') return no('it is already resolved');
  switch (event.type) {
    case 'alerts_resolved':
    case 'resolve':
      return to('resolved');
    case 'ack':
      if (state === 'acknowledged' || state === 'snoozed') return no('it is already acknowledged');
      // Acknowledging a silenced incident records who took it; the silence stays in charge of the state.
      if (state === 'silenced') return to('silenced');
      return to(event.withSilence ? 'snoozed' : 'acknowledged');
    case 'silence':
      return to('silenced');
    case 'unsilence':
      if (state !== 'silenced' && state !== 'snoozed') return no('it is not silenced');
      return to(acked ? 'acknowledged' : 'firing');
    case 'silence_ended':
      if (state !== 'silenced' && state !== 'snoozed') return no('it is not silenced');
      return to(acked ? 'acknowledged' : 'firing');
    case 'escalate':
      if (state === 'silenced') return no('it is silenced');
      return to('escalated');
  }
}
