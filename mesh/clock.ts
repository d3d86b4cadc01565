let last = 0;

/**
 * The current time, strictly increasing within this process. A bot stamps `receivedAt` with it so two
 * messages it accepts never share a millisecond: the brain orders a conversation by `receivedAt`, and
 * its intake runs many jobs at once, so a tie would leave the order to chance.
 */
export function monotonicNow(): Date {
  const t = Math.max(Date.now(), last + 1);
  last = t;
  return new Date(t);
}
