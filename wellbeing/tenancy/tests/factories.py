import factory
from factory.django import DjangoModelFactory

from wellbeing.accounts.models import User
from wellbeing.tenancy.models import Membership, Organisation, Role, School, StaffMember


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password("correct horse battery")


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Learning Trust {n}")
    slug = factory.Sequence(lambda n: f"trust-{n}")


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"School {n}")
    phase = School.Phase.PRIMARY
    staff_count = 40


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.STAFF


class StaffMemberFactory(DjangoModelFactory):
    class Meta:
        model = StaffMember

    email = factory.Sequence(lambda n: f"staff{n}@example.org")
    name = factory.Faker("name", locale="en_GB")
    job_category = StaffMember.JobCategory.TEACHER
    contract = StaffMember.Contract.FULL_TIME
    fte = 1
    start_year = 2015
