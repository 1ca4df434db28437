"""Delivery: the buyer companies' saved addresses and each sentra's delivery tariff, set by its coordinator.

Addresses are archived, never deleted: an order keeps a copy of the address it was placed with (and its id, which
stays valid). Checkout reads the tariff through services.tariffs_for and services.delivery_fee_idr.
"""

from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Organization, User
from marketplace.accounts.regions import PROVINCES
from marketplace.catalog.models import ProductType
from marketplace.core.audit import record_audit
from marketplace.core.errors import DomainError
from marketplace.core.roles import Role
from marketplace.core.submissions import claim_submission, record_submission
from marketplace.core.timeutil import utcnow
from marketplace.core.transaction import operation
from marketplace.extensions import db
from marketplace.orders.models import DeliveryAddress, DeliveryTariff, DeliveryUnitFee
from marketplace.orders.services import delivery_fee_idr, is_own_address, tariffs_for

MAX_ADDRESSES = 20  # live addresses per company: a choice list at checkout, not an address book
MAX_FEE_IDR = 100_000_000
FEE_OUT_OF_RANGE = _l("Enter an amount from Rp 0 to Rp 100.000.000.")


class AddressRefused(DomainError):
    pass


class TariffRefused(DomainError):
    pass


# --- addresses --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AddressDetails:
    """A delivery address as a buyer writes it."""

    label: str  # "Pabrik Sidoarjo", "Proyek Tol Krian"
    recipient: str
    phone: str
    address: str
    regency: str
    province: str


# The bounds the form checks, checked again here for callers without a form (a future API): (name, min, max).
_ADDRESS_BOUNDS = (
    ("label", 2, 80),
    ("recipient", 2, 120),
    ("phone", 8, 20),
    ("address", 5, 300),
    ("regency", 2, 120),
)


def _checked(data):
    """The address's values, each on one line, or AddressRefused naming the first field that does not fit."""
    values = {}
    for name, low, high in _ADDRESS_BOUNDS:
        value = " ".join(str(getattr(data, name) or "").split())
        if not value:
            raise AddressRefused(_l("This field is required."), field=name)
        if not low <= len(value) <= high:
            raise AddressRefused(_l("Use %(min)d to %(max)d characters.", min=low, max=high), field=name)
        values[name] = value
    if data.province not in PROVINCES:
        raise AddressRefused(_l("Choose a province from the list."), field="province")
    values["province"] = data.province
    return values


def _require_buyer(user):
    if not user.is_authenticated or user.role != Role.BUYER or user.organization_id is None:
        raise AddressRefused(_l("Only the users of a buyer company keep delivery addresses."))


def _require_own(user, address):
    if not is_own_address(user, address):
        raise AddressRefused(_l("This is not one of your company's addresses."))


def live_address_count(organization_id):
    return db.session.scalar(
        select(func.count(DeliveryAddress.id)).where(
            DeliveryAddress.organization_id == organization_id, DeliveryAddress.archived_at.is_(None)
        )
    )


@operation
def create_address(user, data: AddressDetails, submission_token=None):
    """Save a delivery address for the user's company (at most MAX_ADDRESSES live ones)."""
    claim = claim_submission(user, submission_token) if submission_token is not None else None
    _require_buyer(user)
    values = _checked(data)
    # Two colleagues adding at once take turns here, so that they cannot pass the limit together (PostgreSQL;
    # SQLite's writers take turns anyway). NO KEY UPDATE: rows that refer to the company are not held up.
    db.session.execute(
        select(Organization.id).where(Organization.id == user.organization_id).with_for_update(key_share=True)
    )
    if live_address_count(user.organization_id) >= MAX_ADDRESSES:
        raise AddressRefused(
            _l("Your company keeps at most %(max)d addresses: archive one you no longer use first.", max=MAX_ADDRESSES)
        )
    address = DeliveryAddress(organization_id=user.organization_id, **values)
    db.session.add(address)
    db.session.flush()
    record_submission(claim, address)
    return address


@operation
def update_address(user, address, data: AddressDetails):
    """Change one of the company's live addresses; orders placed with it keep the copy they made."""
    _require_own(user, address)
    for name, value in _checked(data).items():
        setattr(address, name, value)
    db.session.flush()
    return address


