"""Files from Slack for faxing: fetch them safely with the bot token, and check they are PDFs."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any
from urllib.parse import urljoin

import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.fax import MAX_FILE_BYTES
from bot.errors import UserError

NO_ACCESS = (
    "The bot could not read that file from Slack: it may lack access (the files:read scope) or "
    "the file is private. Share the file in a channel the bot is in, or upload it in the modal."
)


class FaxRefused(UserError):
    """The fax cannot be sent as asked (no line, unreadable or unsuitable file)."""


class SlackFiles:
    """Reads private Slack files with the bot token, only from Slack's file host."""

    def __init__(self, *, slack: WebClient, bot_token: str, files_url: str) -> None:
        self.slack = slack
        self.bot_token = bot_token
        self.files_url = files_url
        self.http = requests.Session()

    def url_of(self, file_id: str) -> str:
        try:
            info = self.slack.files_info(file=file_id)["file"]
        except SlackApiError as exc:
            error = exc.response.get("error", "unknown_error")
            raise FaxRefused(f"Slack would not hand out that file ({error}). {NO_ACCESS}") from exc
        return str(info.get("url_private_download") or info.get("url_private") or "")

    def download(self, url: str) -> bytes:
        """The file's bytes, fetched with the bot token from Slack's file host only (§3.3)."""
        for _ in range(3):
            if not url.startswith(self.files_url):
                # The bot token must never go to another host (slack-bolt.md §3.3).
                raise FaxRefused("That file is not stored on Slack, so the bot will not fetch it.")
            response = self.http.get(
                url,
                headers={"Authorization": f"Bearer {self.bot_token}"},
                timeout=30,
                allow_redirects=False,
                stream=True,
            )
            if not response.is_redirect:
                break
            url = urljoin(url, response.headers.get("Location", ""))
            response.close()
        else:
            raise FaxRefused("Slack kept redirecting the download of that file.")
        with response:
            if response.status_code != 200:
                raise FaxRefused(f"Slack did not hand out the file (HTTP {response.status_code}).")
            content_type = response.headers.get("Content-Type", "")
            data = b""
            for chunk in response.iter_content(chunk_size=256 * 1024):
                data += chunk
                if len(data) > MAX_FILE_BYTES:  # stop reading: never hold more than the bound
                    break
        if len(data) > MAX_FILE_BYTES:
            raise FaxRefused("That PDF is larger than 10 MB, too large to fax.")
        # Without access Slack answers 200 with its HTML sign-in page (slack-bolt.md §3.3).
        if "text/html" in content_type or data.lstrip()[:15].lower().startswith(b"<!doctype html"):
            raise FaxRefused(NO_ACCESS)
        return data


def count_pages(data: bytes) -> int:
    """The page count of a readable, unencrypted PDF; FaxRefused for anything else."""
    if not data.startswith(b"%PDF-"):
        raise FaxRefused("That file is not a PDF. Export it as PDF and try again.")
    # sipgate's own library also insists on the end marker (sipgate-api.md §6.1).
    if b"%%EOF" not in data[-2048:]:
        raise FaxRefused("That PDF is incomplete or damaged (it has no end). Save it again.")
    # Imported here: pypdf is the largest import of all, needed only when a fax is checked, and
    # every process of a served bot (the notifier too) would otherwise hold it at idle.
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
        pages = 0 if encrypted else len(reader.pages)
    except Exception as exc:  # a parser meeting a broken file can raise almost anything
        raise FaxRefused("That PDF is damaged and cannot be read. Save it again.") from exc
    if encrypted:
        raise FaxRefused("That PDF is password-protected. Save it without a password first.")
    if pages < 1:
        raise FaxRefused("That PDF has no pages.")
    return pages


def file_problem(files: Sequence[dict[str, Any]]) -> str:
    """What is wrong with the files of a `file_input` submission, or "" (slack-bolt.md §3.2)."""
    if not files:
        return "Attach the PDF to send."
    if len(files) > 1:
        return "Attach only one PDF: a fax sends one document."
    file = files[0]
    if file.get("filetype") != "pdf" or file.get("mimetype") != "application/pdf":
        kind = file.get("pretty_type") or file.get("filetype") or "this kind of file"
        return f"That file is {kind}, not a PDF. Attach a PDF."
    if int(file.get("size") or 0) > MAX_FILE_BYTES:
        return "That PDF is larger than 10 MB, too large to fax."
    return ""
