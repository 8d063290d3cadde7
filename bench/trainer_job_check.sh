#!/usr/bin/env bash
# ONE prepared check of issue 18 for a session lent a GPU machine (torch 2.11, transformers 5.17, accelerate 1.15,
# no network, no Node). Before the call, here:  bash bench/trainer_job_prepare.sh   (builds .gpu-tj/: node,
# onnxruntime-node, the gft bundles, transformers.js's tokenizers), then:
#   run(command="bash bench/trainer_job_check.sh", carry=[".gpu-tj"], timeout_s=420)
#   1. makes a tiny local BERT classifier and a 1200-text JSONL dataset with torch alone (bench/trainer_job_fixture.py);
#   2. `gft job export --model tiny-bert --data data.jsonl ...` (head+tail truncation at 64 tokens, 3 epochs);
#   3. runs the exported job with `accelerate launch` on the GPU (train.py: Trainer, fp32);
#   4. `gft import --model job/output/model` on the same split: this engine's test accuracy against the job's own
#      (output/metrics.json), and the examples whose predicted label differs between the two;
#   5. the first-steps loss parity of transformers' Trainer and the committed fixture (= gft's engine within 1.6e-7),
#      for tiny BERT, DistilBERT and RoBERTa (bench/trainer_job_parity.py).
# Everything goes to $OUT/trainer_job_check.log and $OUT/*.json; the last line of the log is the summary.
# --dry: on a machine without transformers (this CPU VM): step 3 runs train.py with the transformers stand-in
# test/fixtures/trainer-job/standin (plain-torch BERT, a Trainer-like loop) instead, without accelerate; step 5 is
# reported as not run.
set -uo pipefail
cd "$(dirname "$0")/.."
DRY=0
[ "${1:-}" = "--dry" ] && DRY=1
OUT=${OUT:-$PWD/out/trainer_job_check}
mkdir -p "$OUT"
exec > >(tee "$OUT/trainer_job_check.log") 2>&1
T0=$(date +%s)
say() { echo "[$(( $(date +%s) - T0 ))s] $*"; }
export NVIDIA_TF32_OVERRIDE=0

NODE=node
if [ -d .gpu-tj ]; then
  # what bench/trainer_job_prepare.sh carried: the machine has no Node and no node_modules
  [ -f .gpu-tj/dist.tar.xz ] && [ -f .gpu-tj/node.xz ] && [ -f .gpu-tj/hf.tar.xz ] || { say "FAIL: .gpu-tj/ is incomplete: run bash bench/trainer_job_prepare.sh"; exit 1; }
  if [ "${GFT_CARRIED_NODE:-0}" = 1 ] || ! command -v node >/dev/null || ! node -e 'process.exit(+process.versions.node.split(".")[0] < 18 ? 1 : 0)'; then
    xz -dc .gpu-tj/node.xz > /tmp/gft-node && chmod +x /tmp/gft-node && NODE=/tmp/gft-node
  fi
  [ -f dist/cli.js ] || tar -xJf .gpu-tj/dist.tar.xz
  [ -f node_modules/onnxruntime-node/package.json ] || tar -xJf .gpu-tj/ort.tar.xz
  [ -f node_modules/@huggingface/transformers/package.json ] || tar -xJf .gpu-tj/hf.tar.xz
elif [ $DRY = 0 ]; then
  say "FAIL: .gpu-tj/ missing: run bash bench/trainer_job_prepare.sh before and carry .gpu-tj"; exit 1
fi
[ -f dist/cli.js ] || { say "FAIL: dist/cli.js missing (npm run build)"; exit 1; }
GFT() { "$NODE" dist/cli.js "$@"; }
PY=""
for p in python3 /usr/bin/python3 python; do
  if command -v $p >/dev/null && $p -c 'import torch' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || { say "FAIL: no python with torch"; exit 1; }
HAVE_TF=0
$PY -c 'import transformers, accelerate' 2>/dev/null && HAVE_TF=1
say "node $($NODE -v); $PY: $($PY -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())')"
[ $HAVE_TF = 1 ] && say "$($PY -c 'import transformers, accelerate; print("transformers", transformers.__version__, "accelerate", accelerate.__version__)')"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

