import { DialerError } from '@dialer/core';
import type { Access } from '../http/access.js';
import type { CallDirectory } from './router.js';

const TOPIC_RE = /^(agent|call|campaign|team):([A-Za-z0-9._:-]{1,128})$|^wallboard$/;

/**
 * Checks that a principal may follow a topic and returns its routing keys.
 * Throws DIALER_ERR_FORBIDDEN (or VALIDATION for a malformed topic).
 */
export async function authorizeTopic(topic: string, access: Access, calls: CallDirectory): Promise<string[]> {
  const m = TOPIC_RE.exec(topic);
  if (!m) throw new DialerError('DIALER_ERR_VALIDATION', `unknown topic ${JSON.stringify(topic.slice(0, 80))}`);
  const p = access.p;
  const deny = (): never => {
    throw new DialerError('DIALER_ERR_FORBIDDEN', `role ${p.role} may not follow ${topic}`);
  };
  if (topic === 'wallboard') {
    if (access.unrestricted) return ['wallboard'];
    if (p.role !== 'supervisor') return deny();
    const [camps, teams] = await Promise.all([access.campaignIds(), access.teamIds()]);
    return [...camps.map((c) => `wallboard:campaign:${c}`), ...teams.map((t) => `wallboard:team:${t}`)];
  }
  const kind = m[1]!;
  const id = m[2]!;
  switch (kind) {
    case 'agent':
      if (!(await access.canSeeAgent(id))) deny();
      break;
    case 'call': {
      if (access.unrestricted) break;
      const known = calls.agentOfCall(id);
      if (p.role === 'agent' && known !== undefined) {
        if (known !== p.agentId) deny();
        break;
      }
      const row = await access.db.selectFrom('calls').select(['agent_id', 'campaign_id']).where('id', '=', id).executeTakeFirst();
      const view = row ?? { agent_id: known ?? null, campaign_id: calls.campaignOfCall(id) ?? null };
      if (!(await access.canSeeCall(view))) deny();
      break;
    }
    case 'campaign':
      if (p.role === 'agent' || !(await access.canSeeCampaign({ id }))) deny();
      break;
    case 'team':
      if (p.role === 'agent' || !(await access.canSeeTeam(id))) deny();
      break;
  }
  return [topic];
}
