"""Uploading a file to the import page as a browser does, and reading the job's outcome."""

from __future__ import annotations

import io


def upload(client, data: bytes | str, name: str = "log.csv", dry_run: bool = False):
    """Post the file, then open the page the import job's outcome is shown on.

    The tests' queue runs jobs at once, so the outcome is there when the redirect is followed.
    A refused upload (no file, too large) is answered at once and returned as it is.
    """
    body = data.encode() if isinstance(data, str) else data
    form: dict[str, object] = {"file": (io.BytesIO(body), name)}
    if dry_run:
        form["dry_run"] = "y"
    response = client.post("/imports", data=form, content_type="multipart/form-data")
    if response.status_code != 302:
        return response
    assert "/imports?job=" in response.headers["Location"], response.headers["Location"]
    return client.get(response.headers["Location"])


def refused(page: str) -> bool:
    """Whether the outcome shown is an import that wrote nothing because of bad cells."""
    return "Nothing was imported" in page
