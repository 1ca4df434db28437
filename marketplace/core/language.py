"""The reader's language, and links that choose it.

Which language a page speaks, first that applies:
1. the choice made in this browser session: the language switch (POST /language), or a link with `?lang=xx`;
2. the signed-in user's saved language;
3. the browser's Accept-Language, among LANGUAGES;
4. Indonesian (BABEL_DEFAULT_LOCALE).

`?lang=xx` arrives on a GET, and a GET writes nothing to the database: it sets this session's choice only,
which wins over the saved language for the rest of the session without changing it. The switch, a POST,
saves it on the account too; and signing in keeps on the account a choice made before (accounts/views.py).
"""

from urllib.parse import quote, quote_from_bytes, unquote_plus

from flask import current_app, has_app_context, has_request_context, redirect, request, session
from flask_babel import get_locale
from flask_login import current_user

# The language of what is written outside the app (a command's output, a test's plain call).
FALLBACK_LOCALE = "id"
LANG_PARAMETER = "lang"
SESSION_KEY = "lang"
# Characters a query string keeps as they are when a link is rebuilt: what browsers send unescaped.
_QUERY_SAFE = "!$&'()*+,-./:;=?@_~%"


def select_locale():
    """Flask-Babel's locale selector (see the module's docstring for the order)."""
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():  # mail and commands choose their language with force_locale
        return default
    chosen = session.get(SESSION_KEY)
    if chosen in languages:
        return chosen
    if current_user.is_authenticated:
        return current_user.locale if current_user.locale in languages else default
    return request.accept_languages.best_match(languages, default=default)


def reader_locale():
    """The language code of whoever reads what is being written: the page's reader, a mail's recipient (under
    force_locale), or Indonesian outside the app."""
    if not has_app_context():
        return FALLBACK_LOCALE
    return str(get_locale() or FALLBACK_LOCALE)


def choose_for_session(language):
    """Make `language` this session's choice; False (and nothing kept) when it is not one of LANGUAGES."""
    if language not in current_app.config["LANGUAGES"]:
        return False
    session[SESSION_KEY] = language
    session.permanent = True
    return True


def apply_language_parameter():
    """before_request: `?lang=xx` on a GET becomes this session's choice, then the same URL without it.

    Runs before the access policy, so a link to a page that sends the visitor to sign in works too. An unknown
    value is dropped by the redirect and changes nothing.
    """
    if request.method not in ("GET", "HEAD") or LANG_PARAMETER not in request.args:
        return None
    choose_for_session(request.args.get(LANG_PARAMETER))
    return redirect(_current_path() + _query(_query_without_language()))


def language_alternates():
    """(hreflang, absolute URL) of this page in each language, and x-default: the page that lets the server choose."""
    base = request.host_url.rstrip("/") + _current_path()
    kept = _query_without_language()
    links = [(code, base + _query([*kept, f"{LANG_PARAMETER}={code}"])) for code in current_app.config["LANGUAGES"]]
    links.append(("x-default", base + _query(kept)))
    return links


def vary_on_language(response):
    """after_request: a visitor's page depends on Accept-Language, which caches must know."""
    if request.endpoint != "static":
        response.vary.add("Accept-Language")
    return response


def _current_path():
    return quote(request.script_root + request.path)


def _query_without_language():
    """The query's parameters as they were sent (order, repeats and escapes kept), without `lang`."""
    kept = []
    for part in request.query_string.split(b"&"):
        name = unquote_plus(part.split(b"=", 1)[0].decode("latin-1"))
        if part and name != LANG_PARAMETER:
            kept.append(quote_from_bytes(part, safe=_QUERY_SAFE))
    return kept


def _query(parts):
    return "?" + "&".join(parts) if parts else ""
