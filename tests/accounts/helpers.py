import re

from sqlalchemy import select

from marketplace.core.models import OutboxMessage
from marketplace.extensions import db


def outbox_to(address):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == address).order_by(OutboxMessage.id)
    ).all()


def link_in(message, path):
    match = re.search(rf"https?://\S+({re.escape(path)}\S+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def seller_org_form(org, **overrides):
    data = {
        "name": org.name,
        "nib": org.nib,
        "npwp": org.npwp or "",
        "is_pkp": "yes" if org.is_pkp else "no",
        "workers": str(org.workers),
        "address": org.address,
        "regency": org.regency,
        "province": org.province,
        "contact_person": org.contact_person,
        "phone": org.phone,
        "email": org.email,
        "about": org.about or "",
    }
    data.update(overrides)
    return data
