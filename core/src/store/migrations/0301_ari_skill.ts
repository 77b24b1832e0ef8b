import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Db = Kysely<any>;

/**
 * `campaigns.required_skill`: a skill an agent must hold (in `agents.skills`,
 * level above 0) to take the campaign's calls, inbound or outbound. Null: any
 * agent of the campaign.
 */
export function ariSkill0301() {
  return {
    async up(db: Db): Promise<void> {
      await db.schema.alterTable('campaigns').addColumn('required_skill', 'text').execute();
    },
    async down(db: Db): Promise<void> {
      await db.schema.alterTable('campaigns').dropColumn('required_skill').execute();
    },
  };
}
