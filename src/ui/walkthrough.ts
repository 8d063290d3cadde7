// The walkthrough's steps complete on context keys as well as on commands (package.json completionEvents): a
// command run from inside the extension (a notification's button, a results panel's link, a context-menu action
// that calls another command) never reaches the workbench's command events, so each step's key is set where
// the step is actually done, whatever the entry point.
import * as vscode from 'vscode';

export type WalkthroughStep = 'datasetAdded' | 'datasetSplit' | 'baselineRun' | 'fineTuneStarted' | 'resultsOpened' | 'runsCompared' | 'reflectionWritten';

export function stepDone(step: WalkthroughStep): void {
  void vscode.commands.executeCommand('setContext', `guidedFinetune.${step}`, true);
}
