import type { Migration } from 'kysely';
import type { SqlDialect } from '../dialect.js';
import { initial } from './0001_initial.js';
import { stt0200 } from './0200_stt.js';
import { ari0300 } from './0300_ari.js';
import { ariSkill0301 } from './0301_ari_skill.js';
import { dialer } from './0400_dialer.js';
import { dialerHopper } from './0401_dialer_hopper.js';
import { api0500 } from './0500_api.js';
import { apiStateHistory0501 } from './0501_api_state_history.js';

/**
 * Every migration, by name; names sort in the order they run. Ranges by area
 * keep parallel work from colliding: 0001-0099 core, 0100 media, 0200 stt,
 * 0300 ari, 0400 dialer, 0500 api.
 */
export function allMigrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '0001_initial': initial(dialect),
    '0200_stt': stt0200(dialect),
    '0300_ari': ari0300(dialect),
    '0301_ari_skill': ariSkill0301(),
    '0400_dialer': dialer(dialect),
    '0401_dialer_hopper': dialerHopper(dialect),
    '0500_api': api0500(dialect),
    '0501_api_state_history': apiStateHistory0501(),
  };
}
