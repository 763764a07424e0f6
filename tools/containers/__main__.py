"""`python -m tools.containers build`: every image docker-compose.yml needs, made here."""

import sys

from tools.containers import build_all

if sys.argv[1:] != ["build"]:
    raise SystemExit("usage: python -m tools.containers build")
for name, image in build_all().items():
    print(f"{name}={image}")
