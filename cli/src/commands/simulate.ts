import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { createLogger } from '@dialer/core';
import { usage } from '../exit.js';
import type { Io } from '../io.js';
import { act, intOption } from '../program.js';
import { collect } from './common.js';

/** The fault switches `simulate-pbx --fault` understands, mapped onto the simulator's. */
export const FAULTS = [
  'mute',
  'no-chan-rtp',
  'noload=<module.so>',
  'refuse-websockets',
  'slin16-le',
  'slin16-rate=<hz>',
  'pt=<n>',
  'nat=<address>[:<port>]',
  'clock-offset=<ms>',
  'latency=<ms>',
] as const;

type SimFaults = import('@dialer/ari-controller/simulator').SimFaults;

/** Applies `--fault` values to the simulator's fault state; throws a usage error for an unknown one. */
export function applyFaults(faults: SimFaults, list: readonly string[]): void {
  for (const f of list) {
    const [name, raw] = f.split('=', 2) as [string, string | undefined];
    const n = raw === undefined ? NaN : Number(raw);
    switch (name) {
      case 'mute':
        faults.rtp = { ...faults.rtp, mute: true };
        break;
      case 'no-chan-rtp':
        faults.chanRtpLoaded = false;
        break;
      case 'refuse-websockets':
        faults.refuseWebSockets = true;
        break;
      case 'slin16-le':
        faults.rtp = { ...faults.rtp, slin16LittleEndian: true };
        break;
      case 'slin16-rate':
        if (!Number.isInteger(n) || n < 8000 || n > 48000) throw usage('--fault slin16-rate=<hz> takes 8000 to 48000');
        faults.rtp = { ...faults.rtp, slin16RateHz: n };
        break;
      case 'pt':
        if (!Number.isInteger(n) || n < 0 || n > 127) throw usage('--fault pt=<n> takes 0 to 127');
        faults.rtp = { ...faults.rtp, payloadType: n };
        break;
      case 'noload':
        if (!raw || !/^[a-z0-9_]+\.so$/.test(raw)) throw usage('--fault noload=<module> takes a module file name, e.g. noload=res_stasis_snoop.so');
        faults.noload = [...faults.noload, raw];
        break;
      case 'nat': {
        // An address, or address:port (IPv6 in brackets: [2001:db8::1]:31000).
        const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(raw ?? '');
        const port = m?.[2] === undefined ? undefined : Number(m[2]);
        if (!m || (port !== undefined && (port < 1 || port > 65535))) throw usage('--fault nat=<address>[:<port>] takes the address (and port) Asterisk should report, e.g. nat=198.51.100.7:31000');
        faults.rtp = { ...faults.rtp, reportedAddress: m[1]!.replace(/^\[|\]$/g, ''), ...(port !== undefined ? { reportedPort: port } : {}) };
        break;
      }
      case 'clock-offset':
        if (!Number.isInteger(n) || Math.abs(n) > 7 * 86_400_000) throw usage('--fault clock-offset=<ms> takes a whole number of milliseconds (negative: Asterisk is behind), at most a week');
        faults.clockOffsetMs = n;
        break;
      case 'latency':
        if (!Number.isInteger(n) || n < 0 || n > 60_000) throw usage('--fault latency=<ms> takes 0 to 60000');
        faults.latencyMs = n;
        break;
      default:
        throw usage(`unknown fault ${JSON.stringify(f)}; known: ${FAULTS.join(', ')}`);
    }
  }
}

