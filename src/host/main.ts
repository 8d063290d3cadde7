// The training host process. Started by src/client as a Node child process with an IPC channel;
// speaks JSON-RPC (vscode-jsonrpc) over that channel. Never imports vscode.
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import { HostInfoRequest, type HostInfo } from '../protocol';
import { hostInfo } from './info';

if (!process.send) {
  console.error('gft host: this program is started by the extension or the CLI over IPC; run `gft --help` instead.');
  process.exit(2);
}

const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
connection.onRequest(HostInfoRequest, (): HostInfo => hostInfo());
connection.onClose(() => process.exit(0));
connection.listen();
