"""Entry point for `flask --app app` and WSGI servers."""

from dotenv import load_dotenv

load_dotenv()

from marketplace import create_app  # noqa: E402

app = create_app()
