from django import forms


class LedgerUploadForm(forms.Form):
    # Empty files are let through so that the reader says what is wrong, as the command does.
    file = forms.FileField(
        label="台帳のファイル", allow_empty_file=True,
        help_text="Excel（.xlsx）か、ExcelでCSVに保存したもの（UTF-8でもShift_JISでも）。20MBまで。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
    )
