"""Every problem type the API can answer with is registered, documented at its URI, and in the schema."""

import ast
from html import escape
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.test import Client

from vrm.errors import DomainError
from vrm.problems import PROBLEM_TYPES, problem_uri
from vrm.settings import BASE_DIR

PROBLEM_FUNCTIONS = {"problem", "problem_body", "problem_response", "problem_uri"}
SOURCE_DIRS = ["vrm", "consents", "vendors", "audit"]


def slugs_named_in_source():
    """(file, slug) for every problem type the code names: `problem_type = "..."` in a class, and the slug
    argument of the problem helpers. A new type written anywhere shows up here."""
    found = []
    for folder in SOURCE_DIRS:
        for path in (BASE_DIR / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "problem_type" for t in node.targets):
                    if isinstance(node.value, ast.Constant):
                        found.append((path.name, node.value.value))
                elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in PROBLEM_FUNCTIONS:
                    slug = next((a for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)), None)
                    if slug is not None:
                        found.append((path.name, slug.value))
    return found


def all_subclasses(cls):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from all_subclasses(subclass)


def test_every_problem_type_the_code_names_is_registered():
    named = slugs_named_in_source()

    assert len({slug for _, slug in named}) >= 10  # the scan finds the code's types, not nothing
    assert [(where, slug) for where, slug in named if slug not in PROBLEM_TYPES] == []


def test_every_domain_error_names_a_registered_problem_type():
    apps.get_app_configs()  # every app's modules, hence every domain error, are imported by now
    errors = list(all_subclasses(DomainError))

    assert len(errors) >= 10
    assert [error.__name__ for error in errors if error.problem_type not in PROBLEM_TYPES] == []


@pytest.mark.parametrize("slug", sorted(PROBLEM_TYPES))
def test_each_problem_type_is_documented_at_its_uri(client, slug):
    problem = PROBLEM_TYPES[slug]

    page = client.get(urlsplit(problem.uri).path)

    assert problem.uri == problem_uri(slug) and "/api/problems/" in problem.uri
    assert len(problem.description) >= 60 and 400 <= problem.status < 600 and problem.title
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    text = page.content.decode()
    assert escape(problem.title) in text and escape(problem.description) in text


def test_the_index_lists_every_problem_type_with_an_anchor(client):
    text = client.get("/api/problems/").content.decode()

    assert all(f'id="{slug}"' in text for slug in PROBLEM_TYPES)


def test_an_unknown_problem_type_is_a_404(client):
    assert client.get("/api/problems/no-such-type").status_code == 404


def test_the_schema_enumerates_every_problem_type(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    enum = schema["components"]["schemas"]["Problem"]["properties"]["type"]["enum"]

    assert sorted(enum) == sorted(problem.uri for problem in PROBLEM_TYPES.values())


@pytest.mark.django_db
def test_malformed_json_and_invalid_fields_are_different_problem_types():
    client = Client()

    malformed = client.post("/api/v1/receipts/verify", '{"receipt": ', content_type="application/json")
    invalid = client.post("/api/v1/receipts/verify", {"receipt": ""}, content_type="application/json")

    assert (malformed.status_code, malformed.json()["type"]) == (400, problem_uri("malformed-body"))
    assert (invalid.status_code, invalid.json()["type"]) == (400, problem_uri("invalid-request"))
    assert "receipt" in invalid.json()["errors"] and "errors" not in malformed.json()
