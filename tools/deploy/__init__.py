"""The deployment tools tools/deploy/install.sh builds: kustomize and Docker Compose."""

from pathlib import Path

from tools.devstack import CACHE


def deploy_tool(name: str) -> Path:
    tool = CACHE / "deploy-tools" / name
    assert tool.exists(), f"{tool} is missing: run `make setup` (tools/deploy/install.sh)"
    return tool
