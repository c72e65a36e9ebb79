import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from audit import log as audit_log
from people.export import export_for_person
from tests.factories import PersonFactory, make_grant
from vrm import vault

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    person = PersonFactory(username="ada")
    vault.update_profile(person, category="identity", values={"given_name": "Ada"})
    shoe = vault.add_custom_attribute(person, category="preferences", label="Shoe size", type="text")
    vault.update_profile(person, category="preferences", values={shoe.key: "38"})
    grant = make_grant(person, vendor_name="Outfitters", scopes=["identity:read", "purchases:write"])
    with transaction.atomic():
        audit_log.record_grant_event(grant, "created", actor=person)
        audit_log.record_access(grant, action="read", fields=["identity.given_name"], outcome="ok")
    vault.add_record(
        person, category="purchases", data={"item": "boots"}, written_by_grant=grant,
        retain_until=timezone.now() + timedelta(days=10),
    )
    return person


def test_the_export_holds_profile_custom_attributes_records_grants_receipts_and_history(person):
    document = export_for_person(person)

    assert document["account"]["username"] == "ada"
    assert document["profile"]["identity"] == {
        "given_name": {"label": "Given name", "type": "text", "custom": False, "value": "Ada"}
    }
    assert document["profile"]["preferences"]["custom_shoe_size"]["value"] == "38"
    assert [a["label"] for a in document["custom_attributes"]] == ["Shoe size"]
    assert [r["data"] for r in document["records"]["purchases"]] == [{"item": "boots"}]
    [grant] = document["grants"]
    assert grant["vendor"] == "Outfitters" and grant["scopes"] == ["identity:read", "purchases:write"]
    assert len(grant["receipts"]) == 1 and grant["receipts"][0]["jws"]
    assert [(e["kind"], e["event"]) for e in document["access_history"]] == [("access", "read"), ("grant", "created")]


def test_the_download_is_one_json_attachment(client, person):
    client.force_login(person)

    response = client.get("/profile/export.json")

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="vrm-export-ada-')
    assert json.loads(response.content)["profile"]["identity"]["given_name"]["value"] == "Ada"


def test_the_readable_page_shows_the_same(client, person):
    client.force_login(person)

    page = client.get("/profile/export/").content.decode()

    assert "Ada" in page and "Shoe size" in page and "boots" in page and "Outfitters" in page
    assert "Access history" in page and "Outfitters read</td><td>Given name" in page
    assert "identity.given_name" not in page  # field keys are shown in the words of the profile


def test_another_person_sees_only_their_own_export(client, person):
    other = PersonFactory()
    client.force_login(other)

    document = json.loads(client.get("/profile/export.json").content)

    assert document["profile"]["identity"] == {} and document["grants"] == [] and document["access_history"] == []
