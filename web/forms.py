"""Small helpers shared by the web forms."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from core.mail_address import is_mail_address


class ActionForm(FlaskForm):
    """A form with no fields: a button that only needs the CSRF token."""


class MailAddress:
    """WTForms validator: one plain e-mail address, as :func:`core.mail_address.is_mail_address` reads it.

    WTForms' own ``Email`` validator needs the ``email_validator`` package, which Duban does not
    use; this one applies the same check as invitee lists and the mail jobs.
    """

    def __call__(self, _form: Any, field: Any) -> None:
        if field.data and not is_mail_address(field.data):
            raise ValidationError(lazy_gettext("Enter one e-mail address, such as name@example.cn."))


class HappenedOn:
    """WTForms validator: a day on which something happened — not after today in the instance's zone, not before 1990.

    The same rule as :func:`core.importing.event_date` for imported files.
    """

    def __call__(self, _form: Any, field: Any) -> None:
        from core import clock

        if field.data is None:
            return
        if field.data > clock.today():
            raise ValidationError(lazy_gettext("This day is in the future; give the day it happened."))
        if field.data < clock.EARLIEST_EVENT:
            raise ValidationError(lazy_gettext("This day is before 1990; check the year."))
