// `gft`: the headless CLI, one file per command in this folder (common.ts: what they share, the cancel/progress
// wrapper; settings.ts: the training flags from the settings schema). Each command has --help; bad arguments and
// bad data give one line on stderr and a non-zero exit (2 = usage, 1 = the command failed). Jobs run in this
// process (no host child needed); progress is a bar on a TTY, JSON lines with --json, plain log lines otherwise.
import { parseArgs } from 'node:util';
import { SettingError } from '../../shared/settings';
import { processIo, UsageError, withFlags, type Command, type Io, type Values } from './common';
import { takeDeprecatedFlags } from './settings';
import { infoCommand } from './info';
import { dataCommand } from './data';
import { trainCommand } from './train';
import { probeCommand } from './probe';
import { baselineCommand } from './baseline';
import { evalCommand } from './eval';
import { cvCommand } from './cv';
import { searchCommand } from './search';
import { compareCommand } from './compare';
import { ensembleCommand } from './ensemble';
import { predictCommand } from './predict';
import { exportCommand } from './export';
import { jobCommand } from './job';
import { importCommand } from './import';
import { runsCommand } from './runs';
import { gpuCommand } from './gpu';
import { reflectCommand } from './reflect';
import { demoCommand } from './demo';
import { cacheCommand } from './cache';

const commands: Record<string, Command> = {
  info: infoCommand,
  data: dataCommand,
  train: trainCommand,
  probe: probeCommand,
  baseline: baselineCommand,
  eval: evalCommand,
  cv: cvCommand,
  search: searchCommand,
  compare: compareCommand,
  ensemble: ensembleCommand,
  predict: predictCommand,
  export: exportCommand,
  job: jobCommand,
  import: importCommand,
  runs: runsCommand,
  gpu: gpuCommand,
  reflect: reflectCommand,
  demo: demoCommand,
  cache: cacheCommand,
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return `gft — guided fine-tuning of transformers for text classification

Usage: gft <command> [options]

Commands:
${Object.entries(commands)
  .map(([n, c]) => `  ${n.padEnd(width + 2)}${c.summary}`)
  .join('\n')}
  help${' '.repeat(width - 2)}show this help

Run \`gft <command> --help\` for a command's options.`;
}

export type { Io };

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(usage());
    return 0;
  }
  const cmd = commands[name];
  if (!cmd) {
    io.err(`gft: unknown command '${name}'. Run 'gft --help' for the list of commands.`);
    return 2;
  }
  try {
    let parsed: { values: Values; positionals: string[] };
    try {
      parsed = parseArgs({ args: rest, options: cmd.options, strict: true, allowPositionals: true }) as { values: Values; positionals: string[] };
    } catch (err) {
      throw new UsageError((err as Error).message.split('\n')[0].replace(/\. To specify.*$/, ''));
    }
    if (parsed.values.help) {
      io.out(cmd.usage);
      return 0;
    }
    for (const w of takeDeprecatedFlags(parsed.values)) io.err(`warning: ${w}`);
    if (parsed.positionals.length && name !== 'compare' && name !== 'gpu' && name !== 'job' && name !== 'cache')
      throw new UsageError(`unexpected argument '${parsed.positionals[0]}'`);
    return await cmd.run(parsed.values, parsed.positionals, io);
  } catch (err) {
    // a host error about settings names them as flags here (the host names the setting: "learning rate ...")
    const msg = (err instanceof SettingError ? withFlags(err) : err instanceof Error ? err.message : String(err)).split('\n')[0];
    if (err instanceof UsageError) {
      io.err(`gft ${name}: ${msg}. Run 'gft ${name} --help' for the options.`);
      return 2;
    }
    io.err(`gft ${name}: ${msg}`);
    return 1;
  }
}

// Run when this module is the program (the bundle dist/cli.js required by bin/gft.js), not when imported by tests.
if (require.main === module || /(^|[\\/])(gft|gft\.js|cli\.js)$/.test(process.argv[1] ?? '')) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`gft: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      process.exit(1);
    },
  );
}
