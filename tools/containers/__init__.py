"""The whole bot's images, made on this machine with podman, and the engine that runs them.

No public container registry answers here, so every image docker-compose.yml uses is built
locally (`python -m tools.containers build`): a Debian root file system from Debian's own
packages (debootstrap, cached as a tarball under ~/.cache), stand-ins for the official
Python, Redis and PostgreSQL images on it (the recipes beside this file say which parts of
the official interfaces they keep), our own daprd build in a daprd image, and the five apps
from deploy/docker/Dockerfile with that Python as its base. podman keeps the images and
their layers in its own store, outside the clone, so a second build takes seconds.

`engine()` serves podman's Docker API on a socket of its own, which Docker Compose drives
(`DOCKER_HOST`), as tests/e2e/test_compose.py does.
"""

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from tools.devstack import APPS, CACHE, DAPRD_VERSION, ROOT, find_daprd

HERE = Path(__file__).resolve().parent
OUT = CACHE / "containers"
PREFIX = "localhost/whatsapp-astria-bot"
DEBIAN = f"{PREFIX}/debian:bookworm"
PYTHON = f"{PREFIX}/python:3.11"
REDIS = f"{PREFIX}/redis:7"
POSTGRES = f"{PREFIX}/postgres:15"
DAPRD = f"{PREFIX}/daprd:{DAPRD_VERSION}"
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
# Builds reach the package registries through this machine's trust store, mounted for the
# build only (as behind a corporate proxy); an image never holds it.
TRUST_STORE = Path("/etc/ssl/certs/ca-certificates.crt")
# crun cannot run here (cgroups in hybrid mode), nor can default ulimits be set.
CONTAINERS_CONF = """\
[containers]
default_ulimits = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
"""


def app_image(app: str) -> str:
    return f"{PREFIX}/{app}:latest"


def say(message: str) -> None:
    print(f"[containers] {message}", file=sys.stderr, flush=True)


def environment() -> dict[str, str]:
    """podman's environment: our containers.conf on top of the system's."""
    OUT.mkdir(parents=True, exist_ok=True)
    conf = OUT / "containers.conf"
    if not conf.exists() or conf.read_text() != CONTAINERS_CONF:
        conf.write_text(CONTAINERS_CONF)
    return os.environ | {"CONTAINERS_CONF": str(conf)}


def podman(*args: str, check: bool = True, quiet: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args],
        env=environment(),
        check=check,
        text=True,
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.PIPE if quiet else None,
    )


def exists(image: str) -> bool:
    return podman("image", "exists", image, check=False, quiet=True).returncode == 0


def debian_base() -> None:
    """Debian bookworm's minimal root file system, as an image; the tarball is kept."""
    if exists(DEBIAN):
        return
    tarball = OUT / "debian-bookworm-slim.tar"
    if not tarball.exists():
        started = time.monotonic()
        say("making a Debian bookworm root file system with debootstrap (once; about 30 s)")
        with tempfile.TemporaryDirectory(dir=OUT) as scratch:
            root = Path(scratch) / "root"
            subprocess.run(
                ["debootstrap", "--variant=minbase", "bookworm", str(root), DEBIAN_MIRROR],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            slim(root)
            partial = tarball.with_suffix(".partial")
            subprocess.run(["tar", "-C", str(root), "-cf", str(partial), "."], check=True)
            partial.rename(tarball)
        say(f"root file system made in {time.monotonic() - started:.0f} s")
    podman("import", str(tarball), DEBIAN, quiet=True)


def slim(root: Path) -> None:
    """As the official debian:bookworm-slim image: no apt caches, no documentation."""
    shutil.copy(HERE / "apt-docker-clean", root / "etc/apt/apt.conf.d/docker-clean")
    shutil.copy(HERE / "dpkg-docker", root / "etc/dpkg/dpkg.cfg.d/docker")
    for folder in ("var/lib/apt/lists", "var/cache/apt", "usr/share/man", "usr/share/info"):
        shutil.rmtree(root / folder, ignore_errors=True)
    (root / "var/lib/apt/lists/partial").mkdir(parents=True)
    (root / "var/cache/apt/archives/partial").mkdir(parents=True)


INPUTS_LABEL = "org.whatsapp-astria-bot.inputs"


def image_id(image: str) -> str:
    return podman("image", "inspect", "--format", "{{.Id}}", image, quiet=True).stdout.strip()


def digest(containerfile: Path, inputs: list[Path], args: dict[str, str]) -> str:
    """What an image is made of: its recipe, its build arguments (an image by its id), and
    every file it copies in."""
    h = hashlib.sha256(containerfile.read_bytes())
    for name, value in sorted(args.items()):
        h.update(f"{name}={image_id(value) if value.startswith(PREFIX) else value}\n".encode())
    for path in sorted(inputs):
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts and ".dapr" not in file.parts:
                # By its place in the image's context: the same in any clone.
                h.update(f"{file.relative_to(path.parent)}\n".encode())
                h.update(hashlib.sha256(file.read_bytes()).digest())
    return h.hexdigest()


def build(
    tag: str,
    containerfile: Path,
    context: Path,
    inputs: list[Path],
    *,
    trust: bool = False,
    **args: str,
) -> None:
    """Builds `tag` unless the image there was made of the same inputs. `trust`: the build
    fetches over TLS (pip, uv) and needs this machine's trust store."""
    made_of = digest(containerfile, inputs, args)
    if exists(tag):
        label = podman(
            *("image", "inspect", "--format", f'{{{{index .Labels "{INPUTS_LABEL}"}}}}', tag),
            quiet=True,
        ).stdout.strip()
        if label == made_of:
            return
    command = ["build", "--network", "host", "--tag", tag, "--file", str(containerfile)]
    command += ["--label", f"{INPUTS_LABEL}={made_of}"]
    if trust and TRUST_STORE.exists():
        command += ["--volume", f"{TRUST_STORE}:{TRUST_STORE}:ro"]
    for name, value in args.items():
        command += ["--build-arg", f"{name}={value}"]
    started = time.monotonic()
    built = podman(*command, str(context), quiet=True, check=False)
    if built.returncode:
        raise RuntimeError(f"podman build of {tag} failed:\n{built.stdout}\n{built.stderr}")
    say(f"{tag} built in {time.monotonic() - started:.0f} s")


def app_inputs(app: str) -> list[Path]:
    """What deploy/docker/Dockerfile copies into `app`'s image."""
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE.read_text(), re.MULTILINE)
    return [ROOT / source.replace("${SERVICE}", app) for line in copied for source in line.split()]


