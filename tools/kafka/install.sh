#!/usr/bin/env bash
# The `kafka` profile's broker: Apache Kafka's jars and their runtime dependencies from
# Maven Central (tools/kafka/pom.xml), resolved by Maven into ~/.cache and resolved again
# only when the pom changes. tools/brokers.py runs them with the machine's Java.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="${XDG_CACHE_HOME:-${HOME}/.cache}/whatsapp-astria-bot/kafka"
pom_hash=$(sha256sum "${here}/pom.xml" | cut -d' ' -f1)
if [[ -d "${target}/libs" && "$(cat "${target}/.pom-hash" 2>/dev/null)" == "${pom_hash}" ]]; then
    exit 0
fi
rm -rf "${target}/libs"
mkdir -p "${target}"
mvn -q -B -Dstyle.color=never -f "${here}/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="${target}/libs" -DincludeScope=runtime
ls "${target}/libs"/kafka_2.13-*.jar >/dev/null
echo "${pom_hash}" > "${target}/.pom-hash"
echo "[kafka] built: $(ls "${target}/libs" | wc -l) jars from Maven Central in ${target}/libs" >&2
