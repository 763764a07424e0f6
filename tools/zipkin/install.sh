#!/usr/bin/env bash
# The local tracing backend: Zipkin's server (one executable jar) from Maven Central, into
# ~/.cache, fetched again only when ZIPKIN_VERSION changes. tools/devstack.py runs it with
# the machine's Java for `make run TRACING=1` and the tracing e2e test.
set -euo pipefail
ZIPKIN_VERSION=3.5.1
target="${XDG_CACHE_HOME:-${HOME}/.cache}/whatsapp-astria-bot/zipkin"
jar="${target}/zipkin-server-${ZIPKIN_VERSION}-exec.jar"
[[ -s "${jar}" ]] && exit 0
mkdir -p "${target}"
mvn -q -B -Dstyle.color=never dependency:copy \
    -Dartifact="io.zipkin:zipkin-server:${ZIPKIN_VERSION}:jar:exec" \
    -DoutputDirectory="${target}" -Dmdep.overWriteIfNewer=true
[[ -s "${jar}" ]]
echo "[zipkin] built: zipkin-server ${ZIPKIN_VERSION} from Maven Central in ${target}" >&2
