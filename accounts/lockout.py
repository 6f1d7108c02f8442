"""The 5-failure lock holds when the tries arrive all at once (AXES_HANDLER).

django-axes checks the lock, then the password, and only then records the failure: twelve
wrong passwords sent together all passed the check while the count was still 0, and ten were
evaluated. This handler counts each try *before* its password is checked, under a lock on the
account, so the sixth of any number of simultaneous tries already finds five and is refused
without being evaluated. When the password turns out wrong, the advance is taken back and axes
records the failure as usual, both under the same lock, so nobody sees the count dip; a
success clears the count (AXES_RESET_ON_SUCCESS); a try that ends otherwise stays counted.

The lock on the account: on PostgreSQL a transaction-level advisory lock on the address, so
logins to other accounts do not wait; on SQLite the transaction itself, which takes the
database's write lock when it begins (OPTIONS transaction_mode IMMEDIATE in config/settings.py).
Either way it is held for a few statements, never while a password is hashed.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.db import connections, router, transaction
from django.db.models import F

ADVISORY_NAMESPACE = 0x4C4F  # "LO": our advisory locks, apart from anyone else's on the server
COUNTED = "accounts_try_counted_in_advance"  # set on the request between the two halves


def _lock_account(using, username):
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [ADVISORY_NAMESPACE, username])
    # SQLite: BEGIN IMMEDIATE already holds the only write lock there is.


class AccountLockoutHandler(AxesDatabaseHandler):
    def is_allowed(self, request, credentials=None):
        if not super().is_allowed(request, credentials):  # already locked: no need to queue
            return False
        username = get_client_username(request, credentials)
        if username is None or self.is_whitelisted(request, credentials):
            return True
        using = router.db_for_write(AccessAttempt)
        with transaction.atomic(using=using):
            _lock_account(using, username)
            self.clean_expired_user_attempts(request, credentials)
            if self.is_locked(request, credentials):
                return False
            self._count(request, username, +1)
        setattr(request, COUNTED, True)
        return True

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        if request is None or not getattr(request, COUNTED, False):
            return super().user_login_failed(sender, credentials, request, **kwargs)
        setattr(request, COUNTED, False)
        username = get_client_username(request, credentials)
        using = router.db_for_write(AccessAttempt)
        with transaction.atomic(using=using):
            _lock_account(using, username)
            self._count(request, username, -1)
            return super().user_login_failed(sender, credentials, request, **kwargs)

    def _count(self, request, username, step):
        """Moves this client's row of the account by one; axes sums the rows of the account."""
        key = {"username": username, "ip_address": request.axes_ip_address, "user_agent": request.axes_user_agent}
        updated = AccessAttempt.objects.filter(**key).update(
            failures_since_start=F("failures_since_start") + step, attempt_time=request.axes_attempt_time
        )
        if not updated and step > 0:
            AccessAttempt.objects.create(
                **key, failures_since_start=step, attempt_time=request.axes_attempt_time,
                get_data="", post_data="", http_accept=request.axes_http_accept, path_info=request.axes_path_info,
            )
