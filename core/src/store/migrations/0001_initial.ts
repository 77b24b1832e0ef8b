import type { Kysely, CreateTableBuilder } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Db = Kysely<any>;
type Tb = CreateTableBuilder<string, string>;

/**
 * The whole domain schema. Written with Kysely's schema builder so that one
 * definition runs on SQLite and PostgreSQL; see schema.ts for the conventions.
 */
export function initial(dialect: SqlDialect) {
  const ms = dialect === 'postgres' ? 'bigint' : 'integer';
  const real = dialect === 'postgres' ? 'double precision' : 'real';

  const base = (db: Db, name: string, tenant = true): Tb => {
    let t = db.schema.createTable(name).addColumn('id', 'text', (c) => c.primaryKey());
    if (tenant) t = t.addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'));
    return t;
  };
  const stamps = (t: Tb, updated = true): Tb => {
    let r = t.addColumn('created_at', ms, (c) => c.notNull());
    if (updated) r = r.addColumn('updated_at', ms, (c) => c.notNull());
    return r;
  };
  const json = (t: Tb, name: string, dflt: string): Tb => t.addColumn(name, 'text', (c) => c.notNull().defaultTo(dflt));
  const flag = (t: Tb, name: string, dflt = 0): Tb => t.addColumn(name, 'integer', (c) => c.notNull().defaultTo(dflt));

  return {
    async up(db: Db): Promise<void> {
      await stamps(
        json(
          db.schema
            .createTable('tenants')
            .addColumn('id', 'text', (c) => c.primaryKey())
            .addColumn('name', 'text', (c) => c.notNull())
            .addColumn('slug', 'text', (c) => c.notNull().unique())
            .addColumn('status', 'text', (c) => c.notNull().defaultTo('active')),
          'settings',
          '{}',
        ),
      ).execute();

      await stamps(
        base(db, 'users')
          .addColumn('email', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('password_hash', 'text')
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
          .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('locked_until', ms)
          .addColumn('last_login_at', ms)
          .addUniqueConstraint('users_tenant_email_uq', ['tenant_id', 'email']),
      ).execute();
      await db.schema.createIndex('users_email_idx').on('users').column('email').execute();

      await stamps(
        base(db, 'refresh_tokens')
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('family_id', 'text', (c) => c.notNull())
          .addColumn('expires_at', ms, (c) => c.notNull())
          .addColumn('revoked_at', ms)
          .addColumn('replaced_by', 'text'),
        false,
      ).execute();
      await db.schema.createIndex('refresh_tokens_family_idx').on('refresh_tokens').column('family_id').execute();

      await stamps(
        json(
          base(db, 'api_keys')
            .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
            .addColumn('name', 'text', (c) => c.notNull())
            .addColumn('prefix', 'text', (c) => c.notNull().unique())
            .addColumn('key_hash', 'text', (c) => c.notNull())
            .addColumn('role', 'text', (c) => c.notNull()),
          'scopes',
          '[]',
        )
          .addColumn('expires_at', ms)
          .addColumn('revoked_at', ms)
          .addColumn('last_used_at', ms),
        false,
      ).execute();

      await stamps(
        base(db, 'teams')
          .addColumn('name', 'text', (c) => c.notNull())
          .addUniqueConstraint('teams_tenant_name_uq', ['tenant_id', 'name']),
      ).execute();

      await db.schema
        .createTable('team_supervisors')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('team_supervisors_pk', ['team_id', 'user_id'])
        .execute();

      await stamps(
        json(
          base(db, 'agents')
            .addColumn('user_id', 'text', (c) => c.notNull().unique().references('users.id').onDelete('cascade'))
            .addColumn('team_id', 'text', (c) => c.references('teams.id').onDelete('set null'))
            .addColumn('extension', 'text', (c) => c.notNull()),
          'skills',
          '[]',
        )
          .addColumn('phone_kind', 'text', (c) => c.notNull().defaultTo('webrtc'))
          .addColumn('sip_endpoint', 'text')
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
          .addUniqueConstraint('agents_tenant_extension_uq', ['tenant_id', 'extension']),
      ).execute();

      await base(db, 'agent_state_log')
        .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('call_id', 'text')
        .addColumn('campaign_id', 'text')
        .addColumn('started_at', ms, (c) => c.notNull())
        .addColumn('ended_at', ms)
        .execute();
      await db.schema.createIndex('agent_state_log_agent_idx').on('agent_state_log').columns(['tenant_id', 'agent_id', 'started_at']).execute();

      await stamps(base(db, 'disposition_sets').addColumn('name', 'text', (c) => c.notNull()), false).execute();

      let disp = base(db, 'dispositions')
        .addColumn('set_id', 'text', (c) => c.notNull().references('disposition_sets.id').onDelete('cascade'))
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull());
      for (const f of ['is_sale', 'is_dnc', 'is_callback']) disp = flag(disp, f);
      disp = disp.addColumn('callback_scope', 'text');
      disp = flag(flag(disp, 'is_final'), 'is_human');
      await stamps(
        disp
          .addColumn('recycle_delay_s', 'integer')
          .addColumn('hotkey', 'text')
          .addColumn('sort_order', 'integer', (c) => c.notNull().defaultTo(0))
          .addUniqueConstraint('dispositions_set_code_uq', ['set_id', 'code']),
        false,
      ).execute();

      let camp = base(db, 'campaigns')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().defaultTo('outbound'))
        .addColumn('dial_mode', 'text', (c) => c.notNull().defaultTo('progressive'))
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('stopped'))
        .addColumn('team_id', 'text', (c) => c.references('teams.id').onDelete('set null'))
        .addColumn('dial_ratio', real, (c) => c.notNull().defaultTo(1))
        .addColumn('max_dial_level', real, (c) => c.notNull().defaultTo(4))
        .addColumn('target_abandon_rate', real, (c) => c.notNull().defaultTo(0.03))
        .addColumn('drop_timeout_ms', 'integer', (c) => c.notNull().defaultTo(2000))
        .addColumn('ring_timeout_s', 'integer', (c) => c.notNull().defaultTo(25))
        .addColumn('caller_id', 'text');
      camp = json(camp, 'call_window', '{"days":[1,2,3,4,5,6],"start":"09:00","end":"21:00"}')
        .addColumn('compliance_mode', 'text', (c) => c.notNull().defaultTo('us'))
        .addColumn('lead_order', 'text', (c) => c.notNull().defaultTo('priority'))
        .addColumn('list_mix', 'text');
      camp = json(camp, 'recycle_rules', '[]')
        .addColumn('max_attempts', 'integer', (c) => c.notNull().defaultTo(6))
        .addColumn('max_attempts_per_day', 'integer', (c) => c.notNull().defaultTo(3));
      camp = flag(camp, 'amd_enabled')
        .addColumn('amd_action', 'text', (c) => c.notNull().defaultTo('hangup'))
        .addColumn('voicemail_media', 'text')
        .addColumn('abandon_media', 'text')
        .addColumn('hold_media', 'text')
        .addColumn('recording_mode', 'text', (c) => c.notNull().defaultTo('none'))
        .addColumn('consent_mode', 'text', (c) => c.notNull().defaultTo('none'))
        .addColumn('consent_media', 'text')
        .addColumn('disposition_set_id', 'text', (c) => c.references('disposition_sets.id').onDelete('set null'))
        .addColumn('wrapup_s', 'integer', (c) => c.notNull().defaultTo(30));
      camp = json(camp, 'stt_providers', '[]')
        .addColumn('stt_language', 'text')
        .addColumn('script', 'text')
        .addColumn('queue_timeout_s', 'integer', (c) => c.notNull().defaultTo(120));
      camp = json(camp, 'queue_fallback', '{"kind":"hangup"}')
        .addColumn('queue_priority', 'integer', (c) => c.notNull().defaultTo(0))
        .addUniqueConstraint('campaigns_tenant_name_uq', ['tenant_id', 'name']);
      await stamps(camp).execute();

      await db.schema
        .createTable('campaign_agents')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
        .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('campaign_agents_pk', ['campaign_id', 'agent_id'])
        .execute();
      await db.schema.createIndex('campaign_agents_agent_idx').on('campaign_agents').column('agent_id').execute();

      await stamps(
        base(db, 'inbound_routes')
          .addColumn('did', 'text', (c) => c.notNull().unique())
          .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id').onDelete('cascade')),
        false,
      ).execute();

      await stamps(
        base(db, 'lists')
          .addColumn('campaign_id', 'text', (c) => c.references('campaigns.id').onDelete('set null'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
          .addColumn('mix_weight', 'integer', (c) => c.notNull().defaultTo(1)),
      ).execute();

      // leads: the hot table. Integer key (SQLite rowid / PostgreSQL identity) keeps its indexes small.
      let leads = db.schema
        .createTable('leads')
        .addColumn('id', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey(),
        )
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('list_id', 'text', (c) => c.notNull().references('lists.id').onDelete('cascade'))
        .addColumn('campaign_id', 'text')
        .addColumn('phone', 'text', (c) => c.notNull());
      leads = json(leads, 'alt_phones', '[]').addColumn('phone_index', 'integer', (c) => c.notNull().defaultTo(0));
      for (const f of ['first_name', 'last_name', 'email', 'address', 'city', 'state', 'postal_code', 'country', 'timezone']) {
        leads = leads.addColumn(f, 'text');
      }
      leads = leads
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('new'))
        .addColumn('disposition', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('day_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('day_key', 'text')
        .addColumn('last_call_at', ms)
        .addColumn('next_call_after', ms, (c) => c.notNull().defaultTo(0))
        .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0));
      leads = json(leads, 'custom', '{}')
        .addColumn('claimed_by', 'text')
        .addColumn('claimed_until', ms)
        .addUniqueConstraint('leads_list_phone_uq', ['list_id', 'phone']);
      await stamps(leads).execute();
      // The hopper: callable leads of one campaign, best first.
      await db.schema
        .createIndex('leads_hopper_idx')
        .on('leads')
        .columns(['campaign_id', 'status', 'priority desc', 'next_call_after'])
        .execute();
      await db.schema.createIndex('leads_tenant_phone_idx').on('leads').columns(['tenant_id', 'phone']).execute();

      let imp = base(db, 'lead_imports')
        .addColumn('list_id', 'text', (c) => c.notNull().references('lists.id').onDelete('cascade'))
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
        .addColumn('file_name', 'text');
      imp = json(imp, 'mapping', '{}');
      for (const f of ['total_rows', 'processed_rows', 'imported', 'duplicates', 'invalid', 'dnc', 'resume_row']) {
        imp = imp.addColumn(f, 'integer', (c) => c.notNull().defaultTo(0));
      }
      await stamps(imp.addColumn('error', 'text').addColumn('created_by', 'text'), false)
        .addColumn('started_at', ms)
        .addColumn('finished_at', ms)
        .execute();

      await db.schema
        .createTable('lead_import_errors')
        .addColumn('id', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey(),
        )
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('import_id', 'text', (c) => c.notNull().references('lead_imports.id').onDelete('cascade'))
        .addColumn('row_number', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('raw', 'text')
        .execute();
      await db.schema.createIndex('lead_import_errors_import_idx').on('lead_import_errors').columns(['import_id', 'row_number']).execute();

      await stamps(
        db.schema
          .createTable('dnc')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('tenant_id', 'text', (c) => c.references('tenants.id').onDelete('cascade'))
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('campaign_id', 'text', (c) => c.references('campaigns.id').onDelete('cascade'))
          .addColumn('scope_key', 'text', (c) => c.notNull())
          .addColumn('phone', 'text', (c) => c.notNull())
          .addColumn('is_prefix', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('source', 'text', (c) => c.notNull().defaultTo('manual'))
          .addColumn('reason', 'text')
          .addColumn('created_by', 'text')
          .addColumn('expires_at', ms)
          .addUniqueConstraint('dnc_scope_phone_uq', ['scope_key', 'phone']),
        false,
      ).execute();
      // The DNC lookup: exact numbers and their prefixes, by phone first.
      await db.schema.createIndex('dnc_phone_idx').on('dnc').columns(['phone', 'scope_key']).execute();

      let calls = base(db, 'calls')
        .addColumn('campaign_id', 'text')
        .addColumn('lead_id', dialect === 'postgres' ? 'bigint' : 'integer')
        .addColumn('agent_id', 'text')
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('phone', 'text', (c) => c.notNull())
        .addColumn('caller_id', 'text')
        .addColumn('state', 'text', (c) => c.notNull());
      for (const f of ['node_id', 'asterisk_id', 'channel_id', 'bridge_id', 'dial_status', 'amd_status', 'amd_cause', 'outcome']) {
        calls = calls.addColumn(f, 'text');
      }
      calls = calls
        .addColumn('hangup_cause', 'integer')
        .addColumn('hangup_cause_text', 'text')
        .addColumn('hangup_by', 'text')
        .addColumn('disposition', 'text')
        .addColumn('notes', 'text')
        .addColumn('recording_id', 'text');
      calls = json(flag(calls, 'abandoned'), 'meta', '{}');
      await calls
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('ring_at', ms)
        .addColumn('answer_at', ms)
        .addColumn('connect_at', ms)
        .addColumn('end_at', ms)
        .addColumn('updated_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('calls_tenant_state_idx').on('calls').columns(['tenant_id', 'state']).execute();
      await db.schema.createIndex('calls_campaign_created_idx').on('calls').columns(['tenant_id', 'campaign_id', 'created_at']).execute();
      await db.schema.createIndex('calls_channel_idx').on('calls').column('channel_id').execute();
      await db.schema.createIndex('calls_lead_idx').on('calls').columns(['tenant_id', 'lead_id']).execute();
      await db.schema.createIndex('calls_phone_idx').on('calls').columns(['tenant_id', 'phone', 'created_at']).execute();

      await base(db, 'call_legs')
        .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text')
        .addColumn('snoop_channel_id', 'text')
        .addColumn('bridge_id', 'text')
        .addColumn('gateway_id', 'text')
        .addColumn('codec', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('gap_ms', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('closed_at', ms)
        .execute();
      await db.schema.createIndex('call_legs_call_idx').on('call_legs').column('call_id').execute();

      let cdr = base(db, 'cdrs')
        .addColumn('call_id', 'text', (c) => c.notNull().unique())
        .addColumn('campaign_id', 'text')
        .addColumn('lead_id', dialect === 'postgres' ? 'bigint' : 'integer')
        .addColumn('agent_id', 'text')
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('phone', 'text', (c) => c.notNull())
        .addColumn('caller_id', 'text')
        .addColumn('start_at', ms, (c) => c.notNull())
        .addColumn('ring_at', ms)
        .addColumn('answer_at', ms)
        .addColumn('bridge_at', ms)
        .addColumn('end_at', ms, (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('talk_ms', 'integer', (c) => c.notNull())
        .addColumn('wait_ms', 'integer')
        .addColumn('hangup_cause', 'integer')
        .addColumn('hangup_cause_text', 'text')
        .addColumn('hangup_by', 'text')
        .addColumn('dial_status', 'text')
        .addColumn('outcome', 'text')
        .addColumn('amd_status', 'text');
      cdr = flag(cdr, 'abandoned').addColumn('disposition', 'text').addColumn('recording_id', 'text');
      await stamps(flag(cdr, 'has_transcript'), false).execute();
      await db.schema.createIndex('cdrs_tenant_start_idx').on('cdrs').columns(['tenant_id', 'start_at']).execute();
      await db.schema.createIndex('cdrs_campaign_start_idx').on('cdrs').columns(['tenant_id', 'campaign_id', 'start_at']).execute();

      await stamps(
        base(db, 'callbacks')
          .addColumn('lead_id', dialect === 'postgres' ? 'bigint' : 'integer', (c) => c.notNull().references('leads.id').onDelete('cascade'))
          .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
          .addColumn('agent_id', 'text')
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('due_at', ms, (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
          .addColumn('notes', 'text')
          .addColumn('created_by', 'text'),
      ).execute();
      await db.schema.createIndex('callbacks_due_idx').on('callbacks').columns(['tenant_id', 'campaign_id', 'status', 'due_at']).execute();

      await stamps(
        base(db, 'transcript_segments')
          .addColumn('call_id', 'text', (c) => c.notNull())
          .addColumn('leg_id', 'text', (c) => c.notNull())
          .addColumn('speaker', 'text', (c) => c.notNull())
          .addColumn('segment_id', 'text', (c) => c.notNull())
          .addColumn('event_id', 'text', (c) => c.notNull().unique())
          .addColumn('start_ms', real, (c) => c.notNull())
          .addColumn('end_ms', real, (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('is_final', 'integer', (c) => c.notNull())
          .addColumn('confidence', real)
          .addColumn('language', 'text')
          .addColumn('provider', 'text', (c) => c.notNull())
          .addColumn('latency_ms', real)
          .addColumn('words', 'text'),
        false,
      ).execute();
      await db.schema.createIndex('transcript_segments_call_idx').on('transcript_segments').columns(['tenant_id', 'call_id', 'start_ms']).execute();

      await stamps(
        base(db, 'recordings')
          .addColumn('call_id', 'text', (c) => c.notNull())
          .addColumn('path', 'text')
          .addColumn('format', 'text', (c) => c.notNull().defaultTo('wav'))
          .addColumn('channels', 'integer', (c) => c.notNull().defaultTo(2))
          .addColumn('duration_ms', 'integer')
          .addColumn('size_bytes', ms)
          .addColumn('consent', 'text', (c) => c.notNull().defaultTo('none'))
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('recording'))
          .addColumn('started_at', ms)
          .addColumn('ended_at', ms),
      ).execute();
      await db.schema.createIndex('recordings_call_idx').on('recordings').columns(['tenant_id', 'call_id']).execute();

      await stamps(
        base(db, 'stt_usage')
          .addColumn('call_id', 'text', (c) => c.notNull())
          .addColumn('leg_id', 'text', (c) => c.notNull())
          .addColumn('campaign_id', 'text')
          .addColumn('provider', 'text', (c) => c.notNull())
          .addColumn('audio_ms', 'integer', (c) => c.notNull()),
        false,
      ).execute();
      await db.schema.createIndex('stt_usage_call_idx').on('stt_usage').columns(['tenant_id', 'call_id']).execute();
      await db.schema.createIndex('stt_usage_campaign_idx').on('stt_usage').columns(['tenant_id', 'campaign_id', 'created_at']).execute();

      await stamps(
        base(db, 'audit_log')
          .addColumn('actor_type', 'text', (c) => c.notNull())
          .addColumn('actor_id', 'text')
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('entity', 'text', (c) => c.notNull())
          .addColumn('entity_id', 'text')
          .addColumn('before', 'text')
          .addColumn('after', 'text')
          .addColumn('ip', 'text')
          .addColumn('request_id', 'text'),
        false,
      ).execute();
      await db.schema.createIndex('audit_log_tenant_created_idx').on('audit_log').columns(['tenant_id', 'created_at']).execute();

      await stamps(
        base(db, 'event_outbox')
          .addColumn('destination', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', ms, (c) => c.notNull())
          .addColumn('last_error', 'text'),
        false,
      )
        .addColumn('delivered_at', ms)
        .execute();
      await db.schema.createIndex('event_outbox_due_idx').on('event_outbox').columns(['status', 'next_attempt_at']).execute();

      await stamps(
        json(
          base(db, 'webhook_endpoints')
            .addColumn('url', 'text', (c) => c.notNull())
            .addColumn('description', 'text')
            .addColumn('secret', 'text', (c) => c.notNull()),
          'event_types',
          '[]',
        ).addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1)),
      ).execute();

      await stamps(
        base(db, 'webhook_deliveries')
          .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
          .addColumn('event_id', 'text', (c) => c.notNull())
          .addColumn('event_type', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('seq', ms, (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', ms, (c) => c.notNull())
          .addColumn('last_status_code', 'integer')
          .addColumn('last_error', 'text')
          .addUniqueConstraint('webhook_deliveries_endpoint_event_uq', ['endpoint_id', 'event_id']),
        false,
      )
        .addColumn('delivered_at', ms)
        .execute();
      await db.schema.createIndex('webhook_deliveries_endpoint_idx').on('webhook_deliveries').columns(['endpoint_id', 'status', 'seq']).execute();
      await db.schema.createIndex('webhook_deliveries_due_idx').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();

      await base(db, 'webhook_attempts')
        .addColumn('delivery_id', 'text', (c) => c.notNull().references('webhook_deliveries.id').onDelete('cascade'))
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('at', ms, (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('error', 'text')
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_attempts_delivery_idx').on('webhook_attempts').columns(['delivery_id', 'attempt']).execute();

      await db.schema
        .createTable('replay_guard')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('replay_guard_expires_idx').on('replay_guard').column('expires_at').execute();

      let daily = db.schema
        .createTable('campaign_daily_stats')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
        .addColumn('day', 'text', (c) => c.notNull());
      for (const f of ['calls', 'human_answered', 'machine', 'abandoned', 'amd_false_positive_est']) {
        daily = daily.addColumn(f, 'integer', (c) => c.notNull().defaultTo(0));
      }
      await daily
        .addColumn('talk_ms', ms, (c) => c.notNull().defaultTo(0))
        .addColumn('wait_ms', ms, (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('campaign_daily_stats_pk', ['campaign_id', 'day'])
        .execute();

      await db.schema
        .createTable('nodes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('node_id', 'text', (c) => c.notNull())
        .addColumn('address', 'text')
        .addColumn('info', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('started_at', ms, (c) => c.notNull())
        .addColumn('last_seen_at', ms, (c) => c.notNull())
        .execute();
    },

    async down(db: Db): Promise<void> {
      const tables = [
        'nodes', 'campaign_daily_stats', 'replay_guard', 'webhook_attempts', 'webhook_deliveries', 'webhook_endpoints',
        'event_outbox', 'audit_log', 'stt_usage', 'recordings', 'transcript_segments', 'callbacks', 'cdrs', 'call_legs',
        'calls', 'dnc', 'lead_import_errors', 'lead_imports', 'leads', 'lists', 'inbound_routes', 'campaign_agents',
        'campaigns', 'dispositions', 'disposition_sets', 'agent_state_log', 'agents', 'team_supervisors', 'teams',
        'api_keys', 'refresh_tokens', 'users', 'tenants',
      ];
      for (const t of tables) await db.schema.dropTable(t).ifExists().execute();
    },
  };
}
