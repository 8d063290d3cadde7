// The files of a Trainer job folder that do not depend on the run: train.py (Hugging Face transformers' Trainer,
// launched with python or `accelerate launch`), requirements.txt and the accelerate config. trainerJob.ts writes
// them with job.json (the run's settings), the data and the model. Kept as text here so the bundles carry them.

/** The versions on the project's GPU machine (torch 2.11, transformers 5.17, accelerate 1.15). */
export const JOB_REQUIREMENTS = `# pinned to the versions this job was checked with (the project's GPU machine)
torch==2.11.0
transformers==5.17.0
accelerate==1.15.0
safetensors>=0.4
`;

/** accelerate's config for one machine with all its GPUs (DDP); --num_processes on the command line overrides. */
export const ACCELERATE_CONFIG = `compute_environment: LOCAL_MACHINE
distributed_type: MULTI_GPU
num_machines: 1
machine_rank: 0
num_processes: 1
gpu_ids: all
mixed_precision: 'no'
main_training_function: main
rdzv_backend: static
same_network: true
use_cpu: false
`;

// train.py. No backticks or "${" in it (it sits in a template string).
export const TRAIN_PY = String.raw`#!/usr/bin/env python3
"""Fine-tunes a sequence classifier with Hugging Face transformers' Trainer, as gft's run did.

Written by "gft job export". Every setting comes from job.json (the run's hyperparameters mapped one to one to
TrainingArguments); the data are data/*.jsonl (the run's split, ids kept). Run it as the README says:

    python train.py                                  # one GPU (or the CPU)
    accelerate launch --multi_gpu --num_processes N train.py   # N GPUs, DDP

It writes OUT/model/ (a Hugging Face checkpoint folder: config.json with id2label, model.safetensors, the
tokenizer, gft_job.json with the training ids for gft's leakage check), OUT/metrics.json (test and validation
metrics, the per-step losses, learning rates and gradient norms) and OUT/predictions.jsonl (one line per test
example: id, label, pred, probs). "gft import --model OUT/model" brings the model back into gft.

What it does the way gft's engine does (and how):
  * texts are cut to max_length tokens with the run's long-text strategy (head, tail or head+tail, with the
    same number of head tokens), wrapped in the tokenizer's special tokens, padded per batch;
  * AdamW (torch) with weight decay on every parameter except biases and LayerNorm weights (the exact
    no-decay list is in job.json), gradient clipping, the linear or constant schedule with warmup;
  * the batch size is the optimizer step's micro-batch summed over all processes (it is split over the GPUs),
    gradient accumulation as in the run;
  * the trained parameters are the run's (job.json "trainable": all, the head, or the top layers + head);
  * layer-wise learning-rate decay as in the run: one AdamW group per learning-rate factor (job.json "lrScale");
    metrics.json "optimizer_groups" lists the groups as the optimizer ran them (lr before the schedule, names);
  * the best checkpoint by the run's validation metric is the final model, early stopping with its patience.
What differs: the order of the training examples (Trainer's seeded sampler, not gft's) and the classifier
head's random initialisation (torch's, from the same seed), so losses agree in distribution, not step by step.
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def special_template(tokenizer):
    """The ids before and after a text's content, found as gft finds them (src/host/tokenize/hf.ts)."""
    for probe in ("hello world", "a", "the"):
        content = tokenizer(probe, add_special_tokens=False)["input_ids"]
        full = tokenizer(probe, add_special_tokens=True)["input_ids"]
        if not content:
            continue
        for at in range(0, len(full) - len(content) + 1):
            if full[at:at + len(content)] == content:
                return full[:at], full[at + len(content):]
    sys.exit("train.py: cannot find where the text goes in the tokenizer's special-token template")


def cut(ids, strategy, budget, head_tokens):
    """gft's truncation strategies (src/host/tokenize/strategies.ts) on content ids."""
    if len(ids) <= budget:
        return ids
    if strategy == "head":
        return ids[:budget]
    if strategy == "tail":
        return ids[len(ids) - budget:]
    if strategy == "head+tail":
        h = min(head_tokens, budget)
        return ids[:h] + ids[len(ids) - (budget - h):]
    sys.exit("train.py: long-text strategy '%s' is not one of head, tail, head+tail" % strategy)


class Encoded:
    """A torch-style dataset of tokenized rows (lists; DataCollatorWithPadding pads each batch)."""

    def __init__(self, tokenizer, rows, label_ids, strategy, max_length, head_tokens, token_types):
        prefix, suffix = special_template(tokenizer)
        budget = max_length - len(prefix) - len(suffix)
        if budget < 1:
            sys.exit("train.py: max_length %d leaves no room for text" % max_length)
        self.items = []
        for r in rows:
            content = tokenizer(r["text"], add_special_tokens=False)["input_ids"]
            ids = prefix + cut(content, strategy, budget, head_tokens) + suffix
            item = {"input_ids": ids, "attention_mask": [1] * len(ids), "labels": label_ids[r["label"]]}
            if token_types:
                item["token_type_ids"] = [0] * len(ids)
            self.items.append(item)

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def metrics_of(logits, labels, num_labels):
    import numpy as np
    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels)
    z = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    pred = probs.argmax(axis=1)
    f1s = []
    for c in range(num_labels):
        tp = int(((pred == c) & (labels == c)).sum())
        fp = int(((pred == c) & (labels != c)).sum())
        fn = int(((pred != c) & (labels == c)).sum())
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    log_loss = float(-np.log(np.clip(probs[np.arange(len(labels)), labels], 1e-15, 1)).mean()) if len(labels) else 0.0
    return {"accuracy": float((pred == labels).mean()) if len(labels) else 0.0, "macro_f1": float(np.mean(f1s)),
            "log_loss": log_loss, "n": int(len(labels))}, probs, pred


def main():
    ap = argparse.ArgumentParser(description="Fine-tune as gft's run did, with transformers' Trainer (settings in job.json).")
    ap.add_argument("--job", default=os.path.join(HERE, "job.json"), help="the job's settings (default: job.json beside train.py)")
    ap.add_argument("--model", default=None, help="model folder or hub id (default: the job's model/ folder)")
    ap.add_argument("--out", default=os.path.join(HERE, "output"), help="output folder (default: output/ beside train.py)")
    ap.add_argument("--bf16", action="store_true", help="bf16 mixed precision (faster on recent GPUs; gft trains in fp32)")
    ap.add_argument("--max-steps", type=int, default=None, help="stop after this many optimizer steps (a smoke test)")
    args = ap.parse_args()

    import torch
    import transformers
    from transformers import (AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding,
                              EarlyStoppingCallback, Trainer, TrainerCallback, TrainingArguments, set_seed)

    with open(args.job, encoding="utf-8") as f:
        job = json.load(f)
    base = os.path.dirname(os.path.abspath(args.job))
    model_path = args.model or os.path.join(base, job["model"]["path"])
    labels = job["labels"]
    label_ids = {name: i for i, name in enumerate(labels)}
    tok_cfg = job["tokenization"]
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))

    set_seed(job["training"]["seed"])
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    model = AutoModelForSequenceClassification.from_pretrained(
        model_path, id2label={i: l for i, l in enumerate(labels)}, label2id=label_ids,
        ignore_mismatched_sizes=True)
    token_types = "token_type_ids" in tokenizer.model_input_names and job["model"]["tokenTypeIds"]

    # The run's trained parameters, by their (Hugging Face) names; anything this job does not know is an error.
    names = [n for n, _ in model.named_parameters()]
    known = set(job["parameters"])
    unknown = [n for n in names if n not in known]
    if unknown:
        sys.exit("train.py: the model has parameters gft's run did not have (%s ...); use the job's model folder" % ", ".join(unknown[:3]))
    trainable = set(job["trainable"])
    for n, p in model.named_parameters():
        p.requires_grad_(n in trainable)
    no_decay = set(job["noDecay"])
    lr_scale = job.get("lrScale") or {}

    class GftTrainer(Trainer):
        # gft's no-decay groups exactly (biases and LayerNorm weights), whatever this transformers version's rule
        def get_decay_parameter_names(self, model):
            return [n for n, _ in model.named_parameters() if n not in no_decay]

        # layer-wise learning-rate decay: one AdamW group per (factor, decay), lr = learning_rate * factor (the
        # schedule scales every group's lr alike, as gft's does); the head's factor 1 first, as Trainer logs group
        # 0's lr as the learning rate
        def create_optimizer(self, *args, **kwargs):
            if not lr_scale or self.optimizer is not None:
                return super().create_optimizer(*args, **kwargs)
            a = self.args
            groups = {}
            for n, p in self.model.named_parameters():
                if p.requires_grad:
                    groups.setdefault((lr_scale.get(n, 1.0), n not in no_decay), []).append(p)
            self.optimizer = torch.optim.AdamW(
                [{"params": ps, "lr": a.learning_rate * f, "weight_decay": a.weight_decay if d else 0.0}
                 for (f, d), ps in sorted(groups.items(), key=lambda g: (-g[0][0], not g[0][1]))],
                lr=a.learning_rate, betas=(a.adam_beta1, a.adam_beta2), eps=a.adam_epsilon)
            return self.optimizer

    data = {s: read_jsonl(os.path.join(base, job["data"][s])) for s in ("train", "validation", "test")}
    enc = lambda rows, strategy: Encoded(tokenizer, rows, label_ids, strategy, tok_cfg["maxLength"], tok_cfg["headTokens"], token_types)
    train_set = enc(data["train"], tok_cfg["longText"])
    val_set = enc(data["validation"], tok_cfg["evalLongText"]) if data["validation"] else None
    test_set = enc(data["test"], tok_cfg["evalLongText"]) if data["test"] else None

    t = dict(job["training"])
    batch = t.pop("batch_size")
    if batch % world != 0:
        sys.exit("train.py: the run's batch size %d does not split over %d processes; use a number of GPUs that divides it" % (batch, world))
    t["per_device_train_batch_size"] = batch // world
    t["per_device_eval_batch_size"] = max(1, t.pop("eval_batch_size") // world)
    patience = t.pop("early_stopping_patience")
    if val_set is None:
        for k in ("eval_strategy", "save_strategy"):
            t[k] = "no"
        t["load_best_model_at_end"] = False
        t.pop("eval_steps", None)
        t.pop("save_steps", None)
        t.pop("metric_for_best_model", None)
        t.pop("greater_is_better", None)
    if args.max_steps:
        t["max_steps"] = args.max_steps
    targs = TrainingArguments(output_dir=os.path.join(args.out, "trainer"), bf16=args.bf16, **t)

    steps = []

    class StepLog(TrainerCallback):
        def on_train_begin(self, a, state, control, **kw):
            want = job["expected"]["totalSteps"]
            if state.max_steps != want and not args.max_steps and rank == 0:
                print("train.py: note: Trainer plans %d optimizer steps, gft's run %d" % (state.max_steps, want), file=sys.stderr)

        def on_log(self, a, state, control, logs=None, **kw):
            if logs and "loss" in logs:
                steps.append({"step": state.global_step, "loss": logs["loss"], "lr": logs.get("learning_rate"), "grad_norm": logs.get("grad_norm")})

    def compute_metrics(p):
        m, _, _ = metrics_of(p.predictions, p.label_ids, len(labels))
        return {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"]}

    callbacks = [StepLog()]
    if patience and val_set is not None:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=patience))
    trainer = GftTrainer(model=model, args=targs, train_dataset=train_set, eval_dataset=val_set,
                         data_collator=DataCollatorWithPadding(tokenizer), compute_metrics=compute_metrics if val_set else None,
                         callbacks=callbacks)
    t0 = time.time()
    trainer.train()
    seconds = time.time() - t0

    # the optimizer's parameter groups as it ran: each group's learning rate before the schedule, weight decay and
    # parameter names (accelerate may wrap the optimizer; the parameters are the model's own tensors)
    opt = getattr(trainer.optimizer, "optimizer", trainer.optimizer)
    name_of = {id(p): n for n, p in model.named_parameters()}
    groups = [{"lr": g.get("initial_lr", g["lr"]), "weight_decay": g["weight_decay"], "params": [name_of.get(id(p), "?") for p in g["params"]]}
              for g in (opt.param_groups if opt is not None else [])]
    result = {"job": job["source"], "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
              "processes": world, "train_seconds": seconds, "steps": steps, "global_step": trainer.state.global_step,
              "best_checkpoint": trainer.state.best_model_checkpoint, "optimizer_groups": groups}
    if val_set is not None:
        result["validation"] = {k: v for k, v in trainer.evaluate(val_set).items()}
    preds = []
    if test_set is not None:
        out = trainer.predict(test_set)
        m, probs, pred = metrics_of(out.predictions, out.label_ids, len(labels))
        result["test"] = m
        preds = [{"id": r["id"], "label": int(label_ids[r["label"]]), "pred": int(pred[i]), "probs": [float(x) for x in probs[i]]}
                 for i, r in enumerate(data["test"])]
    if trainer.is_world_process_zero():
        model_dir = os.path.join(args.out, "model")
        trainer.save_model(model_dir)
        tokenizer.save_pretrained(model_dir)
        manifest = dict(job)
        manifest["trainIds"] = [r["id"] for r in data["train"]]
        manifest["trainTextSha256"] = [hashlib.sha256(r["text"].encode("utf-8")).hexdigest()[:16] for r in data["train"]]
        manifest["metrics"] = {k: result.get(k) for k in ("test", "validation")}
        with open(os.path.join(model_dir, "gft_job.json"), "w", encoding="utf-8") as f:
            json.dump(manifest, f)
        with open(os.path.join(args.out, "metrics.json"), "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
        with open(os.path.join(args.out, "predictions.jsonl"), "w", encoding="utf-8") as f:
            for p in preds:
                f.write(json.dumps(p) + "\n")
        if "test" in result:
            print("test accuracy %.4f (n %d), macro F1 %.4f; model in %s" % (result["test"]["accuracy"], result["test"]["n"], result["test"]["macro_f1"], model_dir))


if __name__ == "__main__":
    main()
`;
