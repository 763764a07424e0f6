#!/usr/bin/env bash
# vegeta, the load generator of `make bench`, built once from the Go module proxy
# (go.mod beside this file) into ~/.cache/whatsapp-astria-bot/bench-tools.
set -euo pipefail

VEGETA_VERSION="12.13.0"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${XDG_CACHE_HOME:-${HOME}/.cache}/whatsapp-astria-bot/bench-tools"
TARGET="${OUT}/vegeta-${VEGETA_VERSION}"
mkdir -p "${OUT}"

if [[ ! -x "${TARGET}" ]]; then
    command -v go >/dev/null || { echo "[bench] Go is needed to build vegeta" >&2; exit 1; }
    echo "[bench] building vegeta ${VEGETA_VERSION} from the Go module proxy (once)" >&2
    started=${SECONDS}
    (cd "${HERE}" && CGO_ENABLED=0 GOFLAGS=-mod=readonly \
        go build -trimpath -ldflags "-s -w -X main.Version=v${VEGETA_VERSION}" \
        -o "${TARGET}.tmp" github.com/tsenart/vegeta/v12)
    mv "${TARGET}.tmp" "${TARGET}"
    echo "[bench] built vegeta in $((SECONDS - started))s" >&2
fi
ln -sf "${TARGET}" "${OUT}/vegeta"
