#!/usr/bin/env bash
# kustomize and Docker Compose, the tools `make test` checks deploy/kubernetes and
# docker-compose.yml with, built once from the Go module proxy (go.mod beside this
# file) into ~/.cache/whatsapp-astria-bot/deploy-tools; a second run takes no time.
set -euo pipefail

KUSTOMIZE_VERSION="5.8.0"   # the newest the proxy serves that this machine's Go builds
COMPOSE_VERSION="2.40.3"    # the newest v2 the proxy serves

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${XDG_CACHE_HOME:-${HOME}/.cache}/whatsapp-astria-bot/deploy-tools"
mkdir -p "${OUT}"

say() { printf '[deploy-tools] %s\n' "$*" >&2; }

build() {  # build <binary> <package> <version> <ldflags>
    local binary="$1" package="$2" version="$3" ldflags="$4"
    local target="${OUT}/${binary}-${version}"
    if [[ ! -x "${target}" ]]; then
        command -v go >/dev/null || { say "Go is needed to build ${binary}"; exit 1; }
        say "building ${binary} ${version} from the Go module proxy (once; about a minute or two)"
        local started=${SECONDS}
        (cd "${HERE}" && CGO_ENABLED=0 GOFLAGS=-mod=readonly \
            go build -trimpath -ldflags "-s -w ${ldflags}" -o "${target}.tmp" "${package}")
        mv "${target}.tmp" "${target}"
        say "built ${binary} in $((SECONDS - started))s"
    fi
    ln -sf "${target}" "${OUT}/${binary}"
}

build kustomize sigs.k8s.io/kustomize/kustomize/v5 "${KUSTOMIZE_VERSION}" \
    "-X sigs.k8s.io/kustomize/api/provenance.version=v${KUSTOMIZE_VERSION}"
build docker-compose github.com/docker/compose/v2/cmd "${COMPOSE_VERSION}" \
    "-X github.com/docker/compose/v2/internal.Version=v${COMPOSE_VERSION}"
