#!/usr/bin/env bash
# Real photographs for the face check's tests: the ones scikit-image's wheel carries
# (astronaut: one woman; chelsea: a cat; coffee and camera). scikit-image can't join the
# locked environment (checkov pins networkx below what it needs), so its wheel is fetched
# from PyPI once and only those pictures are kept, in ~/.cache. tests/photographs.py reads them.
set -euo pipefail
SCIKIT_IMAGE_VERSION=0.26.0
target="${XDG_CACHE_HOME:-${HOME}/.cache}/whatsapp-astria-bot/photographs/scikit-image-${SCIKIT_IMAGE_VERSION}"
pictures=(astronaut chelsea coffee camera)
[[ -s "${target}/camera.png" ]] && exit 0
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
# pip run by uv in a throwaway environment: the project's .venv (first on make's PATH) has no pip.
${UV:-uv} tool run --quiet --from "pip>=24,<27" pip download -q --no-deps --only-binary=:all: \
    "scikit-image==${SCIKIT_IMAGE_VERSION}" -d "${work}"
mkdir -p "${target}"
python3 - "${work}" "${target}" "${pictures[@]}" <<'PY'
import sys, zipfile
from pathlib import Path

work, target, names = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
wheel = zipfile.ZipFile(next(work.glob("scikit_image-*.whl")))
for name in names:
    (target / f"{name}.png").write_bytes(wheel.read(f"skimage/data/{name}.png"))
PY
echo "[photographs] built: scikit-image ${SCIKIT_IMAGE_VERSION}'s photographs from PyPI in ${target}" >&2
