"""The password policy: 10 to 128 characters, and hard to guess even for someone who knows the person."""

import re
import threading

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError
from zxcvbn import matching, zxcvbn

PASSWORD_MIN = 10
PASSWORD_MAX = 128
# zxcvbn's 3: "safely unguessable", about 10^8 guesses or more, what it advises for online attacks.
MIN_SCORE = 3

# zxcvbn looks up every substring once per table of look-alike substitutions ("@" for "a", "1" for
# "i" or "l") that the password's characters allow: its work is the number of tables times the length
# squared, so 128 characters crafted from look-alikes would take seconds. Real passwords allow a few
# tables and are judged whole; crafted ones only as far as this budget (about 0.3 s) goes. A strong
# beginning makes a strong password, so judging the beginning may refuse but never lets a weak one in.
_WORK_BUDGET = 300_000

# zxcvbn keeps the user inputs in a module-level dictionary while it runs; without the lock, two
# threads at once could each judge a password against the other person's details.
_zxcvbn_lock = threading.Lock()

# Letters and digits of any script; "_" counts as a separator.
_WORD = re.compile(r"[^\W_]+")
_SEPARATORS = re.compile(r"[\s\-_.,]+")
# Words of one name or email run together in every contiguous stretch: 8 words give 36 stretches.
_MAX_WORDS = 8

# zxcvbn's feedback is English text from a fixed set (zxcvbn/feedback.py). Listed here so that
# extraction puts every sentence in both catalogs; a test compares the list with the installed zxcvbn.
FEEDBACK = {
    "Use a few words, avoid common phrases.": _l("Use a few words, avoid common phrases."),
    "No need for symbols, digits, or uppercase letters.": _l("No need for symbols, digits, or uppercase letters."),
    "Add another word or two. Uncommon words are better.": _l("Add another word or two. Uncommon words are better."),
    "Straight rows of keys are easy to guess.": _l("Straight rows of keys are easy to guess."),
    "Short keyboard patterns are easy to guess.": _l("Short keyboard patterns are easy to guess."),
    "Use a longer keyboard pattern with more turns.": _l("Use a longer keyboard pattern with more turns."),
    'Repeats like "aaa" are easy to guess.': _l('Repeats like "aaa" are easy to guess.'),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': _l(
        'Repeats like "abcabcabc" are only slightly harder to guess than "abc".'
    ),
    "Avoid repeated words and characters.": _l("Avoid repeated words and characters."),
    'Sequences like "abc" or "6543" are easy to guess.': _l('Sequences like "abc" or "6543" are easy to guess.'),
    "Avoid sequences.": _l("Avoid sequences."),
    "Recent years are easy to guess.": _l("Recent years are easy to guess."),
    "Avoid recent years.": _l("Avoid recent years."),
    "Avoid years that are associated with you.": _l("Avoid years that are associated with you."),
    "Dates are often easy to guess.": _l("Dates are often easy to guess."),
    "Avoid dates and years that are associated with you.": _l("Avoid dates and years that are associated with you."),
    "This is a top-10 common password.": _l("This is a top-10 common password."),
    "This is a top-100 common password.": _l("This is a top-100 common password."),
    "This is a very common password.": _l("This is a very common password."),
    "This is similar to a commonly used password.": _l("This is similar to a commonly used password."),
    "A word by itself is easy to guess.": _l("A word by itself is easy to guess."),
    "Names and surnames by themselves are easy to guess.": _l("Names and surnames by themselves are easy to guess."),
    "Common names and surnames are easy to guess.": _l("Common names and surnames are easy to guess."),
    "Capitalization doesn't help very much.": _l("Capitalization doesn't help very much."),
    "All-uppercase is almost as easy to guess as all-lowercase.": _l(
        "All-uppercase is almost as easy to guess as all-lowercase."
    ),
    "Reversed words aren't much harder to guess.": _l("Reversed words aren't much harder to guess."),
    "Predictable substitutions like '@' instead of 'a' don't help very much.": _l(
        "Predictable substitutions like '@' instead of 'a' don't help very much."
    ),
}
TOO_EASY = _l("This password is too easy to guess.")
PERSONAL = _l("It contains your name, your email address or your company's name.")
GENERIC_HINT = _l("Use a longer phrase of several unusual words.")


