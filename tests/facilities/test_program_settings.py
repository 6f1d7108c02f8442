"""The secretariat's program settings page (issue 13): what it changes, how it refuses bad input,
and the history it shows. Its rungs are in tests/facilities/walk.py."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from facilities import services
from facilities.forms import ProgramSettingsForm
from tests.conftest import make_world
from tests.factories import FacilityFactory

pytestmark = pytest.mark.django_db


def url(program):
    return reverse("facilities:program-settings", args=[program.slug])


def form_data(program, **changes):
    form = ProgramSettingsForm(instance=program)
    data = {name: form[name].value() for name in form.fields}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}  # an unticked box is not posted


@pytest.fixture
def mw(db):
    return make_world(variant_a="musashimurayama")


def test_lists_are_typed_one_a_line_and_normalised(client, mw):
    program = mw.program_a
    client.force_login(mw.secretariat_a)
    data = form_data(
        program, area_municipalities="武蔵村山市\n\n 東大和市 \n武蔵村山市", area_postal_prefixes="２０８\n207-00\n",
        review_interval_days="90", secretariat_email="office@example.jp",
    )
    response = client.post(url(program), data)
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.area_municipalities == ["武蔵村山市", "東大和市"]
    assert program.area_postal_prefixes == ["208", "20700"]
    assert program.review_interval_days == 90
    assert program.secretariat_email == "office@example.jp"
    assert program.is_in_area(postal_code="208-0004")
    # Shown back one a line.
    body = client.get(url(program)).content.decode()
    assert "武蔵村山市\n東大和市</textarea>" in body


@pytest.mark.parametrize(("field", "value", "message"), [
    ("area_postal_prefixes", "208\nabc", "「abc」は使えません"),
    ("area_postal_prefixes", "20800001", "長すぎます"),
    ("review_interval_days", "0", "7 以上"),
    ("secretariat_email", "not-an-address", "有効なメールアドレス"),
    ("name", "", "このフィールドは必須です"),
])
def test_bad_input_is_refused_in_japanese_and_nothing_changes(client, mw, field, value, message):
    program = mw.program_a
    before = (program.name, program.area_postal_prefixes, program.review_interval_days, program.history.count())
    client.force_login(mw.secretariat_a)
    response = client.post(url(program), form_data(program, **{field: value, "secretariat_name": "変えたい名前"}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "変えたい名前" in response.content.decode()  # what was typed is kept
    program.refresh_from_db()
    assert (program.name, program.area_postal_prefixes, program.review_interval_days,
            program.history.count()) == before
    assert program.secretariat_name != "変えたい名前"


def test_each_change_is_in_the_history_with_who_and_what(client, mw):
    program = mw.program_a
    services.program_settings_update(program=program, by=mw.secretariat_a, review_interval_days=120)
    services.program_settings_update(program=program, by=mw.superuser, area_municipalities=["武蔵村山市", "立川市"])
    client.force_login(mw.secretariat_a)
    body = client.get(url(program)).content.decode()
    history = body[body.index("変更の履歴"):]
    assert "メンバー定期精査の間隔（日）" in history and "→ <strong>120</strong>" in history
    assert "武蔵村山市、立川市</strong>" in history
    assert mw.secretariat_a.full_name in history and mw.superuser.full_name in history
    # Newest first.
    assert history.index("立川市") < history.index("→ <strong>120</strong>")


def test_the_contact_posted_with_crlf_is_not_a_change(client, mw):
    """A textarea posts \r\n: changing only the interval logs only the interval."""
    program = mw.program_a
    services.program_settings_update(program=program, by=mw.secretariat_a, secretariat_contact="〒208-0004\nTEL 042")
    client.force_login(mw.secretariat_a)
    data = form_data(program, secretariat_contact="〒208-0004\r\nTEL 042", review_interval_days="120")
    assert client.post(url(program), data).status_code == 302
    program.refresh_from_db()
    assert program.secretariat_contact == "〒208-0004\nTEL 042" and program.review_interval_days == 120
    history = client.get(url(program)).content.decode().split("変更の履歴")[1]
    assert "→ <strong>120</strong>" in history and history.count("事務局連絡先") == 1  # only its first setting
    assert services.program_settings_update(
        program=program, by=mw.secretariat_a, secretariat_contact="〒208-0004\r\nTEL 042") == []


def test_a_contact_stored_with_crlf_before_shows_no_phantom_change(client, mw):
    from facilities.models import Program

    program = mw.program_a
    Program.objects.filter(pk=program.pk).update(secretariat_contact="〒208-0004\r\nTEL 042")  # an older save
    program.refresh_from_db()
    program.save()  # a history row holding the \r\n text
    services.program_settings_update(program=program, by=mw.secretariat_a, secretariat_contact="〒208-0004\nTEL 042",
                                     review_interval_days=150)
    client.force_login(mw.secretariat_a)
    history = client.get(url(program)).content.decode().split("変更の履歴")[1]
    assert "→ <strong>150</strong>" in history
    assert history.count("事務局連絡先") == 1  # the older save itself, not the line endings of the newer


def test_saving_nothing_new_adds_no_history(mw):
    program = mw.program_a
    count = program.history.count()
    assert services.program_settings_update(program=program, by=mw.secretariat_a, name=program.name) == []
    assert program.history.count() == count


def test_the_variant_and_code_are_not_settings(mw):
    for field in ("variant", "slug", "code", "is_active"):
        with pytest.raises(TypeError):
            services.program_settings_update(program=mw.program_a, by=mw.secretariat_a, **{field: "x"})
    assert "variant" not in ProgramSettingsForm(instance=mw.program_a).fields


def test_the_service_validates_as_the_form_does(mw):
    with pytest.raises(ValidationError) as raised:
        services.program_settings_update(program=mw.program_a, by=mw.secretariat_a, area_postal_prefixes=["20a"])
    assert "area_postal_prefixes" in raised.value.error_dict


def test_the_public_list_hides_phones_when_the_network_says_so(client, mw):
    program = mw.program_a  # musashimurayama publishes its list (第26条)
    FacilityFactory(program=program, phone="042-555-0101")
    public = reverse("enrollment:public-facilities", args=[program.slug])
    assert "042-555-0101" in client.get(public).content.decode()
    services.program_settings_update(program=program, by=mw.secretariat_a, public_list_shows_phone=False)
    body = client.get(public).content.decode()
    assert "042-555-0101" not in body and "電話番号" not in body


def test_the_phone_choice_is_offered_only_where_a_list_is_published(db):
    world = make_world(variant_a="kumagaya")  # publishes no list
    assert "public_list_shows_phone" not in ProgramSettingsForm(instance=world.program_a).fields
    with pytest.raises(TypeError):
        services.program_settings_update(program=world.program_a, by=world.secretariat_a, public_list_shows_phone=False)


def test_the_settings_page_query_count_does_not_grow_with_history(client, mw, django_assert_max_num_queries):
    program = mw.program_a
    client.force_login(mw.secretariat_a)
    services.program_settings_update(program=program, by=mw.secretariat_a, review_interval_days=100)
    with django_assert_max_num_queries(20) as few:
        client.get(url(program))
    for days in range(101, 141):
        services.program_settings_update(program=program, by=mw.secretariat_a, review_interval_days=days)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(url(program)).content.decode()
    assert "→ <strong>140</strong>" in body

