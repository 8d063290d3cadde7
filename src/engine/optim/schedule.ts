// Learning-rate multipliers as in Hugging Face transformers' schedulers (LambdaLR): the update with 0-based
// index `step` uses base_lr * lambda(step), so with warmup the first update uses lr 0, as HF does.
export type ScheduleName = 'linear' | 'constant' | 'constant_with_warmup';

export function lrLambda(schedule: ScheduleName, step: number, warmupSteps: number, totalSteps: number): number {
  switch (schedule) {
    case 'constant':
      return 1;
    case 'constant_with_warmup':
      return step < warmupSteps ? step / Math.max(1, warmupSteps) : 1;
    case 'linear':
      // get_linear_schedule_with_warmup
      if (step < warmupSteps) return step / Math.max(1, warmupSteps);
      return Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
    default:
      throw new Error(`unknown schedule '${schedule as string}': use 'linear', 'constant' or 'constant_with_warmup'`);
  }
}
