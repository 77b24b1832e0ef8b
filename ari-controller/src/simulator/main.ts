import { readFileSync } from 'node:fs';
import { createLogger } from '@dialer/core';
import { isPartyKind, type PartyKind } from './parties.js';
import { AriSimulator, type AriSimulatorOptions } from './simulator.js';

const HELP = `Usage: simulate-pbx [options]

Runs the ARI simulator: a stand-in for Asterisk 22's REST Interface.

  --host <addr>           listen address (default 127.0.0.1)
  --port <n>              port (default 8088, as Asterisk; 0 picks a free one)
  --username <u>          ARI user (default dialer)
  --password <p>          ARI password (default dialer; or SIM_ARI_PASSWORD)
  --time-scale <x>        party timing scale, e.g. 0.1 = ten times faster (default 1)
  --default-party <kind>  who answers unknown numbers: ${'human, human-long, human-hello, machine, busy, congestion, noanswer, chanunavail, echo'} (default human)
  --leads <file.json>     number-to-party map, e.g. {"+15550001":"busy"}
  --audio-dir <dir>       <prompt>.wav files to play instead of generated speech
  --inbound-every <s>     place an inbound call to --inbound-did every <s> seconds (demo)
  --inbound-did <did>     DID for generated inbound calls (default 1000)
`;

/** Parses the simulate-pbx command line into simulator options. */
export function parseSimulatorArgs(argv: readonly string[], env: Record<string, string | undefined> = process.env): {
  options: AriSimulatorOptions;
  inboundEveryS?: number;
  inboundDid: string;
  help: boolean;
} {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    if (i >= 0) return argv[i + 1];
    const eq = argv.find((a) => a.startsWith(`${name}=`));
    return eq?.slice(name.length + 1);
  };
  const options: AriSimulatorOptions = {
    host: get('--host') ?? '127.0.0.1',
    port: Number(get('--port') ?? 8088),
    username: get('--username') ?? 'dialer',
    password: get('--password') ?? env['SIM_ARI_PASSWORD'] ?? 'dialer',
    timeScale: Number(get('--time-scale') ?? 1),
  };
  const dp = get('--default-party');
  if (dp) {
    if (!isPartyKind(dp)) throw new Error(`unknown party kind: ${dp}`);
    options.defaultParty = dp;
  }
  const leads = get('--leads');
  if (leads) {
    const map = JSON.parse(readFileSync(leads, 'utf8')) as Record<string, string>;
    options.leads = {};
    for (const [n, k] of Object.entries(map)) {
      if (!isPartyKind(k)) throw new Error(`unknown party kind for ${n}: ${k}`);
      options.leads[n] = k as PartyKind;
    }
  }
  const audio = get('--audio-dir');
  if (audio) options.audioDir = audio;
  const every = get('--inbound-every');
  return { options, ...(every ? { inboundEveryS: Number(every) } : {}), inboundDid: get('--inbound-did') ?? '1000', help: argv.includes('--help') || argv.includes('-h') };
}

/** Runs the simulator until SIGTERM/SIGINT; what `dialerctl simulate-pbx` wraps. */
export async function runSimulatorMain(argv: readonly string[] = process.argv.slice(2)): Promise<AriSimulator | undefined> {
  const parsed = parseSimulatorArgs(argv);
  if (parsed.help) {
    process.stdout.write(HELP);
    return undefined;
  }
  const log = createLogger({ name: 'ari-sim', level: 'info' });
  const sim = await AriSimulator.start({ ...parsed.options, log });
  log.info({ url: sim.url, username: sim.username }, 'ARI simulator listening');
  let n = 0;
  const timer = parsed.inboundEveryS
    ? setInterval(() => {
        if (sim.connectedApps().length === 0) return;
        sim.inboundCall({ did: parsed.inboundDid, from: `+1555010${String(n++ % 1000).padStart(4, '0')}`, callerName: 'Sim Caller' });
      }, parsed.inboundEveryS * 1000)
    : undefined;
  const stop = (): void => {
    if (timer) clearInterval(timer);
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return sim;
}

if (process.argv[1] && /simulator[\\/]main\.(t|j)s$/.test(process.argv[1])) {
  runSimulatorMain().catch((err: unknown) => {
    process.stderr.write(`simulate-pbx: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
