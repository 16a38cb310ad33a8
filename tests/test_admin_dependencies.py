"""The councils app's admin knows nothing of the apps built on it: the council scoping of
foreign keys follows each target's own admin, so proposals and outcomes are not named."""
from pathlib import Path

import councils.admin

OTHER_APPS = ("proposals", "outcomes", "reports", "workbooks")


def test_the_councils_admin_names_no_other_apps_models():
    source = Path(councils.admin.__file__).read_text()
    named = [app for app in OTHER_APPS if app in source]
    assert named == [], f"councils/admin.py names {named}"
