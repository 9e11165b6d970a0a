"""Sales API: report a day's sales of an enrolled title, and list sales, under /api/v1/campaigns."""

from alliance.api.arguments import Blueprint
from alliance.api.auth import api_role_required, api_user
from alliance.api.schemas import page_of
from alliance.auth.roles import Role
from alliance.catalogue.isbn import IsbnError, normalise_isbn
from alliance.errors import FieldsInvalid
from alliance.extensions import db
from alliance.members.services import publisher_of
from campaigns import services
from campaigns.sales import services as sales
from campaigns.sales.schemas import (
    SaleInSchema,
    SalePageSchema,
    SaleQuerySchema,
    SaleResultSchema,
)

blp = Blueprint(
    "campaign_sales_api", __name__, url_prefix="/api/v1/campaigns", description="Campaign sales"
)


@blp.route("/<int:campaign_id>/sales", methods=["POST"])
@api_role_required(Role.PUBLISHER)
@blp.arguments(SaleInSchema)
@blp.response(201, SaleResultSchema, description="A new sale was recorded")
@blp.alt_response(
    200, schema=SaleResultSchema, description="An existing day's sale, corrected or unchanged"
)
@blp.problems(401, 404, 409, 422)
def report_sale(values, campaign_id):
    """Report (or correct) a day's sales of an approved title; the subsidy drawn is returned.

    The same title, date and channel again replace the figures (a correction); the same
    figures again change nothing and answer 200 with `changed` false.
    """
    campaign = services.find_campaign(campaign_id)
    report = sales.report_sale(
        api_user(),
        campaign,
        sales.SaleInput(
            isbn=values["isbn"],
            sale_date=values["date"],
            channel=values["channel"],
            units=values["units"],
            revenue_fen=values["revenue_fen"],
        ),
    )
    db.session.commit()
    report.sale.changed = report.changed
    return report.sale, 201 if report.created else 200


@blp.route("/<int:campaign_id>/sales")
@api_role_required(Role.PUBLISHER, Role.CAMPAIGN_STAFF)
@blp.arguments(SaleQuerySchema, location="query")
@blp.response(200, SalePageSchema)
@blp.problems(401, 404)
def list_sales(query, campaign_id):
    """List a campaign's sales, one page, with totals: staff see all, publishers their own."""
    campaign = services.find_campaign(campaign_id)
    user = api_user()
    filters = {name: query[name] for name in ("channel", "date_from", "date_to") if name in query}
    if user.has_role(Role.CAMPAIGN_STAFF):
        if "publisher_id" in query:
            filters["publisher_id"] = query["publisher_id"]
    else:
        filters["publisher_id"] = publisher_of(user).id
    if query.get("isbn"):
        try:
            filters["isbn"] = normalise_isbn(query["isbn"])
        except IsbnError:
            raise FieldsInvalid({"isbn": IsbnError.default_message}) from None
    select = sales.sales_query(campaign, **filters)
    return {
        **page_of(select, query["page"], query["page_size"]),
        "totals": sales.sales_totals(campaign, **filters),
    }
