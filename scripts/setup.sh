#!/usr/bin/env bash
# Installs every Debian 12 package mpcvit needs (idempotent), then configures
# and builds the project with Ninja into ${MPCVIT_BUILD_DIR:-build}.
#
#   scripts/setup.sh            install + configure + build
#   MPCVIT_WERROR=ON scripts/setup.sh   same, warnings as errors (CI)
#   MPCVIT_SKIP_APT=1 scripts/setup.sh  skip the apt step (packages present)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MPCVIT_BUILD_DIR:-$root/build}"

packages=(
  # toolchain
  build-essential cmake ninja-build git
  # TLS test certificates (scripts/make-certs.sh), network namespaces (tests)
  openssl iproute2
  # LLVM/MLIR 22 (libMLIR.so, mlir-tblgen, lit, FileCheck, not)
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  # libraries used by the compiler and the runtime
  libonnx-dev libonnx-testdata libprotobuf-dev protobuf-compiler libfmt-dev libssl-dev libcli11-dev
  libeigen3-dev libgtest-dev libgmock-dev libbenchmark-dev
  # Python side (training, fixtures): PyTorch and friends from apt, no PyPI
  python3 python3-numpy python3-torch python3-torchvision python3-onnx python3-tqdm python3-pil
  python3-matplotlib libopenblas0-pthread
  # data set used by the models and the demo
  dataset-fashion-mnist
)

need_install() {
  local p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || return 0
  done
  return 1
}

if [[ "${MPCVIT_SKIP_APT:-0}" != 1 ]] && need_install; then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "== installing apt packages"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi

echo "== configuring ($build)"
cmake -G Ninja -S "$root" -B "$build" \
  -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}" \
  -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
  -DMPCVIT_WERROR="${MPCVIT_WERROR:-OFF}" >/dev/null

echo "== building"
# 2 parallel jobs: MLIR translation units need ~1.5 GB each.
cmake --build "$build" -j "${MPCVIT_JOBS:-2}"
