import re
import unicodedata

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.contrib.auth.password_validation import validate_password
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

TOKEN = re.compile(r"\d{6}")
USERNAME_MAX_LENGTH = 150  # accounts.User.username
# Error codes of a username that cannot belong to any account: the views count such an attempt
# for the lockout and audit it themselves, because authenticate() never sees it.
BAD_USERNAME_CODES = frozenset({"username_too_long", "username_control_characters"})


def _without_null_check(field: forms.Field) -> None:
    # The field's own check (covering NUL too) says which field and what to do; Django's generic
    # "Null characters are not allowed." would show beside it.
    field.validators = [v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)]


def validate_typed_username(value: str) -> None:
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in value):
        raise forms.ValidationError(
            _(
                "Nama pengguna berisi karakter tak terlihat atau karakter kendali, biasanya ikut "
                "tersalin dari dokumen lain. Ketik ulang nama pengguna Anda dengan papan ketik."
            ),
            code="username_control_characters",
        )
    if len(value) > USERNAME_MAX_LENGTH:
        raise forms.ValidationError(
            _(
                "Nama pengguna terlalu panjang: %(length)s karakter, paling banyak %(limit)s. "
                "Ketik nama pengguna seperti tertulis di lembar serah terima."
            ),
            code="username_too_long",
            params={"length": len(value), "limit": USERNAME_MAX_LENGTH},
        )


class TypedUsernameField(UsernameField):
    """A username as typed at login or activation: NFKC-normalised like Django's, and refused with
    a message naming the field when it is over-long or holds control characters (NUL included) —
    before any query or authenticate() sees it."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        _without_null_check(self)
        self.validators.append(validate_typed_username)

    def widget_attrs(self, widget):
        # The browser's own limit; the server checks the length itself (no max_length validator,
        # whose generic message would not name the field).
        return {**super().widget_attrs(widget), "maxlength": str(USERNAME_MAX_LENGTH)}


def bad_username_error(form: forms.Form) -> bool:
    """True when the typed username was refused as one no account can have (too long, control
    characters): the attempt is counted and audited by the view, not by authenticate()."""
    return any(form.has_error("username", code) for code in BAD_USERNAME_CODES)


def typed_username(form: forms.Form) -> str:
    """The username field as the client sent it (before cleaning), for the lockout and the audit
    (always through dtks.accounts.auth.record_username)."""
    return str(form.data.get("username", "") or "")


def forget_typed_username(form: forms.Form) -> None:
    """Re-show the form without a refused username: it cannot be right, and sending invisible
    characters or a very long value back into the page helps nobody."""
    data = form.data.copy()
    data["username"] = ""
    form.data = data


class LoginForm(AuthenticationForm):
    """Django's login form (it calls authenticate(request=…), which django-axes needs), in Indonesian.
    The username is checked by TypedUsernameField first, so authenticate() never sees a value no
    account can have (Django sets the form's max_length without a validator)."""

    username = TypedUsernameField(widget=forms.TextInput(attrs={"autofocus": True}))

    error_messages = {
        "invalid_login": _(
            "Nama pengguna atau kata sandi salah. Periksa huruf besar/kecil lalu coba lagi. "
            "Setelah 5 kali salah, masuk dengan nama pengguna ini dikunci 15 menit."
        ),
        "inactive": _("Akun ini tidak aktif. Hubungi administrator."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Nama pengguna")
        self.fields["username"].error_messages["required"] = _("Isi nama pengguna Anda.")
        self.fields["password"].label = _("Kata sandi")
        self.fields["password"].error_messages["required"] = _("Isi kata sandi Anda.")
        # A password with a NUL is simply a wrong password: authenticate() checks it and django-axes
        # counts it, like any other guess.
        _without_null_check(self.fields["password"])


NEW_PASSWORD_NUL = _(
    "Kata sandi baru berisi karakter kendali (NUL) yang tidak dapat diketik. Buat kata sandi dengan "
    "papan ketik saja."
)


class ActivationForm(forms.Form):
    username = TypedUsernameField(
        label=_("Nama pengguna"),
        error_messages={"required": _("Isi nama pengguna yang tertulis di lembar serah terima.")},
    )
    code = forms.CharField(
        label=_("Kode aktivasi"),
        max_length=40,
        help_text=_("12 huruf dan angka dari lembar serah terima, misalnya ABCD-EFGH-JKMN."),
        error_messages={
            "required": _("Isi kode aktivasi dari lembar serah terima."),
            # Django's messages for these would not say which field or what to type.
            "max_length": _(
                "Kode aktivasi terlalu panjang. Ketik 12 huruf dan angka dari lembar serah terima, "
                "misalnya ABCD-EFGH-JKMN."
            ),
            "null_characters_not_allowed": _(
                "Kode aktivasi berisi karakter kendali. Ketik 12 huruf dan angka dari lembar serah "
                "terima dengan papan ketik."
            ),
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    password1 = forms.CharField(
        label=_("Kata sandi baru"),
        strip=False,
        help_text=_("Paling sedikit 10 karakter; bukan NIK, nomor KK, tanggal lahir, atau kata yang umum."),
        error_messages={
            "required": _("Buat kata sandi baru."),
            "null_characters_not_allowed": NEW_PASSWORD_NUL,
        },
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Ulangi kata sandi baru"),
        strip=False,
        error_messages={
            "required": _("Ketik ulang kata sandi baru."),
            "null_characters_not_allowed": NEW_PASSWORD_NUL,
        },
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_password1(self):
        # Checked here too, so every problem shows at once; the service checks again with the user
        # (similarity to the username and name).
        password = self.cleaned_data["password1"]
        validate_password(password)
        return password

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("Kedua kata sandi tidak sama. Ketik ulang kata sandi yang sama."))
        return data


class TokenForm(forms.Form):
    # No max_length validator and no NUL check of Django's: clean_token refuses anything that is not
    # 6 digits with the one message that names the field (the browser still stops at 12 characters).
    token = forms.CharField(
        label=_("Kode TOTP"),
        help_text=_("6 angka yang tampil di aplikasi autentikator Anda."),
        error_messages={"required": _("Isi 6 angka dari aplikasi autentikator Anda.")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9 ]*",
                "maxlength": "12",
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _without_null_check(self.fields["token"])

    def clean_token(self):
        token = "".join(self.cleaned_data["token"].split())
        if not TOKEN.fullmatch(token):
            raise forms.ValidationError(
                _("Kode TOTP terdiri dari 6 angka. Ketik angka yang tampil di aplikasi.")
            )
        return token
