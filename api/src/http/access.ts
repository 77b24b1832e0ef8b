import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { DialerError, type TenantScope } from '@dialer/core';
import type { Principal } from '../auth/principal.js';

// Row filters are built for several tables; Kysely cannot type a column chosen at run time.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Eb = ExpressionBuilder<any, any>;
type Filter = (eb: Eb) => Expression<SqlBool>;

const NONE = sql<SqlBool>`1 = 0`;

function inList(eb: Eb, col: string, ids: readonly (string | number)[]): Expression<SqlBool> {
  return ids.length > 0 ? eb(col, 'in', ids) : NONE;
}

/**
 * What one principal may see inside its tenant. Admins and developers see the
 * whole tenant; supervisors see the teams they supervise, those teams' agents
 * and campaigns, and those campaigns' calls and leads; agents see themselves,
 * their own calls, and the leads of their calls and callbacks.
 */
export class Access {
  private teams: Promise<string[]> | undefined;
  private campaigns: Promise<string[]> | undefined;
  private agents: Promise<string[]> | undefined;

  constructor(
    readonly p: Principal,
    readonly db: TenantScope,
  ) {}

  /** Admins and developers see every row of their tenant. */
  get unrestricted(): boolean {
    return this.p.role === 'admin' || this.p.role === 'developer';
  }

  /** Teams a supervisor supervises, or an agent's own team. */
  teamIds(): Promise<string[]> {
    this.teams ??= (async () => {
      if (this.p.role === 'supervisor' && this.p.userId) {
        const rows = await this.db.selectFrom('team_supervisors').select('team_id').where('user_id', '=', this.p.userId).execute();
        return rows.map((r) => r.team_id);
      }
      if (this.p.role === 'agent' && this.p.agentId) {
        const a = await this.db.selectFrom('agents').select('team_id').where('id', '=', this.p.agentId).executeTakeFirst();
        return a?.team_id ? [a.team_id] : [];
      }
      return [];
    })();
    return this.teams;
  }

  /** Campaigns of a supervisor's teams, or the campaigns an agent is assigned to. */
  campaignIds(): Promise<string[]> {
    this.campaigns ??= (async () => {
      if (this.p.role === 'agent') {
        if (!this.p.agentId) return [];
        const rows = await this.db.selectFrom('campaign_agents').select('campaign_id').where('agent_id', '=', this.p.agentId).execute();
        return rows.map((r) => r.campaign_id);
      }
      const teams = await this.teamIds();
      if (teams.length === 0) return [];
      const rows = await this.db.selectFrom('campaigns').select('id').where('team_id', 'in', teams).execute();
      return rows.map((r) => r.id);
    })();
    return this.campaigns;
  }

  /** Agents of a supervisor's teams, or the agent itself. */
  agentIds(): Promise<string[]> {
    this.agents ??= (async () => {
      if (this.p.role === 'agent') return this.p.agentId ? [this.p.agentId] : [];
      const teams = await this.teamIds();
      if (teams.length === 0) return [];
      const rows = await this.db.selectFrom('agents').select('id').where('team_id', 'in', teams).execute();
      return rows.map((r) => r.id);
    })();
    return this.agents;
  }

  /** Filter for call-shaped rows (`calls`, `cdrs`): `agent_id` and `campaign_id` in table `t`. */
  async callFilter(t: string): Promise<Filter | null> {
    if (this.unrestricted) return null;
    if (this.p.role === 'agent') {
      const me = this.p.agentId;
      return (eb) => (me ? eb(`${t}.agent_id`, '=', me) : NONE);
    }
    const [camps, agents] = await Promise.all([this.campaignIds(), this.agentIds()]);
    return (eb) => eb.or([inList(eb, `${t}.campaign_id`, camps), inList(eb, `${t}.agent_id`, agents)]);
  }

  /** Whether a call-shaped row is visible. */
  async canSeeCall(row: { agent_id: string | null; campaign_id: string | null }): Promise<boolean> {
    if (this.unrestricted) return true;
    if (this.p.role === 'agent') return !!this.p.agentId && row.agent_id === this.p.agentId;
    const [camps, agents] = await Promise.all([this.campaignIds(), this.agentIds()]);
    return (row.campaign_id !== null && camps.includes(row.campaign_id)) || (row.agent_id !== null && agents.includes(row.agent_id));
  }

  /** Filter for `leads` (table alias `t`). */
  async leadFilter(t = 'leads'): Promise<Filter | null> {
    if (this.unrestricted) return null;
    if (this.p.role === 'agent') {
      const me = this.p.agentId;
      if (!me) return () => NONE;
      const byCall = this.db.selectFrom('calls').select('calls.lead_id').where('calls.agent_id', '=', me);
      const byCallback = this.db.selectFrom('callbacks').select('callbacks.lead_id').where('callbacks.agent_id', '=', me);
      return (eb) => eb.or([eb(`${t}.id`, 'in', byCall as never), eb(`${t}.id`, 'in', byCallback as never)]);
    }
    const camps = await this.campaignIds();
    if (camps.length === 0) return () => NONE;
    const lists = this.db.selectFrom('lists').select('lists.id').where('lists.campaign_id', 'in', camps);
    return (eb) => eb.or([eb(`${t}.campaign_id`, 'in', camps), eb(`${t}.list_id`, 'in', lists as never)]);
  }

  /** Whether one lead is visible (checked with the same filter, so list and detail agree). */
  async canSeeLead(leadId: number): Promise<boolean> {
    const f = await this.leadFilter('leads');
    let q = this.db.selectFrom('leads').select('leads.id').where('leads.id', '=', leadId);
    if (f) q = q.where(f as never);
    return (await q.executeTakeFirst()) !== undefined;
  }

  /** Whether a campaign is visible. */
  async canSeeCampaign(row: { id: string }): Promise<boolean> {
    if (this.unrestricted) return true;
    return (await this.campaignIds()).includes(row.id);
  }

  /** Whether an agent is visible. */
  async canSeeAgent(agentId: string): Promise<boolean> {
    if (this.unrestricted) return true;
    return (await this.agentIds()).includes(agentId);
  }

  /** Whether a team is visible. */
  async canSeeTeam(teamId: string): Promise<boolean> {
    if (this.unrestricted) return true;
    return (await this.teamIds()).includes(teamId);
  }

  /** Throws 404 (not 403, so ids of other scopes are not confirmed) when `ok` is false. */
  static require(ok: boolean, what: string, id: string | number): void {
    if (!ok) throw new DialerError('DIALER_ERR_NOT_FOUND', `${what} ${id} not found`);
  }
}
