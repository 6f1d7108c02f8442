"""What the login page shows from apps above accounts, without accounts importing them."""

from core.hooks import Hook

public_programs = Hook("public_programs", args=())
"""Receiver: facilities.apps (facilities.models.Program.objects.public_list), the active programs as
[(name, slug)], for the login page's 「施設の利用申込」 links to each program's public application
form (an applicant who lands on the login page finds the form from there)."""
