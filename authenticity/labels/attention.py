"""Home page items about labels: batches whose codes wait to be printed and sealed."""

from sqlalchemy import select

from alliance.attention import AttentionItem
from alliance.auth.models import User
from alliance.catalogue.models import Title
from alliance.extensions import db
from alliance.i18n import _l
from alliance.members.services import acting_publisher
from authenticity.labels.models import BatchStatus, LabelBatch

MOST_SHOWN = 5  # batches listed one by one; more are counted in one item


def batches_to_print(user: User) -> list[AttentionItem]:
    """Tell a publisher which label batches are written and wait to be printed and sealed."""
    publisher = acting_publisher(user)
    if publisher is None:  # none yet: the membership's own item says why
        return []
    publisher_id = publisher.id
    rows = db.session.execute(
        select(LabelBatch.id, LabelBatch.quantity, Title.title)
        .join(Title, Title.id == LabelBatch.title_id)
        .where(LabelBatch.publisher_id == publisher_id, LabelBatch.status == BatchStatus.OPEN)
        .order_by(LabelBatch.id)
        .limit(MOST_SHOWN + 1)
    ).all()
    items = [
        AttentionItem(
            _l(
                "Label batch %(number)s (%(title)s, %(quantity)s labels) waits to be printed "
                "and sealed.",
                number=batch_id,
                title=title,
                quantity=quantity,
            ),
            "labels.detail",
            _l("Print and seal"),
            "warning",
            {"batch_id": batch_id},
        )
        for batch_id, quantity, title in rows[:MOST_SHOWN]
    ]
    if len(rows) > MOST_SHOWN:
        items.append(
            AttentionItem(
                _l("More label batches wait to be printed and sealed."),
                "labels.index",
                _l("View the label batches"),
                "warning",
            )
        )
    return items
