#!/usr/bin/env bash
# ONE prepared GPU check for a session lent a GPU machine (fits one 8-minute command). Before the call, here:
#   bash bench/gpu_prepare.sh            (builds .gpu/: engine bundle, onnxruntime-node, node, Vulkan loader)
# then: run(command="bash bench/gpu_check.sh", carry=[".gpu"], timeout_s=540)
# It checks nvidia-smi / node / Vulkan, installs nothing from the network (the GPU machine has none: the CUDA
# provider libraries are taken from the Python onnxruntime there, if it has them), then
#   1. engine: 20 training steps of a random DistilBERT-sized model (66M params, 8x128, dropout on) on the GPU
#      (CUDA if its provider runs, else WebGPU) with the state resident on the device, against the CPU host
#      trainer with the same seed: every loss within 1e-3 relative; then step time at 32x256 (and CUDA: Loop K=5);
#   2. PyTorch + transformers on the GPU: the same step at 32x256 (eager attention = the engine's math; sdpa);
#   3. prints the engine / PyTorch step-time ratio.
# Everything goes to $OUT/gpu_check.log plus JSON files in $OUT.
# --dry: a tiny model, for testing this script on a CPU machine (WebGPU through lavapipe if installed, else CPU).
set -uo pipefail
cd "$(dirname "$0")/.."
DRY=0
[ "${1:-}" = "--dry" ] && DRY=1
OUT=${OUT:-$PWD/out/gpu_check}
mkdir -p "$OUT"
exec > >(tee "$OUT/gpu_check.log") 2>&1
T0=$(date +%s)
say() { echo "[$(( $(date +%s) - T0 ))s] $*"; }
# (not `ldconfig -p | grep -q`: with pipefail, grep -q closing the pipe early makes the pipeline fail)
has_vulkan() { ldconfig -p 2>/dev/null | grep 'libvulkan.so.1' >/dev/null; }
# onnxruntime-node cannot pass CUDA provider options (only deviceId), and ORT's CUDA EP allows TF32 by default:
# NVIDIA_TF32_OVERRIDE=0 makes cuBLAS/cuDNN use strict float32 for both peers, so parity and timings compare like
# with like (PyTorch's own default for matmuls is also TF32 off).
export NVIDIA_TF32_OVERRIDE=0
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp/gft-xdg}; mkdir -p "$XDG_RUNTIME_DIR"

say "== environment (dry=$DRY) on $(hostname), $(nproc) cores"
if command -v nvidia-smi >/dev/null; then nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader; else say "nvidia-smi: not found"; fi
[ -f .gpu/gpu_check.cjs ] || { say "FAIL: .gpu/gpu_check.cjs missing: run bash bench/gpu_prepare.sh before and carry .gpu"; exit 1; }

NODE=node
# GFT_CARRIED_NODE=1 forces the carried binary (to test that path on a machine that has node)
if [ "${GFT_CARRIED_NODE:-0}" = 1 ] || ! command -v node >/dev/null || ! node -e 'process.exit(+process.versions.node.split(".")[0] < 18 ? 1 : 0)'; then
  mkdir -p /tmp/gft-node && tar -C /tmp/gft-node -xJf .gpu/node.tar.xz && NODE=/tmp/gft-node/bin/node
  say "node: using the carried binary"
fi
say "node $($NODE -v)"
if [ ! -f node_modules/onnxruntime-node/package.json ]; then
  tar -xJf .gpu/ort.tar.xz && say "onnxruntime-node: unpacked the carried copy"
fi
BIN=node_modules/onnxruntime-node/bin/napi-v6/linux/x64

PY=""
for p in python3 /usr/bin/python3 python; do
  if command -v $p >/dev/null && $p -c 'import torch' 2>/dev/null; then PY=$p; break; fi
done
say "python with torch: ${PY:-none}"

