"""Forms of the campaign core: a campaign's settings and status, and a plain confirmation."""

import re
import uuid

from wtforms import (
    DateField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from alliance.catalogue.clc import is_clc_class, normalise_class
from alliance.errors import DomainError
from alliance.forms import FlaskForm, WholeNumberField
from alliance.i18n import _l
from alliance.money import parse_money
from campaigns.models import CAMPAIGN_STATUS_LABELS
from campaigns.services import CampaignInput

CATEGORY_SEPARATORS = re.compile(r"[\s,，;；、]+")
MAX_UNITS = 10_000_000


def text_field(label, limit, required=False, description=None):
    validators = [DataRequired() if required else Optional(), Length(max=limit)]
    return StringField(label, validators=validators, description=description)


def money_field(label, required=True, description=None):
    return text_field(label, 30, required, description or _l("In yuan, for example 12.50"))


def count_field(label, required=True):
    validators = [DataRequired() if required else Optional()]
    return WholeNumberField(label, validators=validators, maximum=MAX_UNITS)


def read_money(form, *names) -> dict[str, int] | None:
    """Read money fields as fen; put each problem next to its field and return None."""
    amounts = {}
    for name in names:
        field = form[name]
        if not field.data:
            continue
        try:
            amounts[name] = parse_money(field.data)
        except DomainError as error:
            field.errors.append(error.message)
    return None if any(form[name].errors for name in names) else amounts


def parse_categories(text: str | None) -> list[str]:
    """Split 'C, I；J G4' into CLC classes; raise ValueError naming a class that is not one."""
    classes = [normalise_class(part) for part in CATEGORY_SEPARATORS.split(text or "") if part]
    for code in classes:
        if not is_clc_class(code):
            raise ValueError(code)
    return sorted(set(classes))


class CampaignForm(FlaskForm):
    """A campaign's names, windows, budget, caps and categories."""

    problem_fields = {
        "budget_fen": "budget",
        "per_title_cap_fen": "per_title_cap",
        "per_publisher_cap_fen": "per_publisher_cap",
    }

    name = text_field(_l("Name (Chinese)"), 200, True)
    name_en = text_field(_l("Name (English)"), 200)
    enrolment_opens = DateField(_l("Enrolment opens"), validators=[DataRequired()])
    enrolment_closes = DateField(
        _l("Enrolment closes"),
        validators=[DataRequired()],
        description=_l("Inclusive: until the end of this day, Beijing time."),
    )
    starts = DateField(_l("Sale starts"), validators=[DataRequired()])
    ends = DateField(_l("Sale ends"), validators=[DataRequired()])
    budget = money_field(_l("Total budget (yuan)"), description=_l("For example 50000000"))
    per_title_cap = money_field(_l("Cap per title (yuan)"))
    per_publisher_cap = money_field(_l("Cap per publisher (yuan)"))
    categories = text_field(
        _l("Eligible categories (CLC classes)"),
        500,
        description=_l("For example C, I, J, G4. Leave empty to admit every category."),
    )
    price_floor_percent = WholeNumberField(
        _l("Price floor (percent of list price)"),
        validators=[Optional()],
        minimum=1,
        maximum=100,
        description=_l("Optional: the campaign price must be at least this share."),
    )
    platform_share_percent = WholeNumberField(
        _l("Platform's share of the subsidy (percent)"),
        default=100,
        validators=[InputRequired(_l("Enter a share from 0 to 100."))],
        maximum=100,
        description=_l("The publisher funds the rest. Recorded with every allocation."),
    )
    submit = SubmitField(_l("Save"))

    def values(self) -> CampaignInput | None:
        """Return the checked values, or None with each problem next to its field."""
        amounts = read_money(self, "budget", "per_title_cap", "per_publisher_cap")
        try:
            categories = parse_categories(self.categories.data)
        except ValueError as error:
            self.categories.errors.append(
                _l("%(code)s is not a CLC class such as I247.", code=str(error)[:20])
            )
            return None
        if amounts is None or len(amounts) < 3:
            return None
        return CampaignInput(
            name=self.name.data,
            name_en=self.name_en.data or None,
            enrolment_opens=self.enrolment_opens.data,
            enrolment_closes=self.enrolment_closes.data,
            starts=self.starts.data,
            ends=self.ends.data,
            budget_fen=amounts["budget"],
            per_title_cap_fen=amounts["per_title_cap"],
            per_publisher_cap_fen=amounts["per_publisher_cap"],
            categories=categories,
            price_floor_percent=self.price_floor_percent.data,
            platform_share_percent=self.platform_share_percent.data
            if self.platform_share_percent.data is not None
            else 100,
        )


class ConfirmForm(FlaskForm):
    """A button that needs nothing but the CSRF token."""

    submit = SubmitField(_l("Confirm"))


class StatusForm(FlaskForm):
    """Move a campaign to another status."""

    status = SelectField(
        choices=[SelectChoice(s.value, label) for s, label in CAMPAIGN_STATUS_LABELS.items()]
    )
    submit = SubmitField(_l("Change status"))


def new_key() -> str:
    """Return a fresh idempotency key for a form, so a double submit acts once."""
    return uuid.uuid4().hex
