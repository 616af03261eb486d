"""What the official client's ``APIStatusError`` carries of this server's error body (``config.errors``)."""

import stigg


def error_code(error: stigg.APIStatusError) -> str:
    return error.body["error"]["code"]  # type: ignore[index]


def error_message(error: stigg.APIStatusError) -> str:
    return error.body["error"]["message"]  # type: ignore[index]
