// `gft`: the headless CLI. Each command has --help; errors are one line with a non-zero exit.
import { hostInfo } from './info';

const USAGE = `gft — guided fine-tuning of transformers for text classification

Usage: gft <command> [options]

Commands:
  info        print versions and devices
  help        show this help

Run \`gft <command> --help\` for a command's options.`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    console.log(USAGE);
    return 0;
  }
  if (cmd === 'info') {
    if (rest.includes('--help')) {
      console.log('Usage: gft info\n\nPrints the versions of gft, Node.js and onnxruntime-node as JSON.');
      return 0;
    }
    console.log(JSON.stringify(hostInfo(), null, 2));
    return 0;
  }
  console.error(`gft: unknown command '${cmd}'. Run 'gft --help' for the list of commands.`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`gft: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