/** `dialerctl simulate-pbx`: the ARI simulator, a stand-in for Asterisk 22, for demos, tests and practising `doctor`. */
export function simulateCommand(program: Command, io: Io): void {
  program
    .command('simulate-pbx')
    .description('run the ARI simulator (a stand-in for Asterisk 22\'s REST Interface) until interrupted')
    .option('--host <addr>', 'listen address', '127.0.0.1')
    .addOption(new Option('--port <n>', 'port (0 picks a free one)').argParser(intOption('--port', 0, 65535)).default(8088))
    .option('--username <user>', 'ARI user', 'dialer')
    .option('--password <password>', 'ARI password (default: SIM_ARI_PASSWORD, or dialer)')
    .option('--time-scale <x>', 'party timing, e.g. 0.1 runs calls ten times faster (RTP stays real time)', (v) => Number(v), 1)
    .option('--default-party <kind>', 'who answers numbers not in --leads: human, human-long, human-hello, machine, busy, congestion, noanswer, chanunavail, echo', 'human')
    .option('--leads <file.json>', 'number-to-party map, e.g. {"+15550001":"busy"}')
    .option('--audio-dir <dir>', 'directory of <prompt>.wav files to play instead of generated speech')
    .option('--inbound-every <s>', 'place an inbound call every <s> seconds once an app is connected', (v) => Number(v))
    .option('--inbound-did <did>', 'DID of generated inbound calls', '1000')
    .option('--fault <fault>', `inject a fault (repeatable): ${FAULTS.join(', ')}`, collect)
    .addHelpText('after', '\nThen point the controller (or `dialerctl doctor`) at it:\n  ARI_URL=http://127.0.0.1:8088 ARI_PASSWORD=dialer npm start')
    .action(
      act(
        io,
        async (
          ctx,
          o: { host: string; port: number; username: string; password?: string; timeScale: number; defaultParty: string; leads?: string; audioDir?: string; inboundEvery?: number; inboundDid: string; fault?: string[] },
        ) => {
          const sim = await import('@dialer/ari-controller/simulator');
          if (!sim.isPartyKind(o.defaultParty)) throw usage(`unknown party kind ${o.defaultParty}; known: ${sim.PARTY_KINDS.join(', ')}`);
          if (!Number.isFinite(o.timeScale) || o.timeScale <= 0) throw usage('--time-scale must be a positive number');
          let leads: Record<string, import('@dialer/ari-controller/simulator').PartyKind> | undefined;
          if (o.leads) {
            let map: Record<string, string>;
            try {
              map = JSON.parse(readFileSync(o.leads, 'utf8')) as Record<string, string>;
            } catch (err) {
              throw usage(`--leads ${o.leads}: ${(err as Error).message}`);
            }
            leads = {};
            for (const [n, k] of Object.entries(map)) {
              if (!sim.isPartyKind(k)) throw usage(`--leads: unknown party kind ${JSON.stringify(k)} for ${n}`);
              leads[n] = k;
            }
          }
          const log = createLogger({ name: 'ari-sim', level: ctx.json ? 'silent' : 'info', destination: 2 });
          const s = await sim.AriSimulator.start({
            host: o.host,
            port: o.port,
            username: o.username,
            password: o.password ?? io.env['SIM_ARI_PASSWORD'] ?? 'dialer',
            timeScale: o.timeScale,
            defaultParty: o.defaultParty,
            ...(leads ? { leads } : {}),
            ...(o.audioDir ? { audioDir: o.audioDir } : {}),
            log,
          });
          try {
            applyFaults(s.faults, o.fault ?? []);
          } catch (err) {
            await s.close();
            throw err;
          }
          // One line, so a script can read the address before the simulator stops.
          if (ctx.json) io.out.write(`${JSON.stringify({ url: s.url, username: s.username, faults: o.fault ?? [] })}\n`);
          else io.out.write(`ARI simulator listening at ${s.url} (user ${s.username})${o.fault?.length ? `, faults: ${o.fault.join(', ')}` : ''}\n  ARI_URL=${s.url} ARI_USERNAME=${s.username} ARI_PASSWORD=<the password>\n`);
          let n = 0;
          const timer = o.inboundEvery
            ? setInterval(() => {
                if (s.connectedApps().length === 0) return;
                s.inboundCall({ did: o.inboundDid, from: `+1555010${String(n++ % 1000).padStart(4, '0')}`, callerName: 'Sim Caller' });
              }, o.inboundEvery * 1000)
            : undefined;
          await new Promise<void>((resolve) => {
            if (io.signal.aborted) resolve();
            else io.signal.addEventListener('abort', () => resolve(), { once: true });
          });
          if (timer) clearInterval(timer);
          await s.close();
          ctx.note('ARI simulator stopped');
        },
      ),
    );
}
