#!/usr/bin/env bash
# Builds .gpu/, the folder that a session lent a GPU machine carries to it (`run` with carry: [".gpu"]), because
# node_modules is not part of the working tree that travels and the GPU machine has no package registries:
#   .gpu/gpu_check.cjs        bench/gpu_check.ts bundled with the engine (onnxruntime-node left external)
#   .gpu/ort.tar.xz           onnxruntime-node (linux/x64 binaries only) + onnxruntime-common
#   .gpu/node.tar.xz          this machine's node binary (whether the GPU machine has Node is unknown)
#   .gpu/debs/libvulkan1*.deb the Vulkan loader, for the WebGPU provider (the NVIDIA driver brings the ICD)
# About 45 MB in all (the working tree that travels must stay under 64 MiB). Takes ~2 minutes on 2 cores.
# Then, on the GPU machine: bash bench/gpu_check.sh (see that file). Usage: bash bench/gpu_prepare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
G=.gpu
grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
mkdir -p $G/debs

npx esbuild bench/gpu_check.ts --bundle --platform=node --format=cjs --target=node18 \
  --external:onnxruntime-node --outfile=$G/gpu_check.cjs --log-level=warning

ORT=node_modules/onnxruntime-node
if [ ! -f $G/ort.tar.xz ] || [ $ORT/package.json -nt $G/ort.tar.xz ]; then
  tar -cf - $ORT/package.json $ORT/dist $ORT/script $ORT/bin/napi-v6/linux/x64 node_modules/onnxruntime-common \
    | xz -T2 -1 > $G/ort.tar.xz.tmp && mv $G/ort.tar.xz.tmp $G/ort.tar.xz
fi
NODE=$(readlink -f "$(command -v node)")
if [ ! -f $G/node.tar.xz ]; then
  mkdir -p /tmp/gft-node/bin && cp "$NODE" /tmp/gft-node/bin/node
  tar -C /tmp/gft-node -cf - bin/node | xz -T2 -1 > $G/node.tar.xz.tmp && mv $G/node.tar.xz.tmp $G/node.tar.xz
  rm -rf /tmp/gft-node
fi
if ! ls $G/debs/libvulkan1_*.deb >/dev/null 2>&1; then
  (cd $G/debs && apt-get download libvulkan1 >/dev/null 2>&1) || echo "warning: could not download libvulkan1 (run apt-get update); WebGPU needs a Vulkan loader on the GPU machine"
fi
du -sh $G/* | sed 's/^/  /'
echo "total $(du -sh $G | cut -f1); working tree that travels: $(git ls-files -co --exclude-standard -z | du -ch --files0-from=- 2>/dev/null | tail -1 | cut -f1) + .gpu"
echo 'next, in a session lent a GPU machine: run(command="bash bench/gpu_check.sh", carry=[".gpu"], timeout_s=540)'
