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
