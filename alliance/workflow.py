"""Explicit state machines: one table of allowed moves per model, one way to refuse the rest."""

from collections.abc import Mapping

from alliance.errors import ConflictError
from alliance.i18n import _l


class Workflow:
    """The states a model moves through and the moves allowed between them."""

    def __init__(self, transitions: Mapping, labels: Mapping, noun, attribute: str = "status"):
        self.transitions = {
            str(state): {str(t) for t in targets} for state, targets in transitions.items()
        }
        self.labels = labels
        self.noun = noun
        self.attribute = attribute

    def allowed(self, state) -> set[str]:
        """Return the states `state` may move to."""
        return self.transitions.get(str(state), set())

    def can(self, current, target) -> bool:
        """Tell whether a move from `current` to `target` is allowed."""
        return str(target) in self.allowed(current)

    def label(self, state):
        """Return the translated name of a state."""
        return self.labels.get(state, state)

    def refusal(self, current, target) -> ConflictError:
        """Return the conflict that refuses a move from `current` to `target`."""
        return ConflictError(
            _l(
                "This %(noun)s is “%(current)s” and cannot become “%(target)s”.",
                noun=self.noun,
                current=self.label(current),
                target=self.label(target),
            )
        )

    def check(self, current, target) -> None:
        """Refuse a move from `current` to `target` that the table does not allow."""
        if not self.can(current, target):
            raise self.refusal(current, target)

    def move(self, obj, target) -> None:
        """Set `obj`'s state to `target`, or refuse a move the table does not allow."""
        self.check(getattr(obj, self.attribute), target)
        setattr(obj, self.attribute, str(target))
