#!/usr/bin/env bash
# Make the real Dapr runtime (daprd, placement, scheduler) and the Dapr CLI
# available in ~/.dapr/bin, and daprd of the minor Azure Container Apps runs in
# the cache (the e2e suite runs its journeys on both). The runtime, in this order:
#   1. already there (~/.dapr/bin or PATH) at the wanted version;
#   2. `dapr init --slim` when a Dapr CLI exists and can download;
#   3. built from the Go module proxy with tools/dapr/{runtime,cli}/go.mod.
# Builds are cached in ~/.cache/whatsapp-astria-bot; a second run takes seconds.
set -euo pipefail

# 1.18.7 is the release the design names, but the module proxy this project
# builds from does not serve it (nor 1.18.4-1.18.6); 1.18.3 is the newest 1.18
# patch it serves, and it pairs with the Python SDK dapr==1.18.3.
RUNTIME_VERSION="1.18.3"
# The newest CLI whose source the proxy serves whole; it drives daprd 1.18.
CLI_VERSION="1.16.5"
# Azure Container Apps runs Dapr 1.16.4 and cannot be pinned; the proxy does not serve
# 1.16.4, so CI runs the newest 1.16 patch it does serve. Only daprd: the 1.16
# scheduler needs a go-etcd-cron release the proxy refuses, and these runs use none.
ACA_RUNTIME_VERSION="1.16.5"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DAPR_HOME="${HOME}/.dapr"
BIN="${DAPR_HOME}/bin"
CACHE="${XDG_CACHE_HOME:-${HOME}/.cache}/whatsapp-astria-bot/dapr"
mkdir -p "${BIN}" "${DAPR_HOME}/components" "${CACHE}"

say() { printf '[dapr] %s\n' "$*" >&2; }

runtime_version_of() { "$1" --version 2>/dev/null | head -n1 | tr -d '[:space:]'; }

