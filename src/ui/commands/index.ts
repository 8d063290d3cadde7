// Every step of the guided workflow as a command, registered by area: data (./data.ts), training (./train.ts),
// results (./results.ts) and the views (./views.ts). Commands that need training, evaluation or export ask the host
// (src/client via ../hostService); when this build's host cannot do it yet, they say so and start nothing.
import type * as vscode from 'vscode';
import { Commands, type CommandDeps } from './common';
import { registerDataCommands } from './data';
import { registerCacheCommands } from './cache';
import { registerResultCommands } from './results';
import { registerTrainCommands } from './train';
import { registerTrainerJobCommands } from './trainerJob';
import { registerViewCommands } from './views';

export type { CommandDeps } from './common';

export function registerCommands(d: CommandDeps): vscode.Disposable[] {
  const c = new Commands(d);
  return [
    ...registerViewCommands(c),
    ...registerDataCommands(c),
    ...registerCacheCommands(c),
    ...registerTrainCommands(c),
    ...registerResultCommands(c),
    ...registerTrainerJobCommands(c),
  ];
}
