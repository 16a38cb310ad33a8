"""A proposal's reference as people write it and as the budget book prints it.

Published references are printed in brackets ("[33]"); a proposal not yet numbered is
"[NEW]" and is stored with no reference at all. Each reference is used once per plan
(the database holds that: ``proposal_reference_unique_per_plan``).
"""

NEW = "[NEW]"


def parse_reference(text):
    """What a person typed (or a cell held) -> the stored reference, or None for [NEW].

    "[33]", " 33 " and "[ 33 ]" are "33"; "", "NEW" and "[new]" are None (not yet
    numbered). Anything else is returned as typed, trimmed: whether it is a well-formed
    reference is the caller's check."""
    text = "" if text is None else str(text).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1].strip()
    if text == "" or text.upper() == "NEW":
        return None
    return text


def display_reference(reference):
    """The stored reference as printed: "[33]", or "[NEW]" for none."""
    return f"[{reference}]" if reference else NEW


def reference_in_use_message(reference, used_by=None):
    """What a person is told when ``reference`` is already another proposal's in the plan
    (``used_by``: that proposal's title, when known)."""
    by = f" by \u201c{used_by}\u201d" if used_by else ""
    return (
        f"Reference {display_reference(reference)} is already used in this plan{by}; "
        f"choose another, or leave it blank for {NEW}"
    )
