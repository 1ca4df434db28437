"""Source strings are English: the English catalog repeats each msgid (so it is complete, not empty)."""

from pathlib import Path

from babel.messages.pofile import read_po, write_po

PATH = Path(__file__).resolve().parent.parent / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def main():
    with PATH.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    for message in catalog:
        if not message.id:
            continue
        message.flags.discard("fuzzy")
        message.string = tuple(message.id) if message.pluralizable else message.id
    with PATH.open("wb") as fh:
        write_po(fh, catalog, width=0)


if __name__ == "__main__":
    main()
