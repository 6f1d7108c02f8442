"""The 「グループを作る」 form sent twice (a double tap, a retry, Back and send again) makes one group
and one MCS task; tasks name the group by number, so two groups of one patient can be told apart."""

import pytest
from django.urls import reverse

from groups import services
from groups.models import Group, GroupKind, McsTask, TaskKind
from tests.groups.helpers import made_earlier
from tests.helpers import variants

pytestmark = pytest.mark.django_db
REPEATED = "二重には記録していません"


def test_the_create_form_sent_twice_makes_one_group_and_one_task(client, site):
    client.force_login(site.creator)
    url = reverse("groups:group-create", args=[site.program.slug])
    data = {"kind": "patient", "patient": site.patient.pk, "leader": site.leader.pk}
    first = client.post(url, data)
    client.get(first.url)  # the first answer, read
    second = client.post(url, data, follow=True)
    [group] = Group.objects.filter(patient=site.patient)
    assert first.status_code == 302 and first.url == reverse("groups:group-detail", args=[group.pk])
    assert second.redirect_chain[-1][0] == first.url
    said = " ".join(str(m) for m in second.context["messages"])
    assert REPEATED in said and site.creator.full_name in said and f"グループ番号{group.pk}" in said, said
    assert "登録しました" not in said  # the first answer is not said again as if new
    assert McsTask.objects.filter(group=group, kind=TaskKind.CREATE).count() == 1


@pytest.mark.parametrize("variant", variants(lambda p: not p.one_group_per_patient))
def test_a_second_group_for_the_patient_later_is_a_new_group_with_its_own_number(site):
    first = made_earlier(site.group())
    second = site.group()
    assert second.pk != first.pk and not getattr(second, "repeated", False)
    titles = {t.title for t in McsTask.objects.filter(kind=TaskKind.CREATE, group__patient=site.patient)}
    name = f"{site.patient.full_name}さんのグループ"
    assert titles == {f"MCSで「{name}」（グループ番号{g.pk}）を作成する" for g in (first, second)}


def test_another_patient_is_not_a_repeat(site):
    first = site.group()
    other = site.group(patient=site.patient_like())
    assert other.pk != first.pk and not getattr(other, "repeated", False)


@pytest.mark.parametrize("variant", variants(free_groups_allowed=True))
def test_a_free_group_sent_twice_is_one_but_another_name_is_another(site):
    def free(title):
        return services.group_create(program=site.program, by=site.coordinator, kind=GroupKind.FREE,
                                     leader=site.leader, title=title, origin_facility=site.clinic)

    first = free("多職種連絡会")
    again = free("多職種連絡会")
    assert again.pk == first.pk and again.repeated
    assert free("研修の連絡").pk != first.pk
    assert McsTask.objects.filter(kind=TaskKind.CREATE, group__kind=GroupKind.FREE).count() == 2
