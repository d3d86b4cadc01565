/**
 * Whether a message asks how Helix or the platform is doing. Deliberately narrow (a question about Helix's own
 * state, health or incidents), so everyday talk does not trigger a telemetry lookup.
 */
const PATTERNS: readonly RegExp[] = [
  /\bhow are (you|things) (doing|holding up|running|feeling)\b/i,
  /\bhow('s| is) (it going|everything|the platform|helix|the system)\b/i,
  /\bare you (ok|okay|alright|healthy|up|down|alive|broken|working)\b/i,
  /\b(your|helix'?s|the platform'?s|the system'?s|system|platform) (health|status)\b/i,
  /\b(health|status) (check|report)\b/i,
  /\bany (open )?(incidents?|alerts?|outages?)\b/i,
  /\b(is|are) (anything|something|things) (down|broken|on fire|wrong)\b/i,
  /\bwhat'?s (down|broken|on fire)\b/i,
  /\b(error|slo) budgets?\b/i,
];

export function isHealthQuestion(text: string): boolean {
  const t = text.slice(0, 500);
  return PATTERNS.some((p) => p.test(t));
}
