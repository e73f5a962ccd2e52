import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

TOKEN = re.compile(r"\d{6}")


class LoginForm(AuthenticationForm):
    """Django's login form (it calls authenticate(request=…), which django-axes needs), in Indonesian."""

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
        # Django's form sets the username's max_length without its validator: a longer name would
        # reach authenticate() and django-axes' record of the attempt (a varchar(255)) — a 500.
        self.fields["username"].validators.append(MaxLengthValidator(self.fields["username"].max_length))
        self.fields["username"].error_messages["required"] = _("Isi nama pengguna Anda.")
        self.fields["password"].label = _("Kata sandi")
        self.fields["password"].error_messages["required"] = _("Isi kata sandi Anda.")


class ActivationForm(forms.Form):
    username = forms.CharField(
        label=_("Nama pengguna"),
        max_length=150,
        error_messages={"required": _("Isi nama pengguna yang tertulis di lembar serah terima.")},
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    code = forms.CharField(
        label=_("Kode aktivasi"),
        max_length=40,
        help_text=_("12 huruf dan angka dari lembar serah terima, misalnya ABCD-EFGH-JKMN."),
        error_messages={"required": _("Isi kode aktivasi dari lembar serah terima.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    password1 = forms.CharField(
        label=_("Kata sandi baru"),
        strip=False,
        help_text=_("Paling sedikit 10 karakter; bukan NIK, nomor KK, tanggal lahir, atau kata yang umum."),
        error_messages={"required": _("Buat kata sandi baru.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Ulangi kata sandi baru"),
        strip=False,
        error_messages={"required": _("Ketik ulang kata sandi baru.")},
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
    token = forms.CharField(
        label=_("Kode TOTP"),
        max_length=12,
        help_text=_("6 angka yang tampil di aplikasi autentikator Anda."),
        error_messages={"required": _("Isi 6 angka dari aplikasi autentikator Anda.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*"}
        ),
    )

    def clean_token(self):
        token = "".join(self.cleaned_data["token"].split())
        if not TOKEN.fullmatch(token):
            raise forms.ValidationError(
                _("Kode TOTP terdiri dari 6 angka. Ketik angka yang tampil di aplikasi.")
            )
        return token
