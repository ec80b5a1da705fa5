from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from backoffice.models.roles import LANGUAGES
from backoffice.forms import Form


class LoginForm(Form):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), Length(max=254)], render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=256)], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField(_l("Keep me signed in"))


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=12, max=256)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )


def timezone_choices() -> list[tuple[str, str]]:
    """Every IANA zone of the form Region/City, plus UTC, sorted (what zoneinfo knows on this machine)."""
    from backoffice.services.users import TIMEZONES

    return [(zone, zone.replace("_", " ")) for zone in TIMEZONES]


class ProfileForm(Form):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)])
    language = SelectField(_l("Language"), choices=list(LANGUAGES.items()))
    timezone = SelectField(
        _l("Time zone"),
        choices=timezone_choices,
        default="Europe/Stockholm",
        description=_l("Times in the back office, such as those in a record's history, are shown in this zone."),
    )


class LanguageForm(Form):
    language = SelectField(_l("Language"), choices=list(LANGUAGES.items()))


class EmailOnlyForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class LogoutForm(Form):
    """Only the CSRF token: signing out is a POST."""


class ForgotPasswordForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(Form):
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=12, max=256)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords do not match."))],
    )
