from incubator.areas import Job

JOBS = [
    # Retention (PIPL): nightly, when the base is quiet.
    Job("accounts.retention", "incubator.accounts.jobs:anonymise_expired_accounts", "cron", {"hour": 3, "minute": 30}),
]


def anonymise_expired_accounts() -> int:
    from incubator.accounts.privacy import anonymise_expired

    return anonymise_expired()
