"""Demo notice: the demo publisher names three listings; an officer has removed one already."""

from sqlalchemy import select

from alliance.extensions import db
from authenticity.ip.models import Right, RightStatus
from authenticity.notices import services


def load_demo_notices(users: dict) -> None:
    """File a notice of three listings on the demo publisher's verified right."""
    publisher, officer = users.get("publisher@example.org"), users.get("ip@example.org")
    if publisher is None or officer is None:
        return
    right = next(
        iter(
            db.session.scalars(
                select(Right).where(
                    Right.organisation_id == publisher.organisation_id,
                    Right.status == RightStatus.VERIFIED,
                )
            )
        ),
        None,
    )
    if right is None:
        return
    isbn = right.isbns[0] if right.isbns else None
    listings = [
        {"listing_id": "PDD-880021", "merchant_id": "cheap-books-88", "isbn": isbn,
         "url": "https://marketplace.example/goods/880021", "reason_code": "pirated_copy",
         "description": "试买样书纸张粗糙、无防伪标识，版权页印次不存在。"},
        {"listing_id": "PDD-880022", "merchant_id": "cheap-books-88", "isbn": isbn,
         "reason_code": "counterfeit_label"},
        {"listing_id": "PDD-771903", "merchant_id": "lucky-reads", "isbn": isbn,
         "reason_code": "unauthorised_sale"},
    ]  # fmt: skip
    values = services.read_notice(
        publisher,
        {"right_id": right.id, "regime": "cn_ecommerce", "items": listings, "good_faith": True,
         "accurate": True, "regime_statement": True, "signature": "吴编辑",
         "contact": "ip@zhishi-press.example.cn"},
    )  # fmt: skip
    notice = services.file_notice(publisher, values)
    services.decide_items(officer, [notice.items[0].id], "removed")
