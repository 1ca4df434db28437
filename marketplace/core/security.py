"""Security headers and safe redirects."""

from urllib.parse import urljoin, urlsplit

from flask import request

_POLICY = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]
CONTENT_SECURITY_POLICY = "; ".join(_POLICY)


def policy_with_form_action(*origins):
    """The policy for a page whose form leads to another site (browsers apply form-action to the redirect after it
    too): Stripe's payment page, from the payment page's button."""
    return "; ".join(
        f"form-action 'self' {' '.join(origins)}" if rule.startswith("form-action") else rule for rule in _POLICY
    )


def set_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def safe_next_url(target, fallback):
    """Return target only when it stays on this site (a relative path), else fallback."""
    if not target or not isinstance(target, str):
        return fallback
    target = target.strip()
    # Browsers treat backslashes as slashes: "/\\evil.com" would leave the site.
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    joined = urlsplit(urljoin(request.host_url, target))
    if joined.netloc != urlsplit(request.host_url).netloc:
        return fallback
    return target
