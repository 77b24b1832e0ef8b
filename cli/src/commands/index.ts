import type { Command } from 'commander';
import type { Io } from '../io.js';
import { agentCommands } from './agent.js';
import { authCommands } from './auth.js';
import { benchCommand } from './bench.js';
import { callCommands } from './call.js';
import { campaignCommands } from './campaign.js';
import { cdrCommands } from './cdr.js';
import { dncCommands } from './dnc.js';
import { doctorCommand } from './doctor.js';
import { healthCommand } from './health.js';
import { leadCommands } from './lead.js';
import { listCommands } from './list.js';
import { simulateCommand } from './simulate.js';
import { statusCommand } from './status.js';
import { transcriptCommands } from './transcript.js';
import { userCommands } from './user.js';
import { webhookCommands } from './webhook.js';

/** Registers every dialerctl command on the program, in the order `--help` lists them. */
export function registerCommands(program: Command, io: Io): void {
  authCommands(program, io);
  healthCommand(program, io);
  statusCommand(program, io);
  campaignCommands(program, io);
  listCommands(program, io);
  leadCommands(program, io);
  dncCommands(program, io);
  agentCommands(program, io);
  callCommands(program, io);
  transcriptCommands(program, io);
  cdrCommands(program, io);
  webhookCommands(program, io);
  userCommands(program, io);
  doctorCommand(program, io);
  simulateCommand(program, io);
  benchCommand(program, io);
}
