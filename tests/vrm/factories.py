import factory

from vrm.models import User


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda person: f"{person.username}@example.org")
    role = User.Role.PERSON
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery 9")

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


PASSWORD = "correct horse battery 9"


def make_grant(person, *, vendor_name="Outfitters", scopes=("contact:read",), status="active", now=None, days=30):
    """A consent grant of `person` to a new vendor client, written directly (no OAuth dance needed here)."""
    from datetime import timedelta

    from django.utils import timezone

    from consents.models import Grant
    from vendors.models import OAuthClient, Vendor

    now = now or timezone.now()
    vendor = Vendor.objects.create(name=vendor_name)
    client = OAuthClient.objects.create(
        name=f"{vendor_name} shop",
        vendor=vendor,
        client_type=OAuthClient.CLIENT_CONFIDENTIAL,
        authorization_grant_type=OAuthClient.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://shop.example/callback",
    )
    return Grant.objects.create(
        person=person,
        client=client,
        requested_scopes=list(scopes),
        scopes=list(scopes),
        purpose=Grant.Purpose.DELIVERY,
        purpose_text="Delivering your orders",
        starts_at=now - timedelta(days=1),
        expires_at=now + timedelta(days=days),
        retention=timedelta(days=30),
        status=status,
    )
