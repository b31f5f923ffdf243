"""Attachments are judged by their bytes, not by what the name or the browser claims."""

from __future__ import annotations

import pytest

from consult.questions.files import MAX_BYTES, FileProblem, check_file, safe_filename
from tests.questions.conftest import JPEG, PDF, PNG


def test_a_real_pdf_jpeg_and_png_are_accepted_with_their_type() -> None:
    assert check_file("order.pdf", "application/pdf", PDF).content_type == "application/pdf"
    assert check_file("photo.JPG", "image/jpeg", JPEG).content_type == "image/jpeg"
    assert check_file("scan.png", "application/octet-stream", PNG).content_type == "image/png"


@pytest.mark.parametrize(
    ("name", "declared", "data", "problem"),
    [
        ("order.pdf", "application/pdf", b"MZ\x90\x00 an executable", "This file is not a valid PDF."),
        (
            "order.pdf",
            "application/pdf",
            b"%PDF-1.7\n truncated without an end",
            "This file is not a valid PDF.",
        ),
        ("order.pdf", "application/pdf", PNG, "The file's type does not match its content."),
        ("photo.jpg", "image/jpeg", PDF, "The file's type does not match its content."),
        ("photo.png", "image/png", b"GIF89a....", "This file is not a valid image."),
        (
            "notes.docx",
            "application/octet-stream",
            b"PK\x03\x04",
            "Only PDF, JPEG and PNG files can be attached.",
        ),
        ("page.html", "text/html", PDF, "Only PDF, JPEG and PNG files can be attached."),
        ("empty.pdf", "application/pdf", b"", "The file is empty."),
        (
            "big.pdf",
            "application/pdf",
            b"%PDF-" + b"0" * MAX_BYTES + b"%%EOF",
            "Each file may be at most 5 MB.",
        ),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused(
    name: str, declared: str, data: bytes, problem: str
) -> None:
    with pytest.raises(FileProblem) as caught:
        check_file(name, declared, data)
    assert str(caught.value) == problem


def test_names_lose_paths_and_control_characters_and_get_the_real_extension() -> None:
    assert safe_filename("../../etc/passwd\r\n.pdf", "application/pdf") == "passwd.pdf"
    assert safe_filename("C:\\Users\\a\\Приказ №5.PDF", "application/pdf") == "Приказ №5.pdf"
    assert safe_filename("", "image/png") == "file.png"
