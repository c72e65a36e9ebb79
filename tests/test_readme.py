"""README "Environment" is the operator's list of settings: every variable vrm/settings.py reads from the
environment has a row, and every row names a variable it reads."""

import ast
import re

from vrm.settings import BASE_DIR

READERS = {"envbool", "envint", "envlist", "local_secret"}


def variables_read_by_settings():
    """Names passed to os.environ.get / os.environ[...] / the env* helpers in vrm/settings.py."""
    names = set()
    for node in ast.walk(ast.parse((BASE_DIR / "vrm" / "settings.py").read_text())):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            if (isinstance(func, ast.Name) and func.id in READERS) or (
                isinstance(func, ast.Attribute) and func.attr == "get" and ast.unparse(func.value) == "os.environ"
            ):
                names.add(node.args[0].value)
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            if isinstance(node.slice, ast.Constant):
                names.add(node.slice.value)
    return names


def environment_table_rows():
    """The first cell of each row of the table under "## Environment", split into its `NAME`s."""
    section = (BASE_DIR / "README.md").read_text().split("\n## Environment\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [re.findall(r"`([A-Z0-9_]+)`", row.split("|")[1]) for row in rows]


def test_every_setting_read_from_the_environment_is_in_the_readme_table_once():
    documented = [name for row in environment_table_rows() for name in row]

    assert sorted(variables_read_by_settings() - set(documented)) == []
    assert sorted({name for name in documented if documented.count(name) > 1}) == []


def test_the_readme_table_names_no_setting_that_is_not_read():
    documented = {name for row in environment_table_rows() for name in row}

    assert sorted(documented - variables_read_by_settings()) == []


def test_the_settings_parser_finds_each_kind_of_read():
    found = variables_read_by_settings()

    # One of each: os.environ.get, envbool, envint, envlist, local_secret.
    assert {"DATABASE_URL", "DEBUG", "SESSION_IDLE_SECONDS", "ALLOWED_HOSTS", "SECRET_KEY"} <= found
