def nav(user):
    return []


def panels(user):
    return []
