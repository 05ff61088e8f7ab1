from django import forms


class SshKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What the key is for, e.g. 'settlement server'."
    )
    public_key = forms.CharField(
        label="Public key",
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        max_length=16_000,
        help_text="One line from your .pub file, e.g. 'ssh-ed25519 AAAA... name@host'.",
    )