@operation
def archive_address(user, address):
    """Take an address off the company's list (kept for the orders that point at it)."""
    _require_own(user, address)
    address.archived_at = utcnow()
    db.session.flush()


# --- the sentra's tariff ----------------------------------------------------------------------------------------


def tariff_of(sentra_id):
    """The sentra's tariff with its unit fees (None until its coordinator first saves one)."""
    return tariffs_for([sentra_id]).get(sentra_id)


def last_changed_by(tariff):
    """The user who last saved the tariff (None if unknown or the account is gone)."""
    if tariff is None or tariff.updated_by_id is None:
        return None
    return db.session.get(User, tariff.updated_by_id)


def example_fee_idr(tariff, product_type_id, quantity):
    """What checkout charges to deliver one order of `quantity` units of one product type: the very rule of
    services.delivery_fee_idr, so that the example the coordinator reads is what buyers pay."""
    line = SimpleNamespace(
        listing=SimpleNamespace(product_type_id=product_type_id), item=SimpleNamespace(quantity=Decimal(quantity))
    )
    return delivery_fee_idr(tariff, [line])


def _check_fee(value, field):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FEE_IDR:
        raise TariffRefused(FEE_OUT_OF_RANGE, field=field)


def _snapshot(tariff):
    fees = sorted((fee.product_type_id, fee.fee_per_unit_idr) for fee in tariff.unit_fees)
    return {"base_fee_idr": tariff.base_fee_idr, "fees_per_unit_idr": {str(k): v for k, v in fees}}


def _locked_tariff(sentra_id):
    return db.session.scalar(
        select(DeliveryTariff)
        .where(DeliveryTariff.sentra_id == sentra_id)
        .options(selectinload(DeliveryTariff.unit_fees))
        .with_for_update()
    )


@operation
def save_tariff(coordinator, base_fee_idr, fees_per_unit):
    """Set the delivery tariff of the coordinator's own sentra: a base fee per order and a fee per unit of each
    product type ({product type id: whole Rupiah}); fees not named keep their value. Audited with before/after."""
    if not coordinator.is_authenticated or coordinator.role != Role.COORDINATOR or coordinator.sentra_id is None:
        raise TariffRefused(_l("Only a coordinator of the sentra sets its delivery tariff."))
    _check_fee(base_fee_idr, "base_fee_idr")
    known = set(db.session.scalars(select(ProductType.id).where(ProductType.id.in_(list(fees_per_unit)))))
    for product_type_id, fee in fees_per_unit.items():
        if product_type_id not in known:
            raise TariffRefused(_l("This product type does not exist any more: reload the page."))
        _check_fee(fee, f"fee_{product_type_id}")
    tariff = _locked_tariff(coordinator.sentra_id)
    if tariff is None:
        tariff = DeliveryTariff(sentra_id=coordinator.sentra_id, base_fee_idr=0, updated_by_id=coordinator.id)
        try:
            with db.session.begin_nested():  # the sentra's first tariff saved twice at once: one row
                db.session.add(tariff)
                db.session.flush()
        except IntegrityError:
            tariff = _locked_tariff(coordinator.sentra_id)
            before = _snapshot(tariff)
        else:
            before = None
    else:
        before = _snapshot(tariff)
    tariff.base_fee_idr = base_fee_idr
    existing = {fee.product_type_id: fee for fee in tariff.unit_fees}
    for product_type_id, fee in sorted(fees_per_unit.items()):
        if product_type_id in existing:
            existing[product_type_id].fee_per_unit_idr = fee
        else:
            tariff.unit_fees.append(DeliveryUnitFee(product_type_id=product_type_id, fee_per_unit_idr=fee))
    # Set by hand: a change of unit fees alone would not touch the tariff's row (nor its onupdate).
    tariff.updated_by_id = coordinator.id
    tariff.updated_at = utcnow()
    db.session.flush()
    record_audit(coordinator, "delivery_tariff.saved", tariff, before=before, after=_snapshot(tariff))
    return tariff