runtime_ok() {
    local daprd="${BIN}/daprd"
    [[ -x "${daprd}" && -x "${BIN}/scheduler" ]] || return 1
    [[ "$(runtime_version_of "${daprd}")" == "${RUNTIME_VERSION}" ]] || return 1
    # One of our own builds must carry today's component list (components.txt); a daprd
    # from `dapr init` carries every component and is fine as it is.
    case "$(readlink -f "${daprd}")" in
        "${CACHE}"/*) built_ok "$(readlink -f "${daprd}")" ;;
    esac
}

adopt_from_path() {
    # A daprd of the right version elsewhere on PATH: link it where the CLI looks.
    local found
    found="$(command -v daprd 2>/dev/null || true)"
    [[ -n "${found}" && "${found}" != "${BIN}/daprd" ]] || return 1
    [[ "$(runtime_version_of "${found}")" == "${RUNTIME_VERSION}" ]] || return 1
    local dir
    dir="$(dirname "${found}")"
    [[ -x "${dir}/scheduler" ]] || return 1
    ln -sf "${found}" "${BIN}/daprd"
    ln -sf "${dir}/scheduler" "${BIN}/scheduler"
    [[ -x "${dir}/placement" ]] && ln -sf "${dir}/placement" "${BIN}/placement"
    say "using daprd ${RUNTIME_VERSION} from ${dir}"
}

try_dapr_init() {
    local cli
    cli="$(command -v dapr 2>/dev/null || true)"
    [[ -n "${cli}" ]] || return 1
    say "trying: dapr init --slim --runtime-version ${RUNTIME_VERSION}"
    rm -f "${BIN}/daprd"
    timeout 120 "${cli}" init --slim --runtime-version "${RUNTIME_VERSION}" >&2 || return 1
    runtime_ok
}

go_env() {
    # go-etcd-cron v0.12.7 is served by the proxy but missing from the checksum
    # database; go.sum in tools/dapr/runtime pins its hash instead.
    export GONOSUMDB="github.com/diagridio/go-etcd-cron"
    export GOFLAGS="-mod=readonly"
    export CGO_ENABLED=0
    command -v go >/dev/null || { say "Go is needed to build Dapr (apt-get install golang or use the machine's Go)"; exit 1; }
}

# daprd registers only the components in components.txt; a build records the list's hash.
COMPONENTS_LIST="$(grep -v '^#' "${HERE}/components.txt" | awk 'NF {print $1}')"
COMPONENTS_HASH="$(printf '%s\n' "${COMPONENTS_LIST}" | sha256sum | cut -c1-16)"

built_ok() {  # built_ok <file>: there, and (for daprd) with today's component list
    [[ -x "$1" ]] || return 1
    [[ "$(basename "$1")" != daprd ]] || [[ "$(cat "$1.components" 2>/dev/null)" == "${COMPONENTS_HASH}" ]]
}

trimmed_source() {  # trimmed_source <module folder> <version> -> a modfile building our daprd
    local module="$1" version="$2"
    local src="${CACHE}/src-${version}-${COMPONENTS_HASH}"
    if [[ ! -f "${src}/trimmed.mod" ]]; then
        local upstream
        # On a fresh machine the module is not in the cache yet, and `go list` names no
        # folder until it is: download it first.
        (cd "${HERE}/${module}" && go mod download github.com/dapr/dapr) || return 1
        upstream="$(cd "${HERE}/${module}" && go list -m -f '{{.Dir}}' github.com/dapr/dapr)"
        [[ -n "${upstream}" && -d "${upstream}" ]] || { say "no source for dapr ${version}"; return 1; }
        rm -rf "${src}" && mkdir -p "${src}"
        cp -r "${upstream}" "${src}/dapr" && chmod -R u+w "${src}/dapr"
        local file name
        for file in "${src}"/dapr/cmd/daprd/components/*.go; do
            name="$(basename "${file}" .go)"
            grep -q '!allcomponents && !stablecomponents' "${file}" && continue  # the no-tag guard
            if grep -qx "${name}" <<<"${COMPONENTS_LIST}"; then
                sed -i '1s#^//go:build .*#//go:build allcomponents || stablecomponents#' "${file}"
            else
                rm "${file}"
            fi
        done
        # The same requirements and replacements, with dapr/dapr from the trimmed copy.
        sed "s#=> ./#=> ${HERE}/${module}/#" "${HERE}/${module}/go.mod" > "${src}/trimmed.mod"
        echo "replace github.com/dapr/dapr => ${src}/dapr" >> "${src}/trimmed.mod"
        cp "${HERE}/${module}/go.sum" "${src}/trimmed.sum"
    fi
    echo "${src}/trimmed.mod"
}

build() {  # build <module folder> <version> <binary>: into the cache, once
    local module="$1" version="$2" binary="$3"
    local out="${CACHE}/runtime-${version}"
    mkdir -p "${out}"
    built_ok "${out}/${binary}" && return 0
    go_env
    local ldflags="-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=${version} -X github.com/dapr/kit/logger.DaprVersion=${version}"
    local modfile=() trimmed
    if [[ "${binary}" == daprd ]]; then
        trimmed="$(trimmed_source "${module}" "${version}")" || exit 1
        modfile=(-modfile "${trimmed}")
    fi
    say "building ${binary} ${version} from the Go module proxy (the first build takes minutes)"
    local started=${SECONDS}
    (cd "${HERE}/${module}" && go build "${modfile[@]}" -trimpath -tags stablecomponents \
        -ldflags "${ldflags}" -o "${out}/${binary}.tmp" "github.com/dapr/dapr/cmd/${binary}")
    mv "${out}/${binary}.tmp" "${out}/${binary}"
    [[ "${binary}" == daprd ]] && echo "${COMPONENTS_HASH}" > "${out}/daprd.components"
    say "built ${binary} ${version} in $((SECONDS - started))s ($(du -h "${out}/${binary}" | cut -f1))"
}

build_runtime() {
    for binary in daprd scheduler placement; do
        build runtime "${RUNTIME_VERSION}" "${binary}"
        ln -sf "${CACHE}/runtime-${RUNTIME_VERSION}/${binary}" "${BIN}/${binary}"
    done
}

cli_ok() { [[ -x "${BIN}/dapr" ]] || command -v dapr >/dev/null 2>&1; }

build_cli() {
    go_env
    local out="${CACHE}/cli-${CLI_VERSION}"
    mkdir -p "${out}"
    if [[ ! -x "${out}/dapr" ]]; then
        say "building the Dapr CLI ${CLI_VERSION} from the Go module proxy"
        local started=${SECONDS}
        (cd "${HERE}/cli" && go build -trimpath \
            -ldflags "-s -w -X main.version=${CLI_VERSION} -X main.apiVersion=1.0 -X github.com/dapr/cli/pkg/standalone.gitversion=v${CLI_VERSION}" \
            -o "${out}/dapr.tmp" github.com/dapr/cli)
        mv "${out}/dapr.tmp" "${out}/dapr"
        say "built the CLI in $((SECONDS - started))s ($(du -h "${out}/dapr" | cut -f1))"
    fi
    ln -sf "${out}/dapr" "${BIN}/dapr"
}

if runtime_ok; then
    say "daprd ${RUNTIME_VERSION} already in ${BIN}"
elif adopt_from_path || try_dapr_init; then
    :
else
    build_runtime
fi

cli_ok || build_cli
build runtime-1.16 "${ACA_RUNTIME_VERSION}" daprd

# `dapr run` insists on these existing, even when -f names its own resources.
[[ -f "${DAPR_HOME}/config.yaml" ]] || cat > "${DAPR_HOME}/config.yaml" <<'YAML'
apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: daprConfig
spec: {}
YAML

say "daprd $(runtime_version_of "${BIN}/daprd") (and $(runtime_version_of "${CACHE}/runtime-${ACA_RUNTIME_VERSION}/daprd") for ACA's minor), CLI $("${BIN}/dapr" version 2>/dev/null | head -n1 || echo '?')"
