import { describe, expect, test } from 'vitest';
import { isHealthQuestion } from '../../../brain/health/health-question.ts';
import { healthVerdict } from '../../../brain/health/describe-health.ts';
import { HealthSnapshot } from '../../../mesh/index.ts';

describe('health questions', () => {
  test.each([
    'Helix, how are you doing?', 'are you ok?', "what's your status", 'any incidents right now?', 'Is anything down?', 'how is the platform', 'health check please', 'how much error budget is left?',
  ])('GIVEN %j THEN it asks about Helix or the platform', (text) => expect(isHealthQuestion(text)).toBe(true));

  test.each([
    'I had a lovely walk today', 'my dog is called Juno', 'are you coming to the party', 'how are your weekend plans', 'status quo bias is interesting', 'I am doing ok',
  ])('GIVEN everyday talk %j THEN it is not a health question', (text) => expect(isHealthQuestion(text)).toBe(false));
});

const snapshot = (patch: Partial<HealthSnapshot>): HealthSnapshot => HealthSnapshot.parse({
  v: 1, takenAt: new Date().toISOString(), incidents: { open: 0, bySeverity: {}, top: [] }, queues: [], deadLetters: 0, ...patch,
});

describe('health verdict', () => {
  test('GIVEN nothing open THEN fine; a warning or dead letters THEN degraded; a critical incident or a spent budget THEN trouble', () => {
    expect(healthVerdict(snapshot({}))).toBe('fine');
    expect(healthVerdict(snapshot({ deadLetters: 2 }))).toBe('degraded');
    expect(healthVerdict(snapshot({ incidents: { open: 1, bySeverity: { warning: 1 }, top: [] } }))).toBe('degraded');
    expect(healthVerdict(snapshot({ incidents: { open: 1, bySeverity: { critical: 1 }, top: [] } }))).toBe('trouble');
    expect(healthVerdict(snapshot({ slos: [{ service: 'helix', slo: 'turns', objective: 99.9, budgetRemaining: -0.1 }] }))).toBe('trouble');
  });

  test('GIVEN a snapshot with an oversized title THEN the contract refuses it', () => {
    expect(() => snapshot({ incidents: { open: 1, bySeverity: {}, top: [{ title: 'x'.repeat(201), severity: 'critical', state: 'firing', since: new Date().toISOString() }] } })).toThrow();
  });
});