if [ $DRY = 0 ]; then
  if ! has_vulkan; then
    for f in .gpu/debs/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done; ldconfig
    say "vulkan loader: unpacked the carried libvulkan1"
  fi
  ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f $ICD ] && ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* >/dev/null 2>&1; then
    export VK_DRIVER_FILES=$ICD
  fi
  # CUDA provider: onnxruntime-node downloads it from NuGet (no network there); the Python onnxruntime-gpu
  # wheel of the same version ships the same two libraries.
  if [ ! -f $BIN/libonnxruntime_providers_cuda.so ] && [ -n "$PY" ]; then
    CAPI=$($PY -c 'import onnxruntime, os; print(os.path.join(os.path.dirname(onnxruntime.__file__), "capi"))' 2>/dev/null)
    if [ -n "$CAPI" ] && [ -f "$CAPI/libonnxruntime_providers_cuda.so" ]; then
      cp "$CAPI/libonnxruntime_providers_cuda.so" "$CAPI/libonnxruntime_providers_shared.so" $BIN/
      say "cuda provider: copied from Python onnxruntime $($PY -c 'import onnxruntime; print(onnxruntime.__version__)') ($CAPI)"
    else
      say "cuda provider: not found in Python onnxruntime (${CAPI:-not installed}); CUDA will be reported unavailable"
    fi
  fi
  # CUDA 12 / cuDNN 9 runtime libraries from the pip nvidia-* packages that torch brings
  if [ -n "$PY" ]; then
    NVLIBS=$($PY -c 'import glob, os, site; print(":".join(sorted({d for s in site.getsitepackages() for d in glob.glob(os.path.join(s, "nvidia", "*", "lib")) + glob.glob(os.path.join(s, "torch", "lib"))})))' 2>/dev/null)
    export LD_LIBRARY_PATH="${NVLIBS}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  fi
  if [ -f $BIN/libonnxruntime_providers_cuda.so ]; then
    MISSING=$(ldd $BIN/libonnxruntime_providers_cuda.so 2>/dev/null | grep 'not found' | awk '{print $1}' | tr '\n' ' ')
    say "cuda provider dependencies missing: ${MISSING:-none}"
  fi
fi
has_vulkan && say "vulkan loader: present${VK_DRIVER_FILES:+ (VK_DRIVER_FILES=$VK_DRIVER_FILES)}" || say "vulkan loader: absent"
command -v vulkaninfo >/dev/null && vulkaninfo --summary 2>/dev/null | grep -E 'deviceName|driverName' | head -4

say "== engine: parity vs CPU, then step times"
EXTRA=()
[ $DRY = 1 ] && EXTRA=(--dry)
timeout 300 $NODE .gpu/gpu_check.cjs --out "$OUT/gpu_check_node.json" "${EXTRA[@]}" 2>&1 | grep -v 'maxDynamic\|VerifyEachNode'
ENGINE_RC=${PIPESTATUS[0]}
say "engine exit code $ENGINE_RC (0 ok, 2 parity failed, 124 timed out)"

say "== pytorch peer"
if [ -n "$PY" ]; then
  if [ $DRY = 1 ]; then DIMS=(--layers 2 --hidden 32 --heads 2 --inter 64 --vocab 200 --batch 8 --seq 32 --warmup 1 --steps 3)
  else DIMS=(--batch 32 --seq 256 --warmup 3 --steps 10); fi
  timeout 75 $PY bench/gpu_torch_step.py "${DIMS[@]}" --attn eager --out "$OUT/gpu_torch_eager.json" | cut -c1-400
  [ $DRY = 0 ] && timeout 60 $PY bench/gpu_torch_step.py "${DIMS[@]}" --attn sdpa --out "$OUT/gpu_torch_sdpa.json" | cut -c1-400
else
  say "no python with torch: peer skipped"
fi

say "== summary"
$NODE -e '
const fs = require("fs"), out = process.argv[1];
const read = (f) => { try { return JSON.parse(fs.readFileSync(out + "/" + f, "utf8")); } catch { return undefined; } };
const e = read("gpu_check_node.json"), te = read("gpu_torch_eager.json"), ts = read("gpu_torch_sdpa.json");
if (!e) { console.log("engine: no result"); process.exit(0); }
console.log(`device: ${e.selection.device}; reasons: ${JSON.stringify(e.selection.reasons)}`);
console.log(`parity (${e.parity.steps} steps ${e.parity.batch}x${e.parity.seq}): ${e.parity.ok ? "OK" : "FAIL"}, max relative loss difference ${e.parity.maxRel.toExponential(2)}`);
const ms = (s) => (s * 1000).toFixed(1) + " ms";
console.log(`engine ${e.step.device} ${e.step.batch}x${e.step.seq}: ${ms(e.step.secondsPerStep)}/step (1 step per run)` + (e.loop ? `, ${ms(e.loop.secondsPerStep)}/step (Loop K=${e.loop.microSteps}, parity ${e.loop.parityOk ? "OK" : "FAIL"})` : ""));
for (const [name, t] of [["eager", te], ["sdpa", ts]]) if (t) {
  const best = Math.min(e.step.secondsPerStep, e.loop ? e.loop.secondsPerStep : Infinity);
  console.log(`pytorch ${t.impl} ${t.device} ${name} ${t.batch}x${t.seq}: ${ms(t.secondsPerStep)}/step; engine/pytorch ratio ${(best / t.secondsPerStep).toFixed(2)}` + (t.batch !== e.step.batch ? " (different sizes: dry run)" : ""));
}' "$OUT"
say "done; log in $OUT/gpu_check.log"
exit $ENGINE_RC
