/** What other folders may use from `identity/`. */
export { PersonId, accountKey, type AccountRef } from './person-id.ts';
export { People, type PeopleOptions } from './people.ts';
export { PersonMerger, repointColumn, type PersonOwnedTable } from './person-merge.ts';
export { AccountLinking, type AccountLinkingOptions, type LinkOutcome, type LinkRefusal, type UnlinkOutcome, type UnlinkRefusal } from './account-linking.ts';
export { LinkCodeInput, newLinkCode, hashLinkCode, LINK_CODE_LENGTH } from './link-code.ts';
export {
  Relationships, applyAppraisal, combineRelationships, decayRelationship, describeRelationship, neutralRelationship,
  type Appraisal, type RelationshipState, type RelationshipsOptions,
} from './relationship.ts';
export { MoodKeeper, decayMood, moveMood, describeMood, type Mood, type MoodKeeperOptions } from './mood.ts';
export { openIdentity, type Identity, type IdentityOptions } from './identity.ts';
