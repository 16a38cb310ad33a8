"""A changed text shown as a word-level difference: what was taken out and what was put
in, with the words around them, instead of the whole old and new text.

Bounded: each side is cut at ``MAX_WORDS`` words before comparing (difflib's matcher is
quadratic in the worst case), and unchanged runs longer than ``CONTEXT`` words either
side of a change are shortened to "…".
"""
import difflib
import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

MAX_WORDS = 3000
CONTEXT = 6
LONG_TEXT = 80  # characters: a shorter value reads well enough as old → new
_WORDS = re.compile(r"\S+|\s+")


def worth_diffing(old, new):
    """A change of a long text on both sides (a description), not a figure or a name."""
    return bool(old) and bool(new) and max(len(old), len(new)) > LONG_TEXT


def word_diff(old, new):
    """[(op, text)]: op "same", "removed" or "added", in reading order."""
    a = _WORDS.findall(old)[: MAX_WORDS * 2]
    b = _WORDS.findall(new)[: MAX_WORDS * 2]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append(("same", _shortened(a[i1:i2], first=i1 == 0, last=i2 == len(a))))
            continue
        if tag in ("replace", "delete"):
            out.append(("removed", "".join(a[i1:i2])))
        if tag in ("replace", "insert"):
            out.append(("added", "".join(b[j1:j2])))
    return out


def _shortened(tokens, *, first, last):
    """An unchanged run, cut to the CONTEXT words next to each change ("…" for the rest):
    at the start of the text only the words before the first change are kept, at the end
    only those after the last."""
    words = [token for token in tokens if not token.isspace()]
    if len(words) <= CONTEXT * 2:
        return "".join(tokens)
    head = [] if first else words[:CONTEXT]
    tail = [] if last else words[-CONTEXT:]
    space_before = " " if tokens[0].isspace() else ""
    space_after = " " if tokens[-1].isspace() else ""
    middle = " … "
    text = space_before + " ".join(head) + middle + " ".join(tail) + space_after
    return text.replace("  ", " ")


def diff_html(old, new):
    """The difference as HTML: <del> and <ins>, each announced in words for screen readers."""
    html = []
    for op, text in word_diff(old, new):
        if op == "same":
            html.append(escape(text))
        elif op == "removed":
            html.append(f'<del><span class="visually-hidden">[removed: </span>{escape(text)}'
                        f'<span class="visually-hidden">]</span></del>')
        else:
            if html and html[-1].endswith("</del>"):
                html.append(" ")  # "Adopters adoptive parents", not run together
            html.append(f'<ins><span class="visually-hidden">[added: </span>{escape(text)}'
                        f'<span class="visually-hidden">]</span></ins>')
    return mark_safe("".join(html))  # nosec B308 B703 # every part escaped above
