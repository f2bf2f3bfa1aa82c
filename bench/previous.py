"""Install the previous release of Opportune into .bench/previous, for ``make bench``'s
release comparison (``make bench-previous``).

The previous release is the newest git tag older than HEAD (a tag reachable from HEAD that
does not point at HEAD itself), or ``--ref REF`` (any tag, branch or commit, e.g. ``HEAD`` to
try the comparison against this very commit). Its tree is exported with ``git archive`` into
a temporary folder and installed (not editable) with pip into a fresh virtualenv at
.bench/previous, whose RELEASE file names what was installed. bench/all.py then runs
bench/release_compare.py with .bench/previous/bin/python too. With no tag yet it says so and
installs nothing: ``make bench`` then reports "no previous release installed".
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = REPO / ".bench" / "previous"


def git(*args: str) -> str:
    """A git command's output in the repository."""
    return subprocess.run(  # noqa: S603
        ["git", *args],  # noqa: S607
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def newest_older_tag() -> str | None:
    """The newest tag reachable from HEAD that does not point at HEAD."""
    at_head = set(git("tag", "--points-at", "HEAD").split())
    merged = git("tag", "--merged", "HEAD", "--sort=-creatordate").split()
    return next((tag for tag in merged if tag not in at_head), None)


def install(ref: str) -> None:
    """Export ``ref`` and pip-install it into a fresh virtualenv at .bench/previous."""
    commit = git("rev-parse", "--short", f"{ref}^{{commit}}")
    archive = subprocess.run(  # noqa: S603
        ["git", "archive", "--format=tar", ref],  # noqa: S607
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "opportune"
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(source, filter="data")
        shutil.rmtree(TARGET, ignore_errors=True)
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(TARGET)], check=True)  # noqa: S603
        python = TARGET / "bin" / "python"
        subprocess.run(  # noqa: S603
            [str(python), "-m", "pip", "install", "-q", str(source)], check=True
        )
    version = subprocess.run(  # noqa: S603
        [str(python), "-c", "import opportune; print(opportune.__version__)"],
        capture_output=True, text=True, check=True, cwd=tempfile.gettempdir(),
    ).stdout.strip()  # fmt: skip
    label = f"{ref} (commit {commit}, opportune {version})"
    (TARGET / "RELEASE").write_text(label + "\n", encoding="utf-8")
    print(f"Installed {label} into {TARGET.relative_to(REPO)}; `make bench` compares with it.")


def main() -> int:
    """Find the release and install it, or say there is none."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", help="install this tag, branch or commit instead")
    args = parser.parse_args()
    ref = args.ref or newest_older_tag()
    if ref is None:
        print("No previous release: the repository has no git tag older than HEAD yet, so "
              "there is nothing to install. `make bench` will report \"no previous release "
              "installed\". (Tag a release, or try the comparison with "
              "`make bench-previous REF=HEAD`.)")  # fmt: skip
        return 0
    install(ref)
    return 0


if __name__ == "__main__":
    sys.exit(main())
