import pytest
from django.core.management import call_command
from django.urls import reverse

from facilities.models import Program
from groups.models import Group, GroupKind, GroupReview, McsTask, Membership, ReviewCampaign

pytestmark = pytest.mark.django_db


def _counts():
    return tuple(model.objects.count() for model in (Group, Membership, McsTask, ReviewCampaign, GroupReview))


def test_demo_groups_are_seeded_once_through_the_services(capsys):
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first and first[0] >= 5
    for program in Program.objects.all():
        group = Group.objects.get(program=program, kind=GroupKind.PATIENT)
        assert group.memberships.open().count() >= 3
        assert ReviewCampaign.objects.filter(program=program).count() == 1
        policy = program.policy
        assert group.memberships.filter(is_association_admin=True).exists() == policy.association_admin_in_group
        assert Group.objects.filter(program=program, kind=GroupKind.FREE).exists() == policy.free_groups_allowed
        notice_group = Group.objects.filter(program=program, kind=GroupKind.ADMIN_NOTICE).first()
        assert (notice_group is not None) == policy.admin_notice_group
        if notice_group is not None:
            assert notice_group.memberships.open().count() >= 2  # who runs it, and the administrators
    assert "デモの定期精査" in capsys.readouterr().out


@pytest.mark.parametrize("model", ["group", "membership", "mcstask", "associationadmin", "reviewcampaign",
                                   "groupreview", "memberdecision"])
def test_every_model_is_in_the_admin_with_its_history(client, world, model):
    client.force_login(world.superuser)
    assert client.get(reverse(f"admin:groups_{model}_changelist")).status_code == 200
