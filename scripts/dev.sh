#!/usr/bin/env bash
# The project's entry points.
#   scripts/dev.sh run   [ledgerd flags]  install what is missing, build (release), start ledgerd (embedded Kafka)
#   scripts/dev.sh test                   install what is missing, build (dev: ASan+UBSan), buf lint, all tests
#   scripts/dev.sh build [preset]         build only (dev | release | tsan)
#   scripts/dev.sh bench [args]           build (release) and run the ingest benchmark
set -euo pipefail
cd "$(dirname "$0")/.."

cmd="${1:-}"
shift || true

build() {
  local preset="$1"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
}

case "$cmd" in
  run)
    scripts/install-deps.sh
    build release
    exec build/release/services/ledgerd "$@"
    ;;
  test)
    scripts/install-deps.sh
    echo "== buf lint (proto/)"
    (cd proto && ../.tools/node_modules/.bin/buf lint)
    echo "== helm lint (helm/pdl)"
    .tools/node_modules/.bin/helm lint helm/pdl -f helm/pdl/values-lint.yaml
    build dev
    echo "== ctest"
    ctest --preset dev -j2 "$@"
    ;;
  build)
    scripts/install-deps.sh
    build "${1:-dev}"
    ;;
  bench)
    scripts/install-deps.sh
    build release
    exec build/release/tests/bench/ingest_bench "$@"
    ;;
  *)
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
