"""Forms of the allocation proposal: category priorities, and applying the table."""

from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length

from alliance.forms import DecimalNumberField, FlaskForm
from alliance.i18n import _l


class WeightsForm(FlaskForm):
    """The priority of each category for the proposal; built per campaign."""

    compute = SubmitField(_l("Compute the proposal"))


def weights_form(categories: list[str], weights: dict, formdata=None) -> WeightsForm:
    """Return a weights form with one priority field per category."""

    class Form(WeightsForm):
        pass

    for code in categories:
        setattr(
            Form,
            f"w_{code}",
            DecimalNumberField(
                code,
                places=2,
                default=weights.get(code, 1),
                validators=[InputRequired(_l("Enter 0 to 100."))],
                minimum=0,
                maximum=100,
                message=_l("Enter 0 to 100."),
            ),
        )
    return Form(formdata=formdata)


class ApplyProposalForm(FlaskForm):
    """Apply the (possibly adjusted) proposal in one transaction."""

    key = HiddenField(validators=[DataRequired(), Length(max=60)])
    apply = SubmitField(_l("Apply the proposal"))
