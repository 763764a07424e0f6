#!/usr/bin/env bash
# Stripe's own API mock, github.com/stripe/stripe-mock: a server that validates every
# request against Stripe's OpenAPI specification and answers with its fixtures. Built
# once from the Go module proxy into ~/.cache/whatsapp-astria-bot/stripe-mock with the
# specification it embeds beside it; tests/contract/test_stripe_reference.py drives the
# payment service's Stripe adapter against it and checks the sandbox's fake by the spec.
set -euo pipefail
STRIPE_MOCK_VERSION="0.203.0"   # the newest the proxy serves; Stripe API 2026-08-26.dahlia

OUT="${XDG_CACHE_HOME:-${HOME}/.cache}/whatsapp-astria-bot/stripe-mock"
target="${OUT}/${STRIPE_MOCK_VERSION}"
say() { printf '[stripe-mock] %s\n' "$*" >&2; }

if [[ ! -x "${target}/stripe-mock" || ! -s "${target}/spec3.json" ]]; then
    command -v go >/dev/null || { say "Go is needed to build stripe-mock"; exit 1; }
    started=${SECONDS}
    say "building stripe-mock ${STRIPE_MOCK_VERSION} from the Go module proxy (once; about 20 s)"
    mkdir -p "${target}"
    CGO_ENABLED=0 GOBIN="${target}" go install -trimpath -ldflags "-s -w" \
        "github.com/stripe/stripe-mock@v${STRIPE_MOCK_VERSION}"
    module="$(go env GOMODCACHE)/github.com/stripe/stripe-mock@v${STRIPE_MOCK_VERSION}"
    cp "${module}/embedded/openapi/spec3.json" "${module}/LICENSE" "${target}/"
    chmod u+w "${target}"/*
    say "built stripe-mock in $((SECONDS - started))s"
fi
ln -sfn "${target}" "${OUT}/current"