def build_all() -> dict[str, str]:
    """Every image docker-compose.yml needs, built or found; the variables naming them. One
    build at a time: a second caller waits for the first, then finds the images made."""
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _build_all()


def _build_all() -> dict[str, str]:
    debian_base()
    for image, recipe, entrypoint in (
        (PYTHON, "python", []),
        (REDIS, "redis", [HERE / "redis-entrypoint.sh"]),
        (POSTGRES, "postgres", [HERE / "postgres-entrypoint.sh"]),
    ):
        build(image, HERE / f"{recipe}.Containerfile", HERE, entrypoint, BASE=DEBIAN)
    daprd = find_daprd(DAPRD_VERSION)
    with tempfile.TemporaryDirectory() as context:
        shutil.copy(daprd, Path(context) / "daprd")
        build(DAPRD, HERE / "daprd.Containerfile", Path(context), [daprd], BASE=DEBIAN)
    for app in APPS:
        build(
            app_image(app),
            DOCKERFILE,
            ROOT,
            app_inputs(app),
            trust=True,
            PYTHON_IMAGE=PYTHON,
            SERVICE=app,
            UV_NATIVE_TLS="true",
        )
    return compose_images()


def compose_images() -> dict[str, str]:
    """docker-compose.yml's image variables, pointed at the images built here."""
    return {
        "PYTHON_IMAGE": PYTHON,
        "REDIS_IMAGE": REDIS,
        "POSTGRES_IMAGE": POSTGRES,
        "DAPRD_IMAGE": DAPRD,
        "APP_IMAGE_PREFIX": PREFIX,
    }


def image_size(image: str) -> int:
    found = podman("image", "inspect", "--format", "{{.Size}}", image, quiet=True)
    return int(found.stdout.strip())


class HealthTimer(threading.Thread):
    """podman runs its containers' health checks from systemd timers; where systemd is not
    the init (as on our machines) nothing does, a container stays "starting" and Compose's
    `condition: service_healthy` waits forever. This plays the timers: a container is
    checked every 2 s until healthy, then every 30 s."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stopping = threading.Event()

    def run(self) -> None:
        due: dict[str, float] = {}
        while not self.stopping.wait(1):
            listed = podman(
                *("ps", "--format", "{{.ID}} {{.Status}}"),
                *("--filter", "health=starting", "--filter", "health=healthy"),
                *("--filter", "health=unhealthy"),
                check=False,
                quiet=True,
            ).stdout
            for line in listed.splitlines():
                container, status = line.split(" ", 1)
                if time.monotonic() >= due.get(container, 0):
                    podman("healthcheck", "run", container, check=False, quiet=True)
                    healthy = "(healthy)" in status
                    due[container] = time.monotonic() + (30 if healthy else 2)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=30)


@contextlib.contextmanager
def engine() -> Iterator[str]:
    """podman's Docker API on a socket of our own, and its health checks run, for as long
    as it is needed: the DOCKER_HOST to give Docker Compose."""
    with tempfile.TemporaryDirectory(prefix="podman-") as folder:
        socket = Path(folder) / "podman.sock"
        service = subprocess.Popen(
            ["podman", "system", "service", "--time=0", f"unix://{socket}"],
            env=environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            while not socket.exists():
                if service.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("podman's API service did not start")
                time.sleep(0.1)
            timer = HealthTimer()
            timer.start()
            try:
                yield f"unix://{socket}"
            finally:
                timer.stop()
        finally:
            service.terminate()
            service.wait(timeout=30)
