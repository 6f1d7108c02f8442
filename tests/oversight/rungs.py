"""One walk up the rungs of a view for the oversight tests: anonymous to the login page, outsiders
404, wrong role 403, GET on a POST-only URL 405, the allowed user gets `status`."""

from django.urls import reverse


def climb(client, url, *, method="get", not_found=(), forbidden=(), allowed, status=200):
    send = getattr(client, method)
    answer = send(url)
    assert answer.status_code == 302 and answer.url.startswith(reverse("accounts:login"))
    for user in not_found:
        client.force_login(user)
        assert send(url).status_code == 404, user
    for user in forbidden:
        client.force_login(user)
        assert send(url).status_code == 403, user
    client.force_login(allowed)
    if method == "post":
        assert client.get(url).status_code == 405
    assert send(url).status_code == status