W=$(mktemp -d /tmp/gft-trainer-job.XXXX)
say "== 1. tiny model and data in $W"
$PY bench/trainer_job_fixture.py "$W" || { say "FAIL: fixture"; exit 1; }

say "== 2. gft job export"
GFT job export --model "$W/tiny-bert" --data "$W/data.jsonl" --epochs 3 --batch-size 16 --lr 3e-3 --warmup-steps 10 \
  --max-length 64 --long-text head+tail --out "$W/job" || { say "FAIL: job export"; exit 1; }
cp "$W/job/job.json" "$OUT/job.json"
$PY -m py_compile "$W/job/train.py" && say "train.py compiles"

JOB_ACC=""; GFT_ACC=""; DIFF=""; PARITY="not run"
if [ $HAVE_TF = 1 ]; then
  say "== 3. accelerate launch train.py (one GPU)"
  ACC="accelerate launch"; command -v accelerate >/dev/null || ACC="$PY -m accelerate.commands.launch"
  say "launcher: $ACC"
  (cd "$W/job" && $ACC --num_processes 1 --num_machines 1 --mixed_precision no --dynamo_backend no train.py --out output) \
    || { say "FAIL: the job did not run"; exit 1; }
  cp "$W/job/output/metrics.json" "$OUT/job_metrics.json"
else
  say "== 3. no transformers here (--dry): train.py with the stand-in test/fixtures/trainer-job/standin (plain-torch BERT, Trainer-like loop), no accelerate"
  STANDIN="$PWD/test/fixtures/trainer-job/standin"
  (cd "$W/job" && PYTHONPATH="$STANDIN" $PY train.py --out output) || { say "FAIL: the job did not run"; exit 1; }
fi
JOB_ACC=$($PY -c "import json; print(json.load(open('$W/job/output/metrics.json'))['test']['accuracy'])")

say "== 4. gft import"
GFT import --model "$W/job/output/model" --data "$W/data.jsonl" --max-length 64 --long-text head+tail --out "$W/runs/imported" --json > "$OUT/import.json" \
  || { say "FAIL: gft import"; cat "$OUT/import.json"; exit 1; }
GFT_ACC=$($PY -c "import json; print([json.loads(l) for l in open('$OUT/import.json') if '\"result\"' in l][-1]['test']['accuracy'])")
cp "$W/runs/imported/run.json" "$OUT/imported_run.json"
DIFF=$($PY - "$W" <<'EOF'
import json, sys
w = sys.argv[1]
job = {p['id']: p for p in map(json.loads, open(w + '/job/output/predictions.jsonl'))}
gft = {p['id']: p for p in map(json.loads, open(w + '/runs/imported/predictions.jsonl')) if p.get('split', 'test') == 'test'}
assert set(job) == set(gft), 'different test ids'
diff = [i for i in job if job[i]['pred'] != gft[i]['pred']]
dp = max(abs(a - b) for i in job for a, b in zip(job[i]['probs'], gft[i]['probs']))
print('%d of %d labels differ, max |prob difference| %.2e' % (len(diff), len(job), dp))
EOF
)
say "job accuracy $JOB_ACC, gft import accuracy $GFT_ACC; $DIFF"
if [ $HAVE_TF = 1 ]; then
  say "== 5. first-steps loss parity: transformers' Trainer vs the fixture (= gft engine)"
  if $PY bench/trainer_job_parity.py --out "$OUT/parity.json"; then PARITY="ok"; else PARITY="FAILED (see parity.json)"; fi
fi
SUMMARY="SUMMARY trainer_job_check dry=$DRY: job test accuracy ${JOB_ACC:-n/a}, gft import ${GFT_ACC}; ${DIFF:-no job predictions}; Trainer first-steps parity: $PARITY; $(( $(date +%s) - T0 )) s"
if [ "$JOB_ACC" != "$GFT_ACC" ]; then SUMMARY="$SUMMARY; ACCURACY MISMATCH"; fi
say "$SUMMARY"
