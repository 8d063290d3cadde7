// `gft info`: print versions and devices.
import { common, type Command } from './common';
import { hostInfo, packageVersions } from '../info';

export const infoCommand: Command = {
  summary: 'print versions and devices',
  usage: 'Usage: gft info\n\nPrints the versions of gft, Node.js, onnxruntime-node and the installed packages run.json records, as JSON.',
  options: common,
  run: async (_v, _p, io) => {
    io.out(JSON.stringify({ ...hostInfo(), packages: packageVersions() }, null, 2));
    return 0;
  },
};
