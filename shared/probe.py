"""`python -m shared.probe`: the container's health check. Exits 0 when the app on $PORT is
ready (GET /ready: the app, its database and its sidecar answer), 1 otherwise.

A module rather than `python -c "…"`: a health check's arguments then hold no spaces, which
podman's Docker API splits (podman 4.3)."""

import os
import sys
import urllib.request


def main() -> int:
    url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/ready"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return 0 if response.status == 200 else 1
    except OSError as exc:
        sys.stderr.write(f"not ready: {exc}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
