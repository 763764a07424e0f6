#!/usr/bin/env bash
# The reference AsyncAPI parser (@asyncapi/parser, locked in package-lock.json) under
# ~/.cache, installed again only when the lock changes; validate.mjs runs from there.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="${HOME}/.cache/whatsapp-astria-bot/asyncapi"
mkdir -p "${target}"
cp "${here}/validate.mjs" "${target}/"
lock_hash=$(sha256sum "${here}/package-lock.json" | cut -d' ' -f1)
if [[ -d "${target}/node_modules/@asyncapi/parser" && "$(cat "${target}/.lock-hash" 2>/dev/null)" == "${lock_hash}" ]]; then
    exit 0
fi
cp "${here}/package.json" "${here}/package-lock.json" "${target}/"
(cd "${target}" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
echo "${lock_hash}" > "${target}/.lock-hash"
echo "[asyncapi] built: @asyncapi/parser in ${target}" >&2
