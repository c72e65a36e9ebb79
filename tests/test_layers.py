"""The import contracts in .importlinter (README "Layout"): apps import only the layers below them, and no two
modules of a package import each other, directly or through others."""

import configparser
import shutil
import subprocess
import sys

from importlinter.cli import lint_imports

from vrm.settings import BASE_DIR

# The packages the contracts cover, as .importlinter names them (so a new app there is copied too).
_config = configparser.ConfigParser()
_config.read(BASE_DIR / ".importlinter")
PACKAGES = tuple(_config["importlinter"]["root_packages"].split())


def run_lint_imports(root):
    return subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; lint_imports_command()",
         "--config", str(root / ".importlinter"), "--no-cache"],
        cwd=root, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
    )


def copy_of_the_code(root):
    for package in PACKAGES:
        shutil.copytree(BASE_DIR / package, root / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(BASE_DIR / ".importlinter", root / ".importlinter")
    return root


def test_the_code_keeps_the_import_contracts():
    assert lint_imports(config_filename=str(BASE_DIR / ".importlinter"), no_cache=True) == 0


def test_an_upward_import_breaks_the_layers_contract(tmp_path):
    copy_of_the_code(tmp_path)
    with open(tmp_path / "vrm" / "crypto.py", "a") as module:
        module.write("\nfrom consents import grants  # noqa\n")

    result = run_lint_imports(tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "vrm is not allowed to import consents" in result.stdout
    assert "vrm.crypto -> consents.grants" in result.stdout


def test_a_cycle_between_two_modules_breaks_the_siblings_contract(tmp_path):
    copy_of_the_code(tmp_path)
    with open(tmp_path / "audit" / "chain.py", "a") as module:
        module.write("\n\ndef late():\n    from audit import log  # noqa\n")

    result = run_lint_imports(tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "No cycles are allowed in audit" in result.stdout
