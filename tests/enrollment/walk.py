from tests.enrollment.factories import ApplicationFactory

PROVIDERS = {
    "application_pk": lambda w: ApplicationFactory(program=w.program_b).pk,
    "access_token": lambda w: ApplicationFactory(program=w.program_b).access_token,
}

PUBLIC = {
    "enrollment:apply": "the public application form (applicants have no account)",
    "enrollment:postal": "postal code to address for the public form",
    "enrollment:public-facilities": "participating facilities, published where the policy says so",
    "enrollment:blank-application-pdf": "the blank paper application form",
    "enrollment:blank-pledge-pdf": "the blank paper facility pledge",
    "enrollment:follow": "the applicant's private page (random token from the e-mail)",
    "enrollment:correct": "the applicant answers a return (random token)",
    "enrollment:withdraw": "the applicant withdraws (random token, POST only)",
    "enrollment:follow-application-pdf": "the applicant prints the application (random token)",
    "enrollment:follow-pledge-pdf": "the applicant prints the pledge (random token)",
    "enrollment:follow-notice-pdf": "the applicant prints the approval notice (random token)",
}
