#!/usr/bin/env bash
# Builds .gpu-tj/, what bench/trainer_job_check.sh needs on a GPU machine (no Node, no package registries), small
# enough to travel with the working tree (the device tool carries 64 MiB in all):
#   .gpu-tj/node.xz        this machine's node binary, stripped (copied from .gpu/ when bench/gpu_prepare.sh made it)
#   .gpu-tj/dist.tar.xz    the gft bundles the check runs (cli, its trainer thread, the engine worker)
#   .gpu-tj/ort.tar.xz     onnxruntime-node (linux/x64 library only) + onnxruntime-common (copied from .gpu/ likewise)
#   .gpu-tj/hf.tar.xz      transformers.js's Node build with its tokenizer packages (gft reads Hugging Face tokenizers
#                          through it) and a stub for its image library sharp, which the package requires when it
#                          loads (no image is read by the check)
# Then, in a session lent a GPU machine:  run(command="bash bench/trainer_job_check.sh", carry=[".gpu-tj"], timeout_s=420)
set -euo pipefail
cd "$(dirname "$0")/.."
G=.gpu-tj
mkdir -p $G
npm run build >/dev/null
tar -cf - dist/cli.js dist/train-worker.js dist/engine-worker.js | xz -T2 -9 > $G/dist.tar.xz
if [ -f .gpu/ort.tar.xz ]; then cp .gpu/ort.tar.xz $G/; elif [ ! -f $G/ort.tar.xz ]; then
  ORT=node_modules/onnxruntime-node
  tar -cf - $ORT/package.json $ORT/dist $ORT/script $ORT/bin/napi-v6/linux/x64 node_modules/onnxruntime-common \
    | xz -T2 --x86 --lzma2=preset=9e,dict=64MiB > $G/ort.tar.xz
fi
if [ -f .gpu/node.xz ]; then cp .gpu/node.xz $G/; elif [ ! -f $G/node.xz ]; then
  cp "$(readlink -f "$(command -v node)")" /tmp/gft-node && strip /tmp/gft-node
  xz -T2 --x86 --lzma2=preset=9e,dict=128MiB -c /tmp/gft-node > $G/node.xz && rm /tmp/gft-node
fi
tmp=$(mktemp -d)
HF=node_modules/@huggingface
mkdir -p "$tmp/$HF/transformers/dist" "$tmp/node_modules/sharp"
cp $HF/transformers/package.json "$tmp/$HF/transformers/"
cp $HF/transformers/dist/transformers.node.cjs "$tmp/$HF/transformers/dist/"
cp -r $HF/jinja $HF/tokenizers "$tmp/$HF/"
echo '{"name":"sharp","version":"0.0.0-stub","main":"index.js"}' > "$tmp/node_modules/sharp/package.json"
echo 'module.exports = function sharp() { throw new Error("sharp is not carried to this machine (no images are read)"); };' > "$tmp/node_modules/sharp/index.js"
tar -C "$tmp" -cf - node_modules | xz -T2 -9 > $G/hf.tar.xz
rm -rf "$tmp"
du -sh $G/* | sed 's/^/  /'
tree_kb=$(git ls-files -co --exclude-standard -z | du -ck --files0-from=- 2>/dev/null | tail -1 | cut -f1)
echo "carried $G $(( $(du -sk $G | cut -f1) / 1024 )) MiB + working tree $((tree_kb / 1024)) MiB (limit 64)"
echo "next, in a session lent a GPU machine: run(command=\"bash bench/trainer_job_check.sh\", carry=[\"$G\"], timeout_s=420)"
