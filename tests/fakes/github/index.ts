export { startFakeGitHub, sign, type FakeGitHub, type FakeGitHubOptions, type Fault, type ScriptedFault, type RecordedComment, type DeliveryOptions, type DeliveryResult } from './server.ts';
export { checkAppJwt, JWT_MESSAGES } from './jwt.ts';
export * as payloads from './payloads.ts';
