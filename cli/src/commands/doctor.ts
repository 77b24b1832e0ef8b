import { Option, type Command } from 'commander';
import { WIRE_FORMATS } from '../doctor/audio.js';
import { runDoctor } from '../doctor/run.js';
import { envFilesToRead, readDoctorSettings } from '../doctor/settings.js';
import type { CheckResult } from '../doctor/types.js';
import { CliError, EXIT, usage } from '../exit.js';
import type { Io } from '../io.js';
import { act, intOption } from '../program.js';

const LABEL: Record<CheckResult['status'], string> = { pass: 'pass', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

/** One result as printed: status, id, detail, and the fix on the next line. */
export function renderResult(r: CheckResult): string {
  return `${LABEL[r.status].padEnd(5)} ${r.id.padEnd(18)} ${r.detail}\n${r.fix ? `${' '.repeat(25)}fix: ${r.fix}\n` : ''}`;
}

/** The counts line. */
export function summarise(results: readonly CheckResult[]): { pass: number; warn: number; fail: number; skip: number } {
  const c = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const r of results) c[r.status]++;
  return c;
}

/** `dialerctl doctor`: diagnoses an installation's Asterisk, media path, speech-to-text and clocks. */
export function doctorCommand(program: Command, io: Io): void {
  program
    .command('doctor')
    .description('diagnose Asterisk ARI, the ExternalMedia audio path (with a real test call), speech-to-text and clock skew')
    .option('--env-file <path...>', 'environment files to read (default: /etc/dialer/{dialer,ari,media}.env when present); the environment wins')
    .addOption(new Option('--format <format>', 'ExternalMedia format of the test call (default: ARI_TAP_FORMAT, else ulaw)').choices(Object.keys(WIRE_FORMATS)))
    .option('--test-endpoint <endpoint>', 'what the test call dials: a context that answers and plays audio', 'Local/milliwatt@dialer-test')
    .addOption(new Option('--listen-ms <ms>', 'how long to record the test call').argParser(intOption('--listen-ms', 200, 60_000)).default(3000))
    .addOption(new Option('--answer-timeout-ms <ms>', 'how long the test endpoint may take to answer').argParser(intOption('--answer-timeout-ms', 500, 120_000)).default(10_000))
    .addOption(new Option('--tap-port <port>', 'UDP port for the test RTP socket (default: MEDIA_RTP_PORT when free, else any)').argParser(intOption('--tap-port', 0, 65535)))
    .option('--no-call', 'skip the test call')
    .option('--only <ids...>', 'run only these checks or groups (api, ari, media, call, rtp, stt, clock, or ids like ari.auth)')
    .option('--skip <ids...>', 'leave out these checks or groups')
    .option('--strict', 'exit 9 on warnings too')
    .addHelpText(
      'after',
      `
Each check prints pass, WARN or FAIL with a one-line fix. Doctor reads the settings the
daemons read (ARI_*, MEDIA_*, STT_*, provider keys; <NAME>_FILE for secrets).
Exit codes: 0 no failures, 9 a check failed (or warned, with --strict).

Examples:
  sudo dialerctl doctor
  dialerctl doctor --only ari rtp --format ulaw
  dialerctl doctor --json --skip stt`,
    )
    .action(
      act(
        io,
        async (
          ctx,
          o: {
            envFile?: string[];
            format?: string;
            testEndpoint: string;
            listenMs: number;
            answerTimeoutMs: number;
            tapPort?: number;
            call: boolean;
            only?: string[];
            skip?: string[];
            strict?: boolean;
          },
        ) => {
          const settings = readDoctorSettings(io.env, envFilesToRead(o.envFile));
          const formatName = o.format ?? settings.tapFormat;
          const format = WIRE_FORMATS[formatName];
          if (!format) throw usage(`ARI_TAP_FORMAT ${JSON.stringify(formatName)} is not a format doctor knows (${Object.keys(WIRE_FORMATS).join(', ')})`);
          let apiUrl: string | undefined;
          try {
            apiUrl = ctx.baseUrl;
          } catch {
            apiUrl = undefined;
          }
          if (!ctx.json) {
            io.out.write(`dialer doctor: ARI ${settings.servers.map((x) => x.url).join(', ')} (app ${settings.ariApp}), gateway RTP ${settings.advertiseHost ?? settings.rtpHost}:${settings.rtpPort}, format ${format.name}\n\n`);
          }
          const results = await runDoctor({
            settings,
            apiUrl,
            format,
            testEndpoint: o.testEndpoint,
            listenMs: o.listenMs,
            answerTimeoutMs: o.answerTimeoutMs,
            call: o.call,
            tapPort: o.tapPort,
            only: (o.only ?? []).flatMap((x) => x.split(',')).filter(Boolean),
            skip: (o.skip ?? []).flatMap((x) => x.split(',')).filter(Boolean),
            now: () => io.now(),
            signal: io.signal,
            onResult: (r) => {
              if (!ctx.json) io.out.write(renderResult(r));
            },
          });
          const counts = summarise(results);
          ctx.print({ ok: counts.fail === 0 && (!o.strict || counts.warn === 0), summary: counts, checks: results }, () => `\n${counts.pass} passed, ${counts.warn} ${counts.warn === 1 ? 'warning' : 'warnings'}, ${counts.fail} failed, ${counts.skip} skipped\n`);
          if (counts.fail > 0 || (o.strict && counts.warn > 0)) throw new CliError('', EXIT.checkFailed);
        },
      ),
    );
}