def personal_words(values):
    """What someone who knows the person would try first: emails, names, their words alone and run together."""
    emails, names = [], []
    for value in values:
        value = str(value or "").lower()
        if "@" in value:
            local, _at, domain = value.partition("@")
            emails.append(value)
            names += [local, domain.split(".")[0]]  # the rest of the domain is "co.id" or "gmail.com"
        elif value:
            names.append(value)
    split = [_WORD.findall(name)[:_MAX_WORDS] for name in names]
    # zxcvbn counts a user input's position as its number of guesses: the likeliest come first.
    words = emails + names + ["".join(parts) for parts in split] + [word for parts in split for word in parts]
    # Names get typed without spaces, in part too: "SinarBaja2026", "BajaNusantara".
    words += [
        "".join(parts[start:end])
        for parts in split
        for start in range(len(parts))
        for end in range(start + 2, len(parts) + 1)
    ]
    # Two letters ("pt", "ud") would only make good passwords look weaker.
    return [word for word in dict.fromkeys(words) if len(word) >= 3]


def judged_length(password):
    """How many leading characters of the password zxcvbn may judge within the work budget."""
    tables = len(matching.enumerate_l33t_subs(matching.relevant_l33t_subtable(password, matching.L33T_TABLE)))
    affordable = int((_WORK_BUDGET / (tables + 1)) ** 0.5)
    return min(len(password), PASSWORD_MAX, max(PASSWORD_MIN, affordable))


def _estimate(password, personal):
    judged = password[: judged_length(password)]
    with _zxcvbn_lock:
        return zxcvbn(judged, user_inputs=personal, max_length=PASSWORD_MAX)


def _estimate_weakest(password, personal):
    result = _estimate(password, personal)
    # zxcvbn counts separators as random characters and capitals inside a word as a large gain, so
    # "budi.santoso.1985" and "Sinar Baja Nusantara 2026" would pass; run together in lower case,
    # they show a name and a year.
    plain = _SEPARATORS.sub("", password).lower()
    if result["score"] >= MIN_SCORE and plain != password:
        plain_result = _estimate(plain, personal)
        if plain_result["score"] < result["score"]:
            return plain_result
    return result


def _explain(result):
    reasons = [TOO_EASY]
    if any(match.get("dictionary_name") == "user_inputs" for match in result["sequence"]):
        reasons.append(PERSONAL)
    feedback = result["feedback"]
    if feedback["warning"]:
        reasons.append(FEEDBACK.get(feedback["warning"], GENERIC_HINT))
    hints = [FEEDBACK.get(suggestion, GENERIC_HINT) for suggestion in feedback["suggestions"]] or [GENERIC_HINT]
    return " ".join(dict.fromkeys(str(text) for text in reasons + hints))


def password_problem(password, user_inputs=()):
    """Why a new password is refused, in the user's language; None when it is good enough."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return _("Use %(min)d to %(max)d characters.", min=PASSWORD_MIN, max=PASSWORD_MAX)
    result = _estimate_weakest(password, personal_words(user_inputs))
    if result["score"] >= MIN_SCORE:
        return None
    return _explain(result)


class StrongPassword:
    """WTForms validator of a new password, judged against the form's `password_user_inputs()`."""

    def __call__(self, form, field):
        if field.errors:  # too short or too long: the length validator has said so, and judging would cost
            return
        user_inputs = form.password_user_inputs() if hasattr(form, "password_user_inputs") else ()
        problem = password_problem(field.data or "", user_inputs)
        if problem:
            raise ValidationError(problem)
