"""The main classes of the Chinese Library Classification (中图法), for categories."""

from alliance.i18n import _l

MAIN_CLASSES = {
    "A": _l("Marxism, Leninism, Mao Zedong Thought"),
    "B": _l("Philosophy and religion"),
    "C": _l("Social sciences"),
    "D": _l("Politics and law"),
    "E": _l("Military science"),
    "F": _l("Economics"),
    "G": _l("Culture, science, education and sport"),
    "H": _l("Languages"),
    "I": _l("Literature"),
    "J": _l("Art"),
    "K": _l("History and geography"),
    "N": _l("Natural sciences"),
    "O": _l("Mathematics, physics and chemistry"),
    "P": _l("Astronomy and earth sciences"),
    "Q": _l("Biology"),
    "R": _l("Medicine and health"),
    "S": _l("Agriculture"),
    "T": _l("Industrial technology"),
    "U": _l("Transport"),
    "V": _l("Aviation and space"),
    "X": _l("Environment and safety"),
    "Z": _l("General works"),
}


def normalise_class(text: str) -> str:
    """Return a CLC class as written in the catalogue: upper-case, no spaces."""
    return "".join((text or "").split()).upper()


def is_clc_class(text: str) -> bool:
    """Tell whether `text` looks like a CLC class: a main class letter, then digits or dots."""
    text = normalise_class(text)
    return (
        bool(text)
        and text[0] in MAIN_CLASSES
        and len(text) <= 32
        and all(ch.isdigit() or ch in ".-/:TVK" for ch in text[1:])
    )


def class_label(code: str) -> str:
    """Return `code` with the name of its main class, e.g. "I247 · Literature"."""
    name = MAIN_CLASSES.get(code[:1])
    return f"{code} · {name}" if name else code


def matching_category(clc_class: str | None, categories: list[str]) -> str | None:
    """Return the longest category that `clc_class` falls under, or None.

    An empty category list admits every class; the title's main class is then its category.
    """
    code = normalise_class(clc_class or "")
    if not categories:
        return code[:1] or "—"
    matches = [c for c in categories if code.startswith(c)]
    return max(matches, key=len) if matches else None
